"""The social domain's channel (allocator social): EUR 200M per region, whole euros."""

from __future__ import annotations

import csv
from fractions import Fraction

import pytest
from click.testing import CliRunner

from allocator.catalog import shipped_regions
from allocator.cli_after import social
from allocator.domain import RegionTable
from allocator.errors import InputError
from allocator.social import SOCIAL_BUDGET_EUR, distribute, largest_remainder, read_key


def _read(path):
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


@pytest.mark.parametrize("table", ["provinces", "ggd"])
def test_each_year_adds_up_exactly(tmp_path, table):
    result = CliRunner().invoke(social, ["--regions", table, "--out", str(tmp_path), "-q"])
    assert result.exit_code == 0, result.output
    rows = _read(tmp_path / "social.csv")
    assert list(rows[0]) == ["region", "year", "amount"]
    regions = shipped_regions(table)
    for year, total in SOCIAL_BUDGET_EUR.items():
        mine = [r for r in rows if int(r["year"]) == year]
        assert [r["region"] for r in mine] == list(regions.population)
        assert all(r["amount"].isdigit() for r in mine)  # whole euros
        assert sum(int(r["amount"]) for r in mine) == total
        # each part is its population quota rounded down or up
        whole = sum(regions.population.values())
        for r in mine:
            quota = Fraction(total * regions.population[r["region"]], whole)
            assert quota - 1 < int(r["amount"]) < quota + 1
    assert sum(SOCIAL_BUDGET_EUR.values()) == 200_000_000
    view = _read(tmp_path / "social_regions.csv")
    assert sum(int(r["social_total"]) for r in view) == 200_000_000


def test_largest_remainder_by_hand():
    # total 10 over weights 1, 1, 1: quotas 3.33 each, 3 each and one left; the tie of
    # remainders goes to the code that sorts first
    assert largest_remainder(10, {"B": 1, "A": 1, "C": 1}) == {"A": 4, "B": 3, "C": 3}
    # total 100 over 7, 2, 1: quotas 70, 20, 10 exact
    assert largest_remainder(100, {"X": 7, "Y": 2, "Z": 1}) == {"X": 70, "Y": 20, "Z": 10}
    # total 7 over 5, 3, 2 (sum 10): quotas 3.5, 2.1, 1.4 -> floors 3, 2, 1 = 6; one left to
    # the largest remainder (X 0.5)
    assert largest_remainder(7, {"X": 5, "Y": 3, "Z": 2}) == {"X": 4, "Y": 2, "Z": 1}
    # total 11 over 1, 2: quotas 3.67 and 7.33 -> 3, 7; the one left goes to X (0.67)
    assert largest_remainder(11, {"X": 1, "Y": 2}) == {"X": 4, "Y": 7}


def test_tiny_table_by_hand():
    table = RegionTable(name="tiny", population={"R2": 1, "R1": 1, "R3": 1})
    rows = distribute(table, budgets={2027: 100, 2028: 101})
    got = {(r["region"], r["year"]): r["amount"] for r in rows}
    # 100 / 3 = 33.33: R1 (first code) gets the one left; 101 / 3 = 33.67: R1 and R2
    assert got == {
        ("R2", 2027): 33, ("R1", 2027): 34, ("R3", 2027): 33,
        ("R2", 2028): 34, ("R1", 2028): 34, ("R3", 2028): 33,
    }  # fmt: skip


def test_key_file(tmp_path):
    table = shipped_regions("provinces")
    key = tmp_path / "key.csv"
    lines = ["region,weight"] + [
        f"{code},{1 if code == 'PV20' else 3 if code == 'PV21' else 0}" for code in table.population
    ]
    key.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = CliRunner().invoke(social, ["--key", str(key), "--out", str(tmp_path / "out"), "-q"])
    assert result.exit_code == 0, result.output
    rows = _read(tmp_path / "out" / "social.csv")
    got = {(r["region"], int(r["year"])): int(r["amount"]) for r in rows}
    assert got[("PV20", 2027)] == 25_000_000 and got[("PV21", 2027)] == 75_000_000
    assert got[("PV20", 2028)] == 25_000_000 and got[("PV21", 2028)] == 75_000_000
    assert sum(got.values()) == 200_000_000


@pytest.mark.parametrize(
    ("body", "row", "column", "words"),
    [
        ("region,weight\nPV20,abc\n", 2, "weight", "not a number"),
        ("region,weight\nPV20,1\nPV99,2\n", 3, "region", "not a region"),
        ("region,weight\nPV20,-1\n", 2, "weight", "negative"),
        ("region,weight\nPV20,1\nPV20,2\n", 3, "region", "duplicate"),
        ("region,weight\n,1\n", 2, "region", "missing"),
        ("region,share\nPV20,1\n", 1, "weight", "needs column"),
    ],
)
def test_bad_key_files_are_refused_naming_row_and_field(tmp_path, body, row, column, words):
    key = tmp_path / "key.csv"
    key.write_text(body, encoding="utf-8")
    with pytest.raises(InputError) as err:
        read_key(key, shipped_regions("provinces"))
    found = [p for p in err.value.problems if p.row == row and p.column == column]
    assert found and words in found[0].reason, err.value.render()
    result = CliRunner().invoke(social, ["--key", str(key), "--out", str(tmp_path / "o")])
    assert result.exit_code == 2
    assert f"row {row}, column {column}" in result.output


def test_key_file_must_cover_every_region(tmp_path):
    key = tmp_path / "key.csv"
    key.write_text("region,weight\nPV20,1\n", encoding="utf-8")
    with pytest.raises(InputError, match="no row for region"):
        read_key(key, shipped_regions("provinces"))
    key.write_text(
        "region,weight\n" + "".join(f"{c},0\n" for c in shipped_regions().population),
        encoding="utf-8",
    )
    with pytest.raises(InputError, match="add up to 0"):
        read_key(key, shipped_regions("provinces"))


def test_combined_view_with_awards(tmp_path):
    from allocator.catalog import sample_applications_path
    from allocator.io.inputs import load_submission

    table = shipped_regions()
    apps = load_submission(sample_applications_path(), table).applications
    first = next(a for a in apps if a.region in table.population)
    awards = tmp_path / "awards.csv"
    awards.write_text(
        f"application_id,scale,awarded_amount\n{first.application_id},1,1000000.5\n",
        encoding="utf-8",
    )
    result = CliRunner().invoke(
        social, ["--awards", str(awards), "--out", str(tmp_path / "o"), "-q"]
    )
    assert result.exit_code == 0, result.output
    view = {r["region"]: r for r in _read(tmp_path / "o" / "social_regions.csv")}
    row = view[first.region]
    assert float(row["zvw_awarded"]) == 1000000.5
    assert float(row["combined"]) == 1000000.5 + int(row["social_total"])
