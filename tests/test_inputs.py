"""Bad input is refused with every problem named by file, row, column and reason."""

from __future__ import annotations

from pathlib import Path

import pytest

from allocator.catalog import shipped_regions
from allocator.errors import InputError
from allocator.io.inputs import load_regions, load_scenario, load_submission
from tests.input_files import GOOD, HEADER, refused, write


def test_good_file_reads(tmp_path: Path) -> None:
    sub = load_submission(write(tmp_path, HEADER, GOOD), shipped_regions())
    assert [a.application_id for a in sub.applications] == ["A1"]
    assert sub.applications[0].cost_eur_by_year == {2027: 1e6, 2028: 0.0}
    assert sub.years == [2027, 2028]


def test_every_bad_row_and_field_reported_at_once(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        HEADER,
        GOOD,
        "A2,x,ai-speech-reporting,PV26,zero,2026-10-01T09:00:00,1000000,0,20,1,",  # parties
        "A3,x,ai-speech-reporting,PV99,3,2026-10-01T09:00:00,1000000,0,20,1,",  # region
        "A1,x,ai-speech-reporting,PV26,3,2026-10-01T09:00:00,1000000,0,20,1,",  # duplicate id
        "A5,x,ai-speech-reporting,PV26,3,yesterday,1.000.000,-5,20,0,",  # date, 2 costs, min_scale
        ",x,,PV26,3,2026-10-01T09:00:00,1000000,0,,1,",  # id, use_case, fte missing
    )
    found = {(p.row, p.column) for p in refused(path)}
    assert {
        (3, "parties"),
        (4, "region"),
        (5, "application_id"),
        (6, "submitted_at"),
        (6, "cost_2027"),
        (6, "cost_2028"),
        (6, "min_scale"),
        (7, "application_id"),
        (7, "use_case"),
        (7, "fte"),
    } <= found


def test_messages_name_file_row_column_value(tmp_path: Path) -> None:
    path = write(tmp_path, HEADER, GOOD.replace(",20,1,", ",lots,1,"))
    (problem,) = refused(path)
    text = str(problem)
    assert str(path) in text and "row 2" in text and "column fte" in text and "'lots'" in text


def test_duplicate_names_first_row(tmp_path: Path) -> None:
    (problem,) = refused(write(tmp_path, HEADER, GOOD, GOOD))
    assert problem.row == 3 and "first used in row 2" in problem.reason


@pytest.mark.parametrize(
    ("header", "column"),
    [
        (HEADER.replace("fte,", ""), "fte"),
        (HEADER.replace("region,", ""), "region"),
        (HEADER.replace("submitted_at,", ""), "submitted_at"),
    ],
)
def test_missing_required_column(tmp_path: Path, header: str, column: str) -> None:
    (problem,) = refused(write(tmp_path, header, "x"))
    assert problem.column == column and problem.row == 1


def test_no_cost_column(tmp_path: Path) -> None:
    header = "application_id,use_case,region,parties,submitted_at,fte"
    (problem,) = refused(write(tmp_path, header, "A,ai-speech-reporting,PV26,3,2026-10-01,3"))
    assert "cost_YYYY" in problem.reason


def test_blank_cost_is_an_error_not_zero(tmp_path: Path) -> None:
    (problem,) = refused(write(tmp_path, HEADER, GOOD.replace(",1000000,0,", ",1000000,,")))
    assert problem.column == "cost_2028" and problem.row == 2


def test_nan_and_infinity_refused(tmp_path: Path) -> None:
    found = refused(
        write(
            tmp_path,
            HEADER,
            GOOD.replace(",20,1,", ",nan,1,"),
            GOOD.replace("A1", "A2").replace("1000000", "inf"),
        )
    )
    assert {(p.row, p.column) for p in found} == {(2, "fte"), (3, "cost_2027")}


def test_mixed_time_zones_refused(tmp_path: Path) -> None:
    other = GOOD.replace("A1", "A2").replace("T09:00:00", "T09:00:00+02:00")
    (problem,) = refused(write(tmp_path, HEADER, GOOD, other))
    assert problem.column == "submitted_at" and problem.row == 3


def test_empty_row_in_between_reported(tmp_path: Path) -> None:
    found = refused(write(tmp_path, HEADER, GOOD, ",,,,,,,,,,", GOOD.replace("A1", "A2")))
    assert any(p.row == 3 and "empty row" in p.reason for p in found)


def test_unknown_sector_refused_unknown_theme_is_eligibility(tmp_path: Path) -> None:
    header = HEADER + ",sector,theme"
    found = refused(write(tmp_path, header, GOOD + ",dentistry,ai"))
    assert [(p.column) for p in found] == ["sector"]


def test_extra_columns_are_reported_not_fatal(tmp_path: Path) -> None:
    sub = load_submission(write(tmp_path, HEADER + ",notes", GOOD + ",hello"), shipped_regions())
    assert sub.ignored_columns == ["notes"]


def test_national_region_accepted(tmp_path: Path) -> None:
    sub = load_submission(write(tmp_path, HEADER, GOOD.replace("PV26", "NL")), shipped_regions())
    assert sub.applications[0].region == "NL"


def test_xlsx_reads_like_csv(tmp_path: Path) -> None:
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(HEADER.split(","))
    sheet.append(
        ["101", "T", "ai-speech-reporting", "PV26", 3, "2026-10-01T09:00:00", 1e6, 0, 20, 0.5, None]
    )
    sheet.append(
        [102, "T", "ai-speech-reporting", "PV26", "x", "2026-10-01T09:00:00", 1e6, 0, 20, 1, None]
    )
    path = tmp_path / "apps.xlsx"
    book.save(path)
    found = refused(path)
    assert [(p.row, p.column) for p in found] == [(3, "parties")]
    sheet.delete_rows(3)
    book.save(path)
    sub = load_submission(path, shipped_regions())
    assert sub.applications[0].application_id == "101" and sub.applications[0].min_scale == 0.5


def test_missing_file(tmp_path: Path) -> None:
    (problem,) = refused(tmp_path / "nope.csv")
    assert "not found" in problem.reason


def test_scenario_errors_name_the_key(tmp_path: Path) -> None:
    path = tmp_path / "s.yaml"
    path.write_text(
        "ceiling: -5\nyear_budgets: {2027: 10}\ntheme_budgets: {robots: 5}\nimpact_barr: 17\n"
    )
    with pytest.raises(InputError) as info:
        load_scenario(path)
    cols = {p.column for p in info.value.problems}
    assert {"ceiling", "theme_budgets.robots", "impact_barr"} <= cols
    assert all(p.file == str(path) for p in info.value.problems)


def test_scenario_regions_relative_to_file(tmp_path: Path) -> None:
    (tmp_path / "r.csv").write_text("region,population\nX,10\nY,30\n")
    path = tmp_path / "s.yaml"
    path.write_text("ceiling: 100\nyear_budgets: {2027: 100}\nregions: r.csv\n")
    scen = load_scenario(path)
    assert scen.regions == tmp_path / "r.csv"
    table = load_regions(scen.regions)
    assert table.share("Y") == pytest.approx(0.75)


def test_region_table_errors(tmp_path: Path) -> None:
    path = tmp_path / "r.csv"
    path.write_text("region,population\nX,10\nX,5\nNL,3\nZ,-1\nW,abc\n")
    with pytest.raises(InputError) as info:
        load_regions(path)
    assert {p.row for p in info.value.problems} == {3, 4, 5, 6}


def test_ids_that_collide_once_quoted_are_an_input_error(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """=A020 and '=A020 are both written '=A020 in the award sheet: refused, naming both."""
    from allocator.catalog import shipped_regions
    from allocator.errors import InputError
    from allocator.io.inputs import load_submission

    path = tmp_path / "apps.csv"
    head = "application_id,use_case,region,parties,submitted_at,cost_2027,fte\n"
    row = ",ai-speech-reporting,PV20,2,2026-10-01T09:00:00,100000,5\n"
    path.write_text(head + "=A020" + row + "'=A020" + row)
    regions = shipped_regions()
    with pytest.raises(InputError) as info:
        load_submission(path, regions)
    (problem,) = info.value.problems
    assert problem.row == 3 and problem.column == "application_id"
    assert "'=A020" in problem.reason and "(row 2)" in problem.reason


def test_a_cost_no_decimal_context_holds_is_refused_not_a_traceback(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from allocator.catalog import shipped_regions
    from allocator.errors import InputError
    from allocator.io.inputs import load_submission

    path = tmp_path / "apps.csv"
    path.write_text(
        "application_id,use_case,region,parties,submitted_at,cost_2027,fte\n"
        "A1,ai-speech-reporting,PV20,2,2026-10-01T09:00:00,1e3081000000,5\n"
    )
    with pytest.raises(InputError, match="cost_2027"):
        load_submission(path, shipped_regions())
