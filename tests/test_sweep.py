"""allocator sweep (CONTRACT.md, "Sweeps"): grid parsing, refusals naming the key, and every
number of sweep.csv against a fresh allocator solve of that point."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from allocator.catalog import scenario_path
from allocator.cli import main
from allocator.cli_board import sweep
from allocator.errors import InputError
from allocator.io.inputs import load_scenario
from allocator.sweep import grid, parse_set, parse_values, run_sweep, variant
from tests.conftest import REGIONS, app, scenario


def test_ranges_include_stop_and_float_steps_are_exact() -> None:
    assert parse_values("0:1:0.1", "k") == [0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1]
    assert parse_values("150e6:350e6:25e6", "k") == [150_000_000 + 25_000_000 * i for i in range(9)]
    assert parse_values("0:40:1", "k") == list(range(41))
    assert parse_values("0:1:0.3", "k") == [0, 0.3, 0.6, 0.9]  # stop not on the grid
    assert parse_values("10:0:-5", "k") == [10, 5, 0]
    assert parse_values("1.5:1.5:0.1", "k") == [1.5]
    assert parse_values("9,17,35", "k") == [9, 17, 35]
    assert parse_values("1.5, none", "k") == [1.5, None]
    assert parse_values("true,false", "k") == [True, False]


def test_set_parses_dotted_keys() -> None:
    assert parse_set("theme_budgets.ai=1e6,2e6") == ("theme_budgets.ai", [1_000_000, 2_000_000])
    base = scenario(theme_budgets={"ai": 5e6})
    v = variant(base, {"theme_budgets.ai": 1e6, "year_budgets.2028": 3e6, "impact_bar": 9})
    assert v.theme_budgets["ai"] == 1e6 and v.year_budgets[2028] == 3e6 and v.impact_bar == 9
    assert variant(base, {"region_max_factor": None}).region_max_factor is None
    points = grid(base, [("impact_bar", [0, 9]), ("ceiling", [1e6, 2e6, 3e6])])
    assert points[:4] == [
        {"impact_bar": 0, "ceiling": 1e6},
        {"impact_bar": 0, "ceiling": 2e6},
        {"impact_bar": 0, "ceiling": 3e6},
        {"impact_bar": 9, "ceiling": 1e6},
    ]


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("impact_barr=1,2", "impact_barr"),
        ("theme_budgets.robots=1e6", "theme_budgets.robots"),
        ("theme_budgets=1e6", "theme_budgets"),
        ("impact_bar.x=1", "impact_bar.x"),
        ("year_budgets.later=1e6", "year_budgets.later"),
        ("impact_bar=-1", "impact_bar"),
        ("ceiling=lots", "ceiling"),
        ("ceiling=0", "ceiling"),
        ("region_max_factor=0:2:0", "region_max_factor"),
        ("region_max_factor=2:0:1", "region_max_factor"),
        ("impact_bar=1:2", "impact_bar"),
        ("year_budgets.1900=1e6", "year_budgets.1900"),
        ("regions=ggd_regions.csv", "regions"),
        ("impact_bar", "impact_bar"),
    ],
)
def test_bad_keys_and_values_are_refused_naming_the_key(
    tmp_path: Path, text: str, key: str
) -> None:
    result = CliRunner().invoke(sweep, ["--set", text, "--out", str(tmp_path / "o")])
    assert result.exit_code == 2, result.output
    assert key in result.output
    assert not (tmp_path / "o").exists()  # nothing solved or written


def test_api_refusal_is_an_input_error() -> None:
    with pytest.raises(InputError, match="impact_bar"):
        grid(scenario(), [("impact_bar", [-3])])


def test_grid_order_whatever_the_workers() -> None:
    apps = [
        app(f"A{i}", (i + 1) * 1e6, 10 + 7 * i, region="R1" if i % 2 else "R2") for i in range(8)
    ]
    sets = [("ceiling", [3e6, 9e6, 20e6]), ("impact_bar", [0, 5])]
    one = run_sweep(apps, scenario(), sets, regions=REGIONS, workers=1)
    two = run_sweep(apps, scenario(), sets, regions=REGIONS, workers=2)
    assert one == two
    assert [(r["ceiling"], r["impact_bar"]) for r in one] == [
        (c, b) for c in (3e6, 9e6, 20e6) for b in (0, 5)
    ]
    assert all(r["status"] == "optimal" for r in one)


def _dump(scen, path: Path) -> Path:  # type: ignore[no-untyped-def]
    data = scen.model_dump(mode="json", exclude_unset=True)
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


def test_every_number_equals_a_fresh_solve(tmp_path: Path) -> None:
    sets = ["impact_bar=17,35", "theme_budgets.ai=200e6:275e6:75e6", "year_budgets.2029=0,100e6"]
    args = [a for s in sets for a in ("--set", s)]
    out = tmp_path / "sweep"
    result = CliRunner().invoke(
        sweep, ["-s", str(scenario_path("baseline")), *args, "--out", str(out), "-q"]
    )
    assert result.exit_code == 0, result.output
    with (out / "sweep.csv").open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert list(rows[0]) == [
        "impact_bar", "theme_budgets.ai", "year_budgets.2029", "status", "objective_fte",
        "total_awarded",
    ]  # fmt: skip
    assert len(rows) == 8
    base = load_scenario(scenario_path("baseline"))
    for k, row in enumerate(rows):
        changes = {key: float(row[key]) for key in list(row)[:3]}
        point = variant(base, changes)
        file = _dump(point, tmp_path / f"p{k}.yaml")
        solved = tmp_path / f"solve{k}"
        fresh = CliRunner().invoke(
            main, ["solve", "-q", "--no-xlsx", "-s", str(file), "-o", str(solved)]
        )
        assert fresh.exit_code in (0, 3), fresh.output
        summary = json.loads((solved / "summary.json").read_text())
        assert row["status"] == summary["status"]
        assert float(row["objective_fte"]) == pytest.approx(summary["objective_fte"], rel=1e-12)
        assert round(float(row["total_awarded"]) * 100) == round(summary["total_awarded"] * 100)


def test_points_warn_as_solve_does(tmp_path: Path) -> None:
    """Budgets that cannot all be used at a point are the warnings solve gives for that point,
    each once, with the point named; a point without any warns nothing."""
    out = tmp_path / "sweep"
    result = CliRunner().invoke(
        main, ["sweep", "--set", "theme_budgets.ai=150e6,275e6", "--out", str(out), "-q"]
    )
    assert result.exit_code == 0, result.output
    base = load_scenario(scenario_path("baseline"))
    for value, count in ((150_000_000, 1), (275_000_000, 0)):
        file = _dump(variant(base, {"theme_budgets.ai": value}), tmp_path / f"p{value}.yaml")
        fresh = CliRunner().invoke(
            main, ["solve", "-q", "--no-xlsx", "-s", str(file), "-o", str(tmp_path / f"s{value}")]
        )
        said = [x for x in fresh.output.splitlines() if x.startswith("warning: the theme")]
        assert len(said) == count
        for line in said:
            assert f"{line} (at theme_budgets.ai={value})" in result.output
    assert result.output.count("warning:") == 1
