"""Issues 14 and 8: values no real application can have are input errors naming row and field;
possible but implausible ones are warnings by application_id; scenario budgets that cannot
all be used are warned about; and no mutation of an input file gives a traceback."""

from __future__ import annotations

import math
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from allocator.catalog import scenario_path, shipped_regions
from allocator.domain import Scenario
from allocator.errors import InputError
from allocator.io.inputs import load_scenario, load_submission, scenario_warnings
from tests.input_files import refused, write

HEADER = (
    "application_id,title,use_case,region,parties,submitted_at,cost_2027,cost_2028,fte,"
    "min_scale,exclusive_group,structural_cost,structural_savings"
)
GOOD = "A1,Speech,ai-speech-reporting,PV26,3,2026-10-01T09:00:00,1000000,0,20,1,,0,0"


@pytest.mark.parametrize(
    ("old", "new", "column"),
    [
        (",1000000,0,", ",1e308,0,", "cost_2027"),  # was OverflowError
        (",1000000,0,", ",1e308,1e308,", "cost_2027"),
        (",1000000,0,", ",1000000000001,0,", "cost_2027"),
        (",20,1,", ",1e300,1,", "fte"),
        (",20,1,", ",10000001,1,", "fte"),
        (",20,1,", ",nan,1,", "fte"),
        (",20,1,", ",-inf,1,", "fte"),
        (",,0,0", ",,2e12,0", "structural_cost"),
        (",,0,0", ",,0,inf", "structural_savings"),
    ],
)
def test_impossible_values_name_row_and_field(
    tmp_path: Path, old: str, new: str, column: str
) -> None:
    found = refused(write(tmp_path, HEADER, GOOD, GOOD.replace("A1", "A2").replace(old, new)))
    assert (3, column) in {(p.row, p.column) for p in found}
    assert all(p.row == 3 for p in found)


def test_limits_themselves_are_accepted(tmp_path: Path) -> None:
    row = GOOD.replace(",1000000,0,", ",1000000000000,0,").replace(",20,1,", ",10000000,1,")
    sub = load_submission(write(tmp_path, HEADER, row), shipped_regions())
    assert sub.applications[0].total_cost_eur == 1e12 and sub.applications[0].fte == 1e7


@pytest.mark.parametrize("value", ["1000000.001", "0.005", "1e-3", "1234.5678"])
def test_sub_cent_money_refused(tmp_path: Path, value: str) -> None:
    (problem,) = refused(write(tmp_path, HEADER, GOOD.replace(",1000000,0,", f",{value},0,")))
    assert problem.column == "cost_2027" and "whole cents" in problem.reason


@pytest.mark.parametrize("value", ["1000000.50", "1000000.5", "1000000.000", "1.5e6", "12.34"])
def test_cents_accepted(tmp_path: Path, value: str) -> None:
    sub = load_submission(
        write(tmp_path, HEADER, GOOD.replace(",1000000,0,", f",{value},0,")), shipped_regions()
    )
    assert sub.applications[0].cost_eur_by_year[2027] == float(value)


def test_sub_cent_and_booleans_in_xlsx(tmp_path: Path) -> None:
    import openpyxl

    book = openpyxl.Workbook()
    book.active.append(HEADER.split(","))
    base = ["A1", "T", "ai-speech-reporting", "PV26", 3, "2026-10-01", 1e6, 0, 20, 1, None, 0, 0]
    book.active.append(base)
    book.active.append(["A2", *base[1:6], 1e6 / 3, *base[7:]])
    book.active.append(["A3", *base[1:6], True, *base[7:]])  # TRUE is not EUR 1
    book.active.append(["A4", *base[1:4], True, *base[5:]])  # TRUE is not 1 party
    book.active.append(["A5", *base[1:6], 1234.56, *base[7:]])
    path = tmp_path / "apps.xlsx"
    book.save(path)
    found = refused(path)
    assert {(p.row, p.column) for p in found} == {
        (3, "cost_2027"),
        (4, "cost_2027"),
        (5, "parties"),
    }


def test_header_only_file_is_an_input_error(tmp_path: Path) -> None:
    (problem,) = refused(write(tmp_path, HEADER))
    assert "no applications" in problem.reason


def test_blank_rows_only_is_an_input_error(tmp_path: Path) -> None:
    (problem,) = refused(write(tmp_path, HEADER, ",,,,,,,,,,,,", ""))
    assert "no applications" in problem.reason


def test_implausible_fte_per_meur_is_a_warning_by_id(tmp_path: Path) -> None:
    typo = GOOD.replace("A1", "A2").replace(",20,1,", ",2893000,1,").replace("1000000", "12302000")
    plausible = GOOD.replace("A1", "A3").replace(",20,1,", ",175,1,")  # exactly 175: no warning
    sub = load_submission(write(tmp_path, HEADER, GOOD, typo, plausible), shipped_regions())
    assert len(sub.applications) == 3  # the run goes on
    (warning,) = sub.warnings
    assert warning.startswith("A2: 235,165.0 FTE per EUR 1M") and "175" in warning


def test_good_file_has_no_warnings(tmp_path: Path) -> None:
    from allocator.catalog import sample_applications_path

    sub = load_submission(sample_applications_path(), shipped_regions(), years=[2027, 2028, 2029])
    assert sub.warnings == [] and len(sub.applications) == 300


# ------------------------------------------------------------------ scenario warnings


def scenario(**kw: object) -> Scenario:
    base: dict[str, object] = {
        "ceiling": 600e6,
        "theme_budgets": {"ai": 275e6, "digital_hybrid": 275e6, "medtech": 50e6},
        "year_budgets": {2027: 250e6, 2028: 250e6, 2029: 100e6},
    }
    base.update(kw)
    return Scenario.model_validate(base)


@pytest.mark.parametrize(
    "name", ["baseline", "bar-9", "bar-35", "board-rules", "carry-over", "original-rhythm"]
)
def test_shipped_scenarios_have_no_warnings(name: str) -> None:
    assert scenario_warnings(load_scenario(scenario_path(name))) == []


def test_shipped_infeasible_floors_is_warned_about() -> None:
    (warning,) = scenario_warnings(load_scenario(scenario_path("infeasible-floors")))
    assert "theme floor of medtech (EUR 80,000,000)" in warning
    assert "theme budget (EUR 50,000,000)" in warning


@pytest.mark.parametrize(
    ("changes", "words"),
    [
        (
            {"theme_budgets": {"ai": 400e6, "digital_hybrid": 275e6}},
            "theme budgets add up to EUR 675,000,000, more than the ceiling of EUR 600,000,000",
        ),
        (
            {"theme_budgets": {"ai": 100e6, "digital_hybrid": 100e6, "medtech": 50e6}},
            "theme budgets add up to only EUR 250,000,000",
        ),
        (
            {"year_budgets": {2027: 300e6, 2028: 300e6, 2029: 100e6}},
            "year budgets add up to EUR 700,000,000, more than the ceiling",
        ),
        ({"year_budgets": {2027: 250e6}}, "year budgets add up to only EUR 250,000,000"),
        ({"theme_floors": {"medtech": 60e6}}, "theme floor of medtech (EUR 60,000,000)"),
        ({"project_cap": 700e6}, "project cap (EUR 700,000,000) is above the ceiling"),
        (
            {"region_min_factor": 2.0, "region_max_factor": 1.5},
            "region_min_factor (2) is above region_max_factor (1.5)",
        ),
    ],
)
def test_scenario_warnings(changes: dict, words: str) -> None:
    warnings = scenario_warnings(scenario(**changes))
    assert any(words in w for w in warnings), warnings


def test_scenario_warnings_amounts_with_cents() -> None:
    (warning,) = scenario_warnings(scenario(year_budgets={2027: 599_999_999.5}))
    assert "EUR 599,999,999.50" in warning


# ------------------------------------------------------------------ no traceback, ever


SEED_CSV = HEADER + "\n" + GOOD + "\n" + GOOD.replace("A1", "A2").replace(",1,,", ",0.5,G1,") + "\n"
SEED_YAML = (
    "name: s\nceiling: 600000000\ntheme_budgets: {ai: 275000000}\n"
    "year_budgets:\n  2027: 250000000\n  2028: 250000000\nimpact_bar: 17\n"
)
TOKENS = [",", ";", '"', "\n", "\r", "\x00", "\xff", "-", "1e308", "nan", "true", "", "&a", "*a",
          "[", "{", ":", "  ", "#", "0.001", "\ufeff", "é"]  # fmt: skip


@st.composite
def mutated(draw: st.DrawFn, seed: str) -> bytes:
    text = seed
    for _ in range(draw(st.integers(1, 4))):
        at = draw(st.integers(0, len(text)))
        cut = draw(st.integers(0, 8))
        insert = draw(st.sampled_from(TOKENS) | st.text(max_size=4))
        text = text[:at] + insert + text[at + cut :]
    encoding = draw(st.sampled_from(["utf-8", "latin-1"]))
    return text.encode(encoding, errors="replace")


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=mutated(SEED_CSV))
def test_mutated_csv_is_read_or_refused_never_a_traceback(tmp_path: Path, data: bytes) -> None:
    path = tmp_path / "m.csv"
    path.write_bytes(data)
    try:
        sub = load_submission(path, shipped_regions(), years=[2027, 2028])
    except InputError as exc:
        assert exc.problems and all(p.file == str(path) for p in exc.problems)
    else:
        for app in sub.applications:
            assert math.isfinite(app.total_cost_eur) and math.isfinite(app.fte)


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=mutated(SEED_YAML))
def test_mutated_yaml_is_read_or_refused_never_a_traceback(tmp_path: Path, data: bytes) -> None:
    path = tmp_path / "m.yaml"
    path.write_bytes(data)
    try:
        scen = load_scenario(path)
    except InputError as exc:
        assert exc.problems and all(p.file == str(path) for p in exc.problems)
    else:
        assert math.isfinite(scen.ceiling)
        scenario_warnings(scen)


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    cells=st.lists(
        st.one_of(
            st.none(),
            st.booleans(),
            st.floats(allow_nan=True, allow_infinity=True),
            st.integers(-(10**20), 10**20),
            st.text(max_size=12),
        ),
        min_size=13,
        max_size=15,
    )
)
def test_mutated_xlsx_cells_are_read_or_refused(tmp_path: Path, cells: list) -> None:
    import openpyxl

    book = openpyxl.Workbook()
    book.active.append(HEADER.split(","))
    book.active.append(
        ["A1", "T", "ai-speech-reporting", "PV26", 3, "2026-10-01", 1e6, 0, 20, 1, None, 0, 0]
    )
    try:
        book.active.append(cells)
    except Exception:  # openpyxl refuses some control characters when writing
        return
    path = tmp_path / "m.xlsx"
    book.save(path)
    try:
        load_submission(path, shipped_regions())
    except InputError as exc:
        assert exc.problems
