"""allocator compare (CONTRACT.md, "Scenario comparison"): a hand-made case with known
figures, and every number of compare.csv and flips.csv checked against fresh solves."""

from __future__ import annotations

import csv
import json
import math
from pathlib import Path

import pytest
from click.testing import CliRunner

from allocator.catalog import sample_applications_path, scenario_path
from allocator.cli import main
from allocator.cli_board import compare
from allocator.comparison import compare_runs, gini
from allocator.domain import RegionTable
from tests.conftest import REGIONS, app, scenario

PROVINCES = Path(__file__).resolve().parents[1] / "allocator" / "data" / "regions" / "provinces.csv"


def _tiny():  # type: ignore[no-untyped-def]
    apps = [
        app("A", 6e6, 60, region="R1", minute=0),  # 10 FTE per EUR 1M, first in
        app("B", 5e6, 100, region="R2", minute=1),  # 20
        app("C", 5e6, 90, region="R2", minute=2),  # 18
        app("D", {2028: 4e6}, 4, region="NL", minute=3),  # 1, national, spends in 2028
        app("E", 30e6, 300, region="R1", minute=4),  # never fits
    ]
    scenarios = [
        ("s10", scenario(ceiling=10e6)),
        ("s5", scenario(ceiling=5e6)),
        ("s20", scenario(ceiling=20e6)),
    ]
    return apps, scenarios


def test_hand_made_case_has_the_known_figures() -> None:
    apps, scenarios = _tiny()
    table, flips = compare_runs(apps, scenarios, regions_for_scenario=lambda s: REGIONS)
    rows = {(r["scenario"], r["method"]): r for r in table.to_dict(orient="records")}
    assert list(rows) == [
        ("s10", "optimal"), ("s10", "fcfs"), ("s10", "greedy"), ("s5", "optimal"),
        ("s20", "optimal"),
    ]  # fmt: skip
    assert list(table.columns) == [
        "scenario", "method", "status", "objective_fte", "total_awarded", "awarded_count",
        "partial_count", "theme:ai", "theme:digital_hybrid", "theme:medtech", "year:2027",
        "year:2028", "region:R1", "region:R2", "region:NL", "fte_per_capita_gini",
    ]  # fmt: skip
    opt, fcfs, greedy = rows["s10", "optimal"], rows["s10", "fcfs"], rows["s10", "greedy"]
    assert (opt["status"], opt["objective_fte"], opt["total_awarded"]) == ("optimal", 190, 10e6)
    assert (opt["awarded_count"], opt["partial_count"]) == (2, 0)
    assert (opt["theme:ai"], opt["theme:medtech"]) == (10e6, 0)
    assert (opt["year:2027"], opt["year:2028"]) == (10e6, 0)
    assert (opt["region:R1"], opt["region:R2"], opt["region:NL"]) == (0, 10e6, 0)
    # fcfs: A (6M), B and C do not fit in the 4M left, D does
    assert (fcfs["status"], fcfs["objective_fte"], fcfs["total_awarded"]) == ("feasible", 64, 10e6)
    assert (fcfs["year:2027"], fcfs["year:2028"]) == (6e6, 4e6)
    assert (fcfs["region:R1"], fcfs["region:R2"], fcfs["region:NL"]) == (6e6, 0, 4e6)
    assert greedy["objective_fte"] == 190
    assert rows["s5", "optimal"]["objective_fte"] == 100
    # Gini over R1, R2 of FTE per inhabitant (NL left out); one region at 0 of two: 1/2
    assert opt["fte_per_capita_gini"] == pytest.approx(0.5)
    assert fcfs["fte_per_capita_gini"] == pytest.approx(0.5)
    # s20 funds A-D: R1 60 FTE / 1M, R2 190 FTE / 3M
    x1, x2 = 60 / 1e6, 190 / 3e6
    by_hand = (2 * abs(x1 - x2)) / (2 * 2**2 * ((x1 + x2) / 2))
    assert rows["s20", "optimal"]["fte_per_capita_gini"] == pytest.approx(by_hand, rel=1e-12)
    assert by_hand == pytest.approx(0.0135135, rel=1e-5)
    # flips: E is never funded; A-D change
    assert list(flips.columns) == [
        "application_id",
        "s10:optimal",
        "s10:fcfs",
        "s10:greedy",
        "s5:optimal",
        "s20:optimal",
    ]
    got = {r["application_id"]: list(r.values())[1:] for r in flips.to_dict(orient="records")}
    assert got == {
        "A": [0, 1, 0, 0, 1],
        "B": [1, 0, 1, 1, 1],
        "C": [1, 0, 1, 0, 1],
        "D": [0, 1, 0, 0, 1],
    }


def test_gini_by_hand() -> None:
    assert gini([1.0, 1.0, 1.0]) == 0
    assert gini([0.0, 0.0, 3.0]) == pytest.approx(2 / 3)  # (2*3+2*3)/(2*9*1)
    assert gini([1.0, 2.0, 3.0, 4.0]) == pytest.approx(0.25)  # 20 / (2*16*2.5)
    assert gini([0.0, 0.0]) is None


def test_infeasible_scenario_is_a_row_with_empty_figures_and_region_tables_united() -> None:
    apps, _ = _tiny()
    other = RegionTable(name="other", population={"R1": 1_000_000, "R2": 1_000_000, "R3": 5})
    floors = scenario(ceiling=10e6, theme_floors={"medtech": 1e6})
    table, flips = compare_runs(
        apps,
        [("base", scenario(ceiling=10e6)), ("floors", floors), ("other", scenario(ceiling=5e6))],
        regions_for_scenario=lambda s: other if s.ceiling == 5e6 else REGIONS,
    )
    row = table.to_dict(orient="records")[3]
    assert row["scenario"] == "floors" and row["status"] == "infeasible"
    assert all(row[c] is None for c in table.columns[3:])
    assert [c for c in table.columns if c.startswith("region:")] == [
        "region:R1", "region:R2", "region:R3", "region:NL"
    ]  # fmt: skip
    assert table.to_dict(orient="records")[0]["region:R3"] is None  # not in its table
    assert table.to_dict(orient="records")[4]["region:R3"] == 0
    assert flips["floors:optimal"].isna().all()


def test_api_compare_stays_callable_after_the_module_is_imported() -> None:
    import allocator as al
    import allocator.comparison

    for _ in range(2):
        rows = al.compare([scenario_path("bar-35")], sample_applications_path())
        assert list(rows["method"]) == ["optimal", "fcfs", "greedy"]
    assert callable(al.compare)


def _read(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def _cents(text: str) -> int:
    return round(float(text) * 100)


def _population() -> dict[str, int]:
    return {r["region"]: int(r["population"]) for r in _read(PROVINCES)}


NAMES = ["baseline", "bar-35", "original-rhythm", "infeasible-floors"]


@pytest.fixture(scope="module")
def compared(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("cmp") / "out"
    result = CliRunner().invoke(
        compare, [*(str(scenario_path(n)) for n in NAMES), "--out", str(out), "-q"]
    )
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in out.iterdir() if not p.name.startswith(".")) == [
        "compare.csv", "compare.xlsx", "flips.csv", "regions.csv"
    ]  # fmt: skip
    return out


def _solve(tmp: Path, name: str, method: str) -> Path:
    out = tmp / f"{name}-{method}"
    result = CliRunner().invoke(
        main, ["solve", "-q", "-s", str(scenario_path(name)), "-m", method, "-o", str(out)]
    )
    assert result.exit_code in (0, 3), result.output
    return out


def test_every_number_equals_a_fresh_solve(compared: Path, tmp_path: Path) -> None:
    from openpyxl import load_workbook

    rows = _read(compared / "compare.csv")
    runs = [(NAMES[0], m) for m in ("optimal", "fcfs", "greedy")]
    runs += [(n, "optimal") for n in NAMES[1:]]
    assert [(r["scenario"], r["method"]) for r in rows] == runs
    population = _population()
    for row, (name, method) in zip(rows, runs):
        out = _solve(tmp_path, name, method)
        summary = json.loads((out / "summary.json").read_text())
        assert row["status"] == summary["status"]
        if summary["objective_fte"] is None or not (out / "awards.csv").exists():
            assert all(row[c] == "" for c in list(row)[3:]), name
            continue
        assert float(row["objective_fte"]) == pytest.approx(summary["objective_fte"], rel=1e-12)
        assert _cents(row["total_awarded"]) == _cents(str(summary["total_awarded"]))
        awards = _read(out / "awards.csv")
        funded = [a for a in awards if a["status"] in ("awarded", "partial")]
        assert int(row["awarded_count"]) == len(funded)
        assert int(row["partial_count"]) == sum(a["status"] == "partial" for a in awards)
        for key in [k for k in row if k.startswith(("theme:", "region:"))]:
            field, value = key.split(":")
            want = sum(_cents(a["awarded_amount"]) for a in awards if a[field] == value)
            assert _cents(row[key]) == want, (name, method, key)
        sheet = load_workbook(out / "awards.xlsx", read_only=True)["by year"]
        header, *data = list(sheet.values)
        spend = {int(r[0]): r[header.index("spend")] for r in data}
        for key in [k for k in row if k.startswith("year:")]:
            year = int(key.split(":")[1])
            assert _cents(row[key]) == round(spend.get(year, 0) * 100), (name, key)
        fte = dict.fromkeys(population, 0.0)
        for a in awards:
            if a["region"] in fte:
                fte[a["region"]] += float(a["awarded_fte"])
        x = [fte[r] / population[r] for r in population]
        n, total = len(x), sum(x)
        by_hand = sum(abs(a - b) for a in x for b in x) / (2 * n * total)
        assert float(row["fte_per_capita_gini"]) == pytest.approx(by_hand, rel=1e-9)


def test_flips_equal_the_fresh_solves(compared: Path, tmp_path: Path) -> None:
    flips = _read(compared / "flips.csv")
    labels = list(flips[0])[1:]
    assert labels == [f"{NAMES[0]}:{m}" for m in ("optimal", "fcfs", "greedy")] + [
        f"{n}:optimal" for n in NAMES[1:]
    ]
    scales: dict[str, dict[str, float]] = {}
    order: list[str] = []
    for label in labels:
        name, method = label.split(":")
        out = _solve(tmp_path, name, method)
        if (out / "awards.csv").exists():
            awards = _read(out / "awards.csv")
            order = [a["application_id"] for a in awards]
            scales[label] = {a["application_id"]: float(a["scale"]) for a in awards}
    want = [
        i
        for i in order
        if max(s[i] for s in scales.values()) - min(s[i] for s in scales.values()) > 1e-9
    ]
    assert [r["application_id"] for r in flips] == want
    for row in flips:
        for label in labels:
            if label in scales:
                assert math.isclose(float(row[label]), scales[label][row["application_id"]])
            else:
                assert row[label] == ""  # infeasible run: no scales


def test_regions_csv_adds_the_social_domain_to_compare_csv(compared: Path, tmp_path: Path) -> None:
    """regions.csv against compare.csv (the Zvw award per region), a separate ``allocator
    social`` run (the SPUK amounts) and the population table: every figure recomputed."""
    from openpyxl import load_workbook

    social_out = tmp_path / "social"
    result = CliRunner().invoke(main, ["social", "--out", str(social_out)])
    assert result.exit_code == 0, result.output
    spuk = {(r["region"], r["year"]): int(r["amount"]) for r in _read(social_out / "social.csv")}
    population = _population()
    compare_rows = {(r["scenario"], r["method"]): r for r in _read(compared / "compare.csv")}
    rows = _read(compared / "regions.csv")
    assert len(rows) == len(compare_rows) * len(population)
    for row in rows:
        run = compare_rows[(row["scenario"], row["method"])]
        region, people = row["region"], population[row["region"]]
        assert int(row["population"]) == people
        social = [int(row[f"social:{y}"]) for y in (2027, 2028)]
        assert social == [spuk[(region, "2027")], spuk[(region, "2028")]]
        assert int(row["social_total"]) == sum(social)
        assert float(row["social_per_inhabitant"]) == round(sum(social) / people, 4)
        if run["status"] == "infeasible":
            assert row["zvw_awarded"] == row["combined"] == row["combined_per_inhabitant"] == ""
            continue
        zvw = _cents(row["zvw_awarded"])
        assert zvw == _cents(run[f"region:{region}"])
        assert _cents(row["combined"]) == zvw + 100 * sum(social)
        assert float(row["zvw_per_inhabitant"]) == round(zvw / 100 / people, 4)
        assert float(row["combined_per_inhabitant"]) == round((zvw / 100 + sum(social)) / people, 4)
    for run in compare_rows:  # each year's SPUK amounts add up to EUR 100M in every run
        for year in (2027, 2028):
            total = sum(
                int(r[f"social:{year}"]) for r in rows if (r["scenario"], r["method"]) == run
            )
            assert total == 100_000_000
    sheet = load_workbook(compared / "compare.xlsx", read_only=True)["regions"]
    header, *data = list(sheet.values)
    assert list(header) == list(rows[0]) and len(data) == len(rows)


def test_same_file_stem_twice_is_refused(tmp_path: Path) -> None:
    other = tmp_path / "x" / "baseline.yaml"
    other.parent.mkdir()
    other.write_text(scenario_path("baseline").read_text())
    result = CliRunner().invoke(
        compare, [str(scenario_path("baseline")), str(other), "--out", str(tmp_path / "o")]
    )
    assert result.exit_code == 2 and "baseline" in result.output


def test_sample_default_and_stdout_table(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        compare, [str(scenario_path("bar-35")), "--out", str(tmp_path / "o")]
    )
    assert result.exit_code == 0, result.output
    assert "FTE saved" in result.output and "bar-35:fcfs" in result.output.replace("\n", "")
    regions = _read(tmp_path / "o" / "regions.csv")
    groningen = next(r for r in regions if r["region"] == "PV20" and r["method"] == "optimal")
    lines = [[c.strip() for c in x.split("│")[1:-1]] for x in result.output.splitlines()]
    cells = next(c for c in lines if c and c[0] == "PV20")
    assert cells[:3] == [  # region, social, bar-35:optimal's Zvw + social per inhabitant
        "PV20",
        f"{float(groningen['social_per_inhabitant']):,.2f}",
        f"{float(groningen['combined_per_inhabitant']):,.2f}",
    ]
    assert sample_applications_path().exists()
