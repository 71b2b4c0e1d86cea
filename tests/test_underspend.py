"""allocator reallocate --underspend: money an award did not spend returns to its budgets
(ceiling, theme, and with carry-over every cumulative year cap from its year on) and is
re-awarded exactly; the award itself stays."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
import yaml
from click.testing import CliRunner

from allocator.catalog import model_plans, sample_applications_path, scenario_path
from allocator.cli import main
from allocator.domain import RunOptions
from allocator.engine import allocate
from allocator.errors import InputError
from allocator.io.inputs import load_scenario, load_submission
from allocator.payments import read_award_set
from allocator.reallocate import locked_inputs, reallocate

AMOUNT = 2_000_000.0


@pytest.fixture(scope="module")
def case(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    """carry-over without the regional rule (a region cap follows the ceiling), its optimum,
    and an underspend of EUR 2M in 2027 by a funded medtech application."""
    folder = tmp_path_factory.mktemp("underspend")
    raw = yaml.safe_load(scenario_path("carry-over").read_text())
    raw["region_max_factor"] = None
    scen_file = folder / "scenario.yaml"
    scen_file.write_text(yaml.safe_dump(raw))
    out = folder / "base"
    args = ["solve", "-q", "--no-xlsx", "-s", str(scen_file), "-o", str(out)]
    assert CliRunner().invoke(main, args).exit_code == 0
    awards = pd.read_csv(out / "awards.csv", dtype={"application_id": str})
    apps = pd.read_csv(sample_applications_path(), dtype={"application_id": str})
    full = awards[(awards["status"] == "awarded") & awards["use_case"].str.startswith("mt-")]
    app_id = next(
        i
        for i in full["application_id"]
        if float(apps.set_index("application_id").at[i, "cost_2027"]) >= AMOUNT
    )
    spend = folder / "underspend.csv"
    spend.write_text(f"application_id,year,amount\n{app_id},2027,{AMOUNT:.2f}\n")
    return scen_file, out, spend, app_id


def test_underspend_is_re_awarded_exactly(case) -> None:  # type: ignore[no-untyped-def]
    scen_file, out, spend, app_id = case
    scen = load_scenario(scen_file)
    from allocator.catalog import regions_for

    regions = regions_for(scen)
    apps = load_submission(sample_applications_path(), regions).applications
    done = reallocate(apps, scen, regions, out / "awards.csv", [], RunOptions(), spend)
    result = done.allocation.result
    assert result.status.value == "optimal"
    # nobody's award goes down, the underspender keeps its award
    old = read_award_set(out / "awards.csv", apps)
    new = {w.application_id: w for w in result.awards}
    assert all(round(new[i].awarded_amount_eur * 100) >= line.cents for i, line in old.items())
    assert round(new[app_id].awarded_amount_eur * 100) == old[app_id].cents
    # the same optimum as the locked problem under a scenario with the money added by hand
    theme = model_plans()[next(a for a in apps if a.application_id == app_id).use_case].theme
    by_hand = scen.replace(
        ceiling=scen.ceiling + AMOUNT,
        theme_budgets={**scen.theme_budgets, theme: scen.theme_budgets[theme] + AMOUNT},
        year_budgets={**scen.year_budgets, 2027: scen.year_budgets[2027] + AMOUNT},
    )
    locked_apps, locked, _ = locked_inputs(apps, by_hand, old, [])
    fresh = allocate(locked_apps, locked, RunOptions(solver="ortools-scip"), regions=regions)
    assert result.objective_fte == pytest.approx(fresh.result.objective_fte, abs=1e-3)
    base = sum(
        a.awarded_fte for a in allocate(apps, scen, RunOptions(), regions=regions).result.awards
    )
    assert result.objective_fte > base + 1  # the money was used


def test_underspend_through_the_command_line(case, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    scen_file, out, spend, _ = case
    args = [
        "reallocate",
        "-q",
        "--no-xlsx",
        "-s",
        str(scen_file),
        "--awards",
        str(out / "awards.csv"),
    ]
    result = CliRunner().invoke(
        main, [*args, "--underspend", str(spend), "-o", str(tmp_path / "re")]
    )
    assert result.exit_code == 0, result.output
    diff = pd.read_csv(tmp_path / "re/diff.csv")
    assert (diff["amount_gained"] > 0).any() and set(diff["change"]) <= {"raised", "newly funded"}


def test_bad_underspend_rows_are_refused_by_row_and_field(case, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    scen_file, out, _, app_id = case
    bad = tmp_path / "bad.csv"
    bad.write_text(
        "application_id,year,amount\n"
        "NOPE,2027,10\n"
        f"{app_id},2031,10\n"
        f"{app_id},2027,1e12\n"
        f"{app_id},2027,0.001\n"
    )
    scen = load_scenario(scen_file)
    from allocator.catalog import regions_for

    regions = regions_for(scen)
    apps = load_submission(sample_applications_path(), regions).applications
    with pytest.raises(InputError) as info:
        reallocate(apps, scen, regions, out / "awards.csv", [], RunOptions(), bad)
    found = {(p.row, p.column) for p in info.value.problems}
    assert found == {(2, "application_id"), (3, "year"), (4, "amount"), (5, "amount")}
