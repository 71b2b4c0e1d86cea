"""Issue 8, item 5: the common wrong formats get a hint at the real cause, not six "missing
column" lines."""

from __future__ import annotations

from pathlib import Path

import pytest

from allocator.errors import InputError
from allocator.io.inputs import load_regions, load_scenario
from tests.input_files import GOOD, HEADER, refused, write


def test_semicolon_file_with_decimal_commas(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        HEADER.replace(",", ";"),
        "A1;Speech;ai-speech-reporting;PV26;3;2026-10-01T09:00:00;1000000;0;20,5;0,55;",
    )
    (problem,) = refused(path)
    assert "semicolon-separated (the Dutch Excel default" in problem.reason
    assert "comma delimited" in problem.reason and problem.row == 1


def test_tab_separated_file(tmp_path: Path) -> None:
    (problem,) = refused(write(tmp_path, HEADER.replace(",", "\t"), GOOD.replace(",", "\t")))
    assert "tab-separated" in problem.reason


def test_decimal_comma_in_a_comma_file(tmp_path: Path) -> None:
    (problem,) = refused(write(tmp_path, HEADER, GOOD.replace(",20,1,", ',"20,5",1,')))
    assert problem.column == "fte" and "decimal comma" in problem.reason


def test_thousands_dots(tmp_path: Path) -> None:
    (problem,) = refused(write(tmp_path, HEADER, GOOD.replace("1000000", "1.000.000")))
    assert problem.column == "cost_2027" and "thousands separators" in problem.reason


def test_title_row_above_the_header_csv(tmp_path: Path) -> None:
    path = write(tmp_path, "AZWA applications round 1,,,", "", HEADER, GOOD)
    (problem,) = refused(path)
    assert "the header is on row 3, not row 1" in problem.reason
    assert "AZWA applications round 1" in problem.reason


def test_title_row_above_the_header_xlsx(tmp_path: Path) -> None:
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append([None, "Applications AZWA"])  # the title in B1: column 1 has no name
    sheet.append(HEADER.split(","))
    path = tmp_path / "apps.xlsx"
    book.save(path)
    (problem,) = refused(path)
    assert "the header is on row 2, not row 1" in problem.reason


def test_data_on_another_sheet_names_the_sheets(tmp_path: Path) -> None:
    import openpyxl

    book = openpyxl.Workbook()
    book.active.title = "Cover"
    book.active.append(["Call for applications, AZWA breakthrough funds"])
    book.create_sheet("Notes")
    data = book.create_sheet("Applications")
    data.append(HEADER.split(","))
    data.append(["A1", "T", "ai-speech-reporting", "PV26", 3, "2026-10-01", 1e6, 0, 20, 1])
    path = tmp_path / "apps.xlsx"
    book.save(path)
    (problem,) = refused(path)
    assert "the first sheet 'Cover'" in problem.reason
    assert "sheet 'Applications'" in problem.reason
    assert "'Cover', 'Notes', 'Applications'" in problem.reason


def test_data_on_another_sheet_behind_an_empty_first_sheet(tmp_path: Path) -> None:
    import openpyxl

    book = openpyxl.Workbook()
    data = book.create_sheet("Data")
    data.append(["Title row"])
    data.append(HEADER.split(","))
    path = tmp_path / "apps.xlsx"
    book.save(path)
    (problem,) = refused(path)
    assert "row 2 of sheet 'Data'" in problem.reason


@pytest.mark.parametrize(
    ("wrong", "right"),
    [("fte", "FTE"), ("application_id", "Application_ID"), ("application_id", "Application ID")],
)
def test_column_name_in_another_case(tmp_path: Path, wrong: str, right: str) -> None:
    header = HEADER.replace(wrong, right, 1)
    (problem,) = refused(write(tmp_path, header, GOOD))
    assert problem.column == right
    assert f"should be named {wrong!r}" in problem.reason


def test_optional_column_in_another_case_is_not_silently_ignored(tmp_path: Path) -> None:
    # min_scale 0.55 read as the default 1 would change the award without a word
    (problem,) = refused(write(tmp_path, HEADER.replace("min_scale", "Min_Scale"), GOOD))
    assert problem.column == "Min_Scale" and "'min_scale'" in problem.reason


def test_misspelt_required_column(tmp_path: Path) -> None:
    (problem,) = refused(write(tmp_path, HEADER.replace("use_case", "usecase"), GOOD))
    assert problem.column == "use_case" and "'usecase'" in problem.reason


def test_cost_column_in_another_case(tmp_path: Path) -> None:
    header = HEADER.replace("cost_2027", "Cost_2027").replace("cost_2028", "Cost 2028")
    found = refused(write(tmp_path, header, GOOD))
    assert {p.column for p in found} == {"Cost_2027", "Cost 2028"}
    assert all("should be named 'cost_20" in p.reason for p in found)


def test_region_table_with_a_title_row(tmp_path: Path) -> None:
    path = tmp_path / "r.csv"
    path.write_text("Provinces 2024\nregion,population\nX,10\n")
    with pytest.raises(InputError) as info:
        load_regions(path)
    assert "row 2" in info.value.problems[0].reason


@pytest.mark.parametrize(
    ("key", "nearest"),
    [("impact_barr", "impact_bar"), ("ceilng", "ceiling"), ("year_budget", "year_budgets")],
)
def test_unknown_scenario_key_names_the_nearest(tmp_path: Path, key: str, nearest: str) -> None:
    path = tmp_path / "s.yaml"
    path.write_text(f"ceiling: 100\nyear_budgets: {{2027: 100}}\n{key}: 17\n")
    with pytest.raises(InputError) as info:
        load_scenario(path)
    (problem,) = info.value.problems
    assert problem.column == key and f"did you mean {nearest!r}" in problem.reason


def test_unknown_theme_names_the_nearest(tmp_path: Path) -> None:
    path = tmp_path / "s.yaml"
    path.write_text("ceiling: 100\nyear_budgets: {2027: 100}\ntheme_budgets: {medtek: 5}\n")
    with pytest.raises(InputError) as info:
        load_scenario(path)
    (problem,) = info.value.problems
    assert problem.column == "theme_budgets.medtek" and "did you mean 'medtech'" in problem.reason


def test_messages_carry_no_pydantic_prefix(tmp_path: Path) -> None:
    path = tmp_path / "s.yaml"
    path.write_text("ceiling: true\nyear_budgets: {2027: 100}\n")
    with pytest.raises(InputError) as info:
        load_scenario(path)
    assert "Value error" not in str(info.value)
