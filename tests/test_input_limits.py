"""Issue 14, items 1-2: reading never guesses, and every limit holds before the expensive work.

The "bombs" of the issue are built in tmp_path; each must be refused with an InputError that
names the limit (their time and memory were measured by hand: see the report of the change).
"""

from __future__ import annotations

import itertools
import re
import zipfile
from pathlib import Path

import pytest

from allocator.catalog import shipped_regions
from allocator.errors import InputError
from allocator.io import limits
from allocator.io.inputs import load_regions, load_scenario, load_submission
from tests.input_files import GOOD, HEADER, refused, write


def good_row(i: int) -> str:
    return GOOD.replace("A1,", f"A{i},", 1)


def scenario_refused(path: Path) -> list:
    with pytest.raises(InputError) as info:
        load_scenario(path)
    return info.value.problems


# ------------------------------------------------------------------ bombs (generators)


def billion_laughs_yaml(path: Path) -> Path:
    """~1 KB of nested aliases that would expand to 10^9 strings."""
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    names = "abcdefghi"
    for prev, name in itertools.pairwise(names):
        lines.append(f"{name}: &{name} [" + ",".join([f"*{prev}"] * 10) + "]")
    lines.append("ceiling: *i")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def deep_yaml(path: Path, depth: int = 20_000) -> Path:
    path.write_text("ceiling: " + "[" * depth + "]" * depth + "\n", encoding="utf-8")
    return path


def million_rows_csv(path: Path, rows: int = 1_000_000) -> Path:
    """7.9 MB: a header and a million rows of ids only."""
    with path.open("w", encoding="utf-8") as out:
        out.write("application_id\n")
        out.writelines(f"A{i:06d}\n" for i in range(rows))
    return path


_CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
    'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-'
    'officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.'
    'openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    '<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-'
    'officedocument.spreadsheetml.sharedStrings+xml"/></Types>'
)
_ROOT_RELS = (
    '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.'
    'openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://'
    'schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" '
    'Target="xl/workbook.xml"/></Relationships>'
)
_WORKBOOK = (
    '<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/'
    'spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/'
    'relationships"><sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>'
)
_WORKBOOK_RELS = (
    '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.'
    'openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://'
    'schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" '
    'Target="worksheets/sheet1.xml"/><Relationship Id="rId2" Type="http://schemas.'
    'openxmlformats.org/officeDocument/2006/relationships/sharedStrings" '
    'Target="{shared}"/></Relationships>'
)
_SHEET = (
    '<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/'
    'spreadsheetml/2006/main"><dimension ref="A1:A2"/><sheetData>'
    '<row r="1"><c r="A1" t="inlineStr"><is><t>application_id</t></is></c></row>'
    '<row r="2"><c r="A2" t="s"><v>0</v></c></row></sheetData></worksheet>'
)


def shared_string_bomb_xlsx(
    path: Path, megabytes: int = 400, shared_name: str = "sharedStrings.xml"
) -> Path:
    """An XLSX of ~417 KB on disk whose one shared string unpacks to ``megabytes`` MB."""
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", _CONTENT_TYPES)
        archive.writestr("_rels/.rels", _ROOT_RELS)
        archive.writestr("xl/workbook.xml", _WORKBOOK)
        archive.writestr("xl/_rels/workbook.xml.rels", _WORKBOOK_RELS.format(shared=shared_name))
        archive.writestr("xl/worksheets/sheet1.xml", _SHEET)
        chunk = b"A" * (1024 * 1024)
        with archive.open("xl/" + shared_name, "w", force_zip64=True) as part:
            part.write(b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"')
            part.write(b' count="1" uniqueCount="1"><si><t>')
            for _ in range(megabytes):
                part.write(chunk)
            part.write(b"</t></si></sst>")
    return path


# ------------------------------------------------------------------ the bombs are refused


def test_billion_laughs_refused_at_the_first_anchor(tmp_path: Path) -> None:
    path = billion_laughs_yaml(tmp_path / "laughs.yaml")
    assert path.stat().st_size < 1200
    (problem,) = scenario_refused(path)
    assert "anchors" in problem.reason and "line 1" in problem.reason


def test_alias_alone_refused(tmp_path: Path) -> None:
    path = tmp_path / "s.yaml"
    path.write_text("ceiling: 100\nyear_budgets: {2027: 100}\nname: *x\n")
    (problem,) = scenario_refused(path)
    assert "aliases" in problem.reason


def test_yaml_nested_20000_deep_refused_not_recursion_error(tmp_path: Path) -> None:
    (problem,) = scenario_refused(deep_yaml(tmp_path / "deep.yaml"))
    assert f"nested more than {limits.MAX_YAML_DEPTH} levels" in problem.reason


def test_million_id_only_rows_refused_on_row_count(tmp_path: Path) -> None:
    path = million_rows_csv(tmp_path / "million.csv")
    (problem,) = refused(path)
    assert f"more than {limits.MAX_ROWS:,} rows" in problem.reason


def test_rows_at_the_limit_are_counted_not_refused(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr("allocator.io.tables.MAX_ROWS", 3)
    ok = write(tmp_path, HEADER, *(good_row(i) for i in range(3)), "", "")
    assert len(load_submission(ok, shipped_regions()).applications) == 3
    (problem,) = refused(write(tmp_path, HEADER, *(good_row(i) for i in range(4))))
    assert "more than 3 rows" in problem.reason


def test_xlsx_shared_string_bomb_refused_before_opening(tmp_path: Path) -> None:
    path = shared_string_bomb_xlsx(tmp_path / "bomb.xlsx")
    assert path.stat().st_size < 1_000_000
    problems = refused(path)
    assert any("unpack" in p.reason and "limit" in p.reason for p in problems)
    assert any("sharedStrings.xml" in p.reason for p in problems)


def test_xlsx_shared_strings_under_another_name_are_bounded_too(tmp_path: Path) -> None:
    path = shared_string_bomb_xlsx(tmp_path / "bomb.xlsx", megabytes=60, shared_name="texts.xml")
    (problem,) = refused(path)
    assert "xl/texts.xml" in problem.reason and "limit" in problem.reason


def test_table_file_size_limit(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr("allocator.io.tables.MAX_TABLE_BYTES", 100)
    (problem,) = refused(write(tmp_path, HEADER, GOOD, good_row(2)))
    assert "MiB" in problem.reason and "limit" in problem.reason


def test_yaml_file_size_limit(tmp_path: Path) -> None:
    path = tmp_path / "big.yaml"
    path.write_text("ceiling: 100\nyear_budgets: {2027: 100}\n" + "#" * limits.MAX_YAML_BYTES)
    (problem,) = scenario_refused(path)
    assert "more than the limit" in problem.reason


def test_200000_character_title_is_an_input_error(tmp_path: Path) -> None:
    long_row = GOOD.replace("Speech", "x" * 200_000)
    (problem,) = refused(write(tmp_path, HEADER, good_row(0), long_row))
    assert problem.row == 3 and f"longer than {limits.MAX_FIELD_CHARS:,}" in problem.reason


def test_field_over_10000_characters_names_row_and_column(tmp_path: Path) -> None:
    long_row = GOOD.replace("Speech", "x" * 20_000)
    (problem,) = refused(write(tmp_path, HEADER, long_row))
    assert (problem.row, problem.column) == (2, "title") and "20,000 characters" in problem.reason


def test_xlsx_long_cell_refused(tmp_path: Path) -> None:
    import openpyxl

    book = openpyxl.Workbook()
    book.active.append(HEADER.split(","))
    book.active.append(
        ["A1", "x" * 20_000, "ai-speech-reporting", "PV26", 3, "2026-10-01", 1, 0, 1]
    )
    book.save(tmp_path / "long.xlsx")
    (problem,) = refused(tmp_path / "long.xlsx")
    assert (problem.row, problem.column) == (2, "title")


# ------------------------------------------------------------------ reading never guesses


def xlsx_rows(count: int) -> list[list[object]]:
    return [
        [f"A{i}", "T", "ai-speech-reporting", "PV26", 3, "2026-10-01T09:00:00", 1e6, 0, 20, 1]
        for i in range(count)
    ]


def under_declared_xlsx(tmp_path: Path, rows: int = 40, declared: int = 10) -> Path:
    """A workbook whose <dimension> element claims fewer rows than the sheet holds."""
    import openpyxl

    book = openpyxl.Workbook()
    book.active.append(HEADER.split(","))
    for row in xlsx_rows(rows):
        book.active.append(row)
    honest = tmp_path / "honest.xlsx"
    book.save(honest)
    path = tmp_path / "lying.xlsx"
    with zipfile.ZipFile(honest) as src, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info)
            if info.filename == "xl/worksheets/sheet1.xml":
                data, n = re.subn(
                    rb'<dimension ref="[^"]*"', f'<dimension ref="A1:C{declared}"'.encode(), data
                )
                assert n == 1
            dst.writestr(info, data)
    return path


def test_xlsx_dimension_is_not_trusted(tmp_path: Path) -> None:
    path = under_declared_xlsx(tmp_path)
    sub = load_submission(path, shipped_regions())
    assert len(sub.applications) == 40
    assert sub.applications[-1].application_id == "A39"
    assert sub.applications[-1].min_scale == 1  # column J, beyond the declared C


def test_ragged_row_with_fewer_cells_refused_by_row(tmp_path: Path) -> None:
    short = "A2,Speech,ai-speech-reporting,PV26,3,2026-10-01T09:00:00,1000000,0,20,0.55"  # 10 cells
    found = refused(write(tmp_path, HEADER, GOOD, short, good_row(3)))
    (problem,) = found
    assert problem.row == 3 and "10 cell(s) where the header has 11 columns" in problem.reason


def test_ragged_row_with_more_cells_refused_by_row(tmp_path: Path) -> None:
    (problem,) = refused(write(tmp_path, HEADER, GOOD, good_row(2) + ",G1,extra"))
    assert problem.row == 3 and "more cells" in problem.reason


def test_trailing_comma_in_every_row_is_no_ragged_row(tmp_path: Path) -> None:
    sub = load_submission(write(tmp_path, HEADER + ",", GOOD + ","), shipped_regions())
    assert len(sub.applications) == 1


def test_ragged_region_table_row_refused(tmp_path: Path) -> None:
    path = tmp_path / "r.csv"
    path.write_text("region,population,name\nX,10,Ex\nY,20\n")  # was read without its name
    with pytest.raises(InputError) as info:
        load_regions(path)
    assert [p.row for p in info.value.problems] == [3]


def test_funded_year_without_cost_column_refused_by_name(tmp_path: Path) -> None:
    path = write(tmp_path, HEADER, GOOD)
    (problem,) = refused(path, years=[2027, 2028, 2029])
    assert problem.column == "cost_2029" and "funds 2029" in problem.reason
    # a year the file has but the scenario does not fund stays an eligibility matter
    assert load_submission(path, shipped_regions(), years=[2027]).years == [2027, 2028]


def test_cli_refuses_a_missing_funded_year(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from allocator.catalog import scenario_path
    from allocator.cli import main

    path = write(tmp_path, HEADER, GOOD)
    result = CliRunner().invoke(
        main, ["validate", "-a", str(path), "-s", str(scenario_path("baseline"))]
    )
    assert result.exit_code == 2 and "cost_2029" in result.output


def test_yaml_duplicate_key_refused_with_the_key(tmp_path: Path) -> None:
    path = tmp_path / "s.yaml"
    path.write_text("ceiling: 100\nyear_budgets: {2027: 100}\nceiling: 200\n")
    (problem,) = scenario_refused(path)
    assert problem.column == "ceiling" and "duplicate key" in problem.reason
    assert "line 3" in problem.reason and "line 1" in problem.reason


def test_yaml_nested_duplicate_key_refused(tmp_path: Path) -> None:
    path = tmp_path / "s.yaml"
    path.write_text("ceiling: 100\nyear_budgets:\n  2027: 100\n  2027: 50\n")
    (problem,) = scenario_refused(path)
    assert problem.column == "2027" and "duplicate key" in problem.reason


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("ceiling: true", "ceiling"),
        ("ceiling: yes", "ceiling"),
        ('ceiling: "600000000"', "ceiling"),
        ("ceiling: 600 million", "ceiling"),
        ("ceiling: 100\nproject_cap: false", "project_cap"),
        ("ceiling: 100\ntheme_budgets: {ai: true}", "theme_budgets.ai"),
        ("ceiling: 100\nimpact_bar: '17'", "impact_bar"),
    ],
)
def test_yaml_money_must_be_a_number(tmp_path: Path, text: str, key: str) -> None:
    path = tmp_path / "s.yaml"
    path.write_text(text + "\nyear_budgets: {2027: 100}\n")
    problems = scenario_refused(path)
    assert [p.column for p in problems] == [key]
    assert "a number is expected" in problems[0].reason


def test_yaml_exponent_without_a_dot_is_a_number(tmp_path: Path) -> None:
    path = tmp_path / "s.yaml"
    path.write_text("ceiling: 6e8\nyear_budgets: {2027: 6E+8}\n")
    scen = load_scenario(path)
    assert scen.ceiling == 600_000_000 and scen.year_budgets[2027] == 600_000_000


def test_yaml_not_utf8_is_a_message_not_a_traceback(tmp_path: Path) -> None:
    path = tmp_path / "s.yaml"
    path.write_bytes(
        "name: sc\u00e9nario\nceiling: 100\nyear_budgets: {2027: 100}\n".encode("latin-1")
    )
    (problem,) = scenario_refused(path)
    assert "not UTF-8" in problem.reason and "line 1" in problem.reason


def test_csv_not_utf8_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "apps.csv"
    path.write_bytes(
        (HEADER + "\n" + GOOD.replace("Speech", "Spr\u00e4che") + "\n").encode("cp1252")
    )
    (problem,) = refused(path)
    assert "not UTF-8" in problem.reason and problem.row == 2
