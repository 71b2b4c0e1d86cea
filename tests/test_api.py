"""The researchers' API (CONTRACT.md, "Python API"): the names in allocator.__all__, plain
data out, the same numbers as the command line, and custom constraints as a family like any
other."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

import allocator as al
from allocator.cli import main

ROOT = Path(__file__).parents[1]
SAMPLE = ROOT / "allocator/data/sample_applications.csv"
BASELINE = ROOT / "scenarios/baseline.yaml"
SHARE = 0.2


@pytest.fixture(scope="module")
def apps() -> pd.DataFrame:
    return al.read_applications(SAMPLE)


@pytest.fixture(scope="module")
def sc() -> al.Scenario:
    return al.Scenario.from_yaml(BASELINE)


def insurer_share(m) -> None:  # type: ignore[no-untyped-def]
    """At most SHARE of the AI theme's awarded euros to one lead insurer:
    sum_{i in ai, insurer X} C_i s_i <= SHARE * sum_{i in ai} C_i s_i, per insurer X."""
    a = m.applications
    ai = a[a["use_case"].str.startswith("ai-")]
    for insurer, own in ai.groupby("lead_insurer"):
        coef = {i: c * ((i in own.index) - SHARE) for i, c in ai["total_cost"].items()}
        m.add_constraint(f"insurer_share:{insurer}", coef, "<=", 0)


def test_public_names_are_listed() -> None:
    for name in ("read_applications", "Scenario", "solve", "compare", "InputError", "Result"):
        assert name in al.__all__ and getattr(al, name) is not None


def test_readme_api_section_runs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The README's Python API block is the API in the code: it runs as written."""
    text = (ROOT / "README.md").read_text()
    section = text.split("## Python API", 1)[1]
    code = re.search(r"```python\n(.*?)```", section, re.S)
    assert code, "README has a Python API code block"
    monkeypatch.chdir(ROOT)
    exec(compile(code[1], "README.md", "exec"), {})


def test_solve_equals_the_command_line(tmp_path: Path, apps, sc) -> None:  # type: ignore[no-untyped-def]
    res = al.solve(apps, sc)
    out = tmp_path / "out"
    result = CliRunner().invoke(main, ["solve", "-q", "--no-xlsx", "-o", str(out)])
    assert result.exit_code == 0, result.output
    summary = json.loads((out / "summary.json").read_text())
    assert res.status == summary["status"] == "optimal"
    assert res.objective_fte == pytest.approx(summary["objective_fte"], abs=1e-9)
    assert res.total_awarded == pytest.approx(summary["total_awarded"], abs=0.005)
    awards = pd.read_csv(out / "awards.csv", dtype={"application_id": str}).set_index(
        "application_id"
    )
    assert list(res.awards.index) == list(awards.index)
    assert (res.awards["scale"] - awards["scale"]).abs().max() < 1e-12
    assert isinstance(res.explain("A021"), str) and res.explain("A021").startswith("Not funded")
    assert res.shadow_prices.empty  # explain=False
    assert {"limit", "used", "slack"} <= set(res.constraints.columns)


def test_edited_frame_is_checked_like_a_file(apps, sc) -> None:  # type: ignore[no-untyped-def]
    bad = apps.copy()
    bad.loc[3, "fte"] = -5
    with pytest.raises(al.InputError, match="fte"):
        al.solve(bad, sc)
    with pytest.raises(Exception, match="impact_bar"):
        sc.replace(impact_bar=-5)
    more = al.solve(apps, sc.replace(impact_bar=9))
    assert more.status == "optimal"


def test_custom_constraint_binds_and_is_explained(apps, sc) -> None:  # type: ignore[no-untyped-def]
    free = al.solve(apps, sc)
    capped = al.solve(apps, sc, explain=True, extra_constraints=insurer_share, workers=1)
    assert capped.status == "optimal" and capped.objective_fte < free.objective_fte - 1
    # the rule holds in the award table, recomputed from the frame (not from the model)
    awarded = capped.awards.join(apps.set_index("application_id")[["lead_insurer"]])
    ai = awarded[awarded["use_case"].str.startswith("ai-")]
    by_insurer = ai.groupby("lead_insurer")["awarded_amount"].sum()
    assert (by_insurer <= SHARE * ai["awarded_amount"].sum() + 0.01).all()
    rows = capped.constraints[capped.constraints["family"] == "custom"]
    assert len(rows) == apps.loc[apps["use_case"].str.startswith("ai-"), "lead_insurer"].nunique()
    binding = [c for c in rows.index if capped.shadow_prices.loc[c, "fte_per_meur"] > 0]
    assert binding, "a binding insurer cap has a shadow price"
    named = capped.explanations["binding"].str.contains("insurer_share:").sum()
    assert named > 0
    # the same optimum from an independent stack
    scip = al.solve(apps, sc, extra_constraints=insurer_share, solver="ortools-scip")
    assert scip.objective_fte == pytest.approx(capped.objective_fte, rel=1e-6)


def test_custom_constraint_refused_with_a_message(apps, sc) -> None:  # type: ignore[no-untyped-def]
    def unknown(m) -> None:  # type: ignore[no-untyped-def]
        m.add_constraint("x", {"NOPE": 1.0}, "<=", 1)

    def sense(m) -> None:  # type: ignore[no-untyped-def]
        m.add_constraint("x", {m.applications.index[0]: 1.0}, "<", 1)

    with pytest.raises(al.InputError, match="not an eligible application: NOPE"):
        al.solve(apps, sc, extra_constraints=unknown)
    with pytest.raises(al.InputError, match="sense"):
        al.solve(apps, sc, extra_constraints=sense)


def test_a_frame_after_convert_dtypes_solves_as_before(apps, sc) -> None:  # type: ignore[no-untyped-def]
    """pandas' nullable dtypes leave pd.NA in empty cells: an empty cell, as in a file."""
    plain, converted = al.solve(apps, sc), al.solve(apps.convert_dtypes(), sc)
    assert converted.status == plain.status == "optimal"
    assert converted.objective_fte == plain.objective_fte
    assert converted.awards["scale"].equals(plain.awards["scale"])


def test_read_applications_keeps_the_fte_interval(tmp_path: Path, apps) -> None:  # type: ignore[no-untyped-def]
    with_interval = apps.copy()
    with_interval.insert(with_interval.columns.get_loc("fte") + 1, "fte_low", apps["fte"] * 0.5)
    with_interval.insert(with_interval.columns.get_loc("fte") + 2, "fte_high", apps["fte"] * 2)
    path = tmp_path / "apps.csv"
    with_interval.to_csv(path, index=False)
    back = al.read_applications(path)
    assert list(back.columns) == list(with_interval.columns)
    assert back["fte_low"].tolist() == pytest.approx((apps["fte"] * 0.5).tolist())
    assert "fte_low" not in apps.columns  # the sample has no interval: no empty columns


def test_compare_names_and_numbers(apps, sc) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ValueError, match=r'name="'):
        al.compare([sc, sc.replace(impact_bar=9)], apps)
    floors = sc.replace(theme_floors={"medtech": 80e6}, name="floors")
    rows = al.compare([sc, sc.replace(impact_bar=9, name="bar-9"), floors], apps)
    assert list(rows["scenario"]) == ["bo-baseline"] * 3 + ["bar-9", "floors"]
    assert rows["objective_fte"].dtype.kind == "f" and rows["awarded_count"].dtype.kind == "f"
    assert rows["objective_fte"].iloc[:4].notna().all() and rows["objective_fte"].isna().iloc[4]
    assert rows["objective_fte"].iloc[0] == pytest.approx(al.solve(apps, sc).objective_fte)


def test_a_result_without_award_set_says_which_rules_conflict(apps, sc) -> None:  # type: ignore[no-untyped-def]
    res = al.solve(apps, sc.replace(theme_floors={"medtech": 80e6}))
    assert res.status == "infeasible" and res.objective_fte is None
    assert res.conflicts and all(":" in c for c in res.conflicts)
    assert any("theme:medtech" in c and "EUR 30,000,000" in c for c in res.conflicts)
    with pytest.raises(KeyError, match="no award set"):
        res.explain(str(apps["application_id"].iloc[1]))
    assert al.solve(apps, sc).conflicts == []


def test_constraints_show_the_regional_minimums(apps) -> None:  # type: ignore[no-untyped-def]
    """Under the board rules the constraints table lists every regional minimum: limit =
    factor x population share x total awarded (to the cent below), or 0 where the region is
    let off (each of its eligible applications funded in full, locked out or beaten by its
    group partner); used = the region's awards; slack = used - limit. A floor's slack is
    what it is exceeded by."""
    import math

    rules = al.Scenario.from_yaml(ROOT / "scenarios/board-rules.yaml")
    res = al.solve(apps, rules)
    table = res.constraints
    awards = res.awards
    total = round(awards["awarded_amount"].sum() * 100)
    from allocator.catalog import regions_for

    regions = regions_for(rules)
    rows = table[table["family"] == "region_min"]
    assert sorted(rows.index) == sorted(f"region_min:{r}" for r in regions.population)
    for name, row in rows.iterrows():
        region = name.split(":", 1)[1]
        mine = awards[(awards["region"] == region) & (awards["status"] != "ineligible")]
        assert round(row["used"] * 100) == round(mine["awarded_amount"].sum() * 100)
        assert row["slack"] == pytest.approx(row["used"] - row["limit"], abs=0.005)
        if row["limit"] == 0:
            waiting = mine[(mine["status"] != "awarded") & ~mine.index.isin(rules.must_not)]
            for app_id, award in waiting.iterrows():  # only group losers may wait
                group = award["exclusive_group"]
                assert isinstance(group, str) and group
                partners = awards[(awards["exclusive_group"] == group) & (awards.index != app_id)]
                assert (partners["scale"] > 0).any(), app_id
        else:
            need = math.floor(rules.region_min_factor * regions.share(region) * total)
            assert abs(round(row["limit"] * 100) - need) <= 1, name
            assert row["slack"] >= -0.05, name  # whole-cent rounding, as verify allows
    floor = table.loc["theme_floor:medtech"]
    assert floor["slack"] == pytest.approx(floor["used"] - floor["limit"]) and floor["slack"] >= 0


def test_awards_xlsx_columns_fit_their_numbers(tmp_path: Path, apps, sc) -> None:  # type: ignore[no-untyped-def]
    """No ##### in Excel: every money column is at least as wide as its widest amount with
    thousands separators and cents; FTE columns carry a number format (no float noise)."""
    from openpyxl import load_workbook

    al.solve(apps, sc).write(tmp_path / "o")
    book = load_workbook(tmp_path / "o" / "awards.xlsx")
    for sheet in book.worksheets:
        header = [c.value for c in sheet[1]]
        for k, name in enumerate(header, start=1):
            cells = [sheet.cell(row=r, column=k) for r in range(2, sheet.max_row + 1)]
            numbers = [c for c in cells if isinstance(c.value, (int, float))]
            if not numbers:
                continue
            fmt = numbers[0].number_format
            width = sheet.column_dimensions[cells[0].column_letter].width
            if fmt == "#,##0.00":
                assert width >= max(len(f"{c.value:,.2f}") for c in numbers) + 1, (
                    sheet.title,
                    name,
                )
            if name.endswith("fte") or name == "fte_per_meur":
                assert fmt == "#,##0.0##", (sheet.title, name)
