"""Read a CSV or the first sheet of an XLSX into header + rows of raw cell values.

Reading never guesses: every row of the file is read (an XLSX's ``<dimension>`` element is
not trusted), the limits of :mod:`allocator.io.limits` are checked before the expensive work
(an XLSX's unpacked sizes before it is opened; rows while streaming), and a file in a common
wrong format (semicolon-separated, a title row above the header, the data on another sheet)
is refused with a hint at the real cause instead of a list of missing columns.
"""

from __future__ import annotations

import csv
import io
import posixpath
import re
import zipfile
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING
from xml.etree import ElementTree

from ..errors import InputError, InputProblem
from .limits import (
    MAX_COLUMNS,
    MAX_FIELD_CHARS,
    MAX_ROWS,
    MAX_TABLE_BYTES,
    MAX_XLSX_SHARED_STRINGS_BYTES,
    MAX_XLSX_UNCOMPRESSED_BYTES,
)

if TYPE_CHECKING:
    from openpyxl import Workbook

HEADER_SEARCH_ROWS = 30
"""How far down (rows) and into other sheets the reader looks for a misplaced header."""

_MIB = 1024 * 1024


@dataclass(frozen=True)
class RawTable:
    """Cells as read: strings for CSV, native values for XLSX. Empty cells are None."""

    file: str
    header: list[str]
    rows: list[list[object]]
    first_data_row: int = 2  # spreadsheet row number of rows[0]
    widths: list[int] | None = None  # CSV: cells per row as written; None for an XLSX

    def row_number(self, index: int) -> int:
        return self.first_data_row + index


def normalise_name(name: object) -> str:
    """A column name as a forgiving reader would compare it: case, spaces and dashes folded
    (``Application ID`` -> ``application_id``). Used for hints only, never to accept."""
    return re.sub(r"[\s\-]+", "_", str(name).strip().lower()) if name is not None else ""


def read_table(path: str | Path, expect: Sequence[str] = ()) -> RawTable:
    """Read ``path`` (.csv, .xlsx or .xlsm) without interpreting any cell.

    ``expect``: column names the caller requires; when row 1 holds too few of them the reader
    looks for the real header (a title row above it, another sheet) and says where it is.
    """
    path = Path(path)
    if not path.is_file():
        raise InputError([InputProblem(str(path), "file not found")])
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise InputError([InputProblem(str(path), f"cannot read the file: {exc}")]) from None
    if size > MAX_TABLE_BYTES:
        raise InputError(
            [
                InputProblem(
                    str(path),
                    f"the file is {size / _MIB:,.1f} MiB, more than the limit of "
                    f"{MAX_TABLE_BYTES / _MIB:,.0f} MiB for a table",
                )
            ]
        )
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        return _read_xlsx(path, expect)
    if suffix in (".csv", ".txt", ""):
        return _read_csv(path, expect)
    raise InputError(
        [InputProblem(str(path), f"unsupported file type {suffix!r}; use .csv or .xlsx")]
    )


def _clean_header(path: Path, header: Sequence[object]) -> list[str]:
    names = ["" if h is None else str(h).strip() for h in header]
    problems = []
    seen: set[str] = set()
    for i, name in enumerate(names):
        if name and name in seen:
            problems.append(InputProblem(str(path), "duplicate column name", 1, name))
        if not name and any(names[i + 1 :]):
            problems.append(InputProblem(str(path), f"column {i + 1} has no name", 1))
        seen.add(name)
    if problems:
        raise InputError(problems)
    while names and not names[-1]:
        names.pop()
    if len(names) > MAX_COLUMNS:
        raise InputError(
            [
                InputProblem(
                    str(path), f"{len(names):,} columns, more than the limit of {MAX_COLUMNS:,}", 1
                )
            ]
        )
    return names


def _too_many_rows(path: Path) -> InputError:
    return InputError(
        [
            InputProblem(
                str(path),
                f"more than {MAX_ROWS:,} rows below the header (the limit); split the file or "
                "remove rows that are not applications",
            )
        ]
    )


def _too_long(path: Path, row: int, column: str | None, length: int | None) -> InputProblem:
    size = "" if length is None else f" ({length:,} characters)"
    return InputProblem(
        str(path),
        f"a cell longer than {MAX_FIELD_CHARS:,} characters (the limit){size}",
        row,
        column or None,
    )


# ---------------------------------------------------------------- CSV


def _read_csv(path: Path, expect: Sequence[str]) -> RawTable:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputError([InputProblem(str(path), f"cannot read the file: {exc}")]) from None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        bad = data[exc.start : exc.start + 1].hex()
        raise InputError(
            [
                InputProblem(
                    str(path),
                    f"not UTF-8 text (byte 0x{bad} on line {line}): save it as "
                    "'CSV UTF-8 (comma delimited)'",
                    line,
                )
            ]
        ) from None
    del data
    _separator_check(path, re.split(r"\r\n|\r|\n", text[:65536], maxsplit=1)[0])

    raw_rows: list[list[str]] = []
    problems: list[InputProblem] = []
    reader = csv.reader(io.StringIO(text, newline=""))
    counted = 0
    try:
        for raw in reader:
            if any(raw):
                counted += 1
                if counted > MAX_ROWS + 1:  # + the header
                    raise _too_many_rows(path)
            for i, cell in enumerate(raw):
                if len(cell) > MAX_FIELD_CHARS:
                    name = raw_rows[0][i] if raw_rows and i < len(raw_rows[0]) else None
                    problems.append(_too_long(path, len(raw_rows) + 1, name, len(cell)))
                    raw[i] = ""
            raw_rows.append(raw)
    except csv.Error as exc:
        row = len(raw_rows) + 1
        if "field larger than field limit" in str(exc):
            problems.append(_too_long(path, row, None, None))
        else:
            problems.append(InputProblem(str(path), f"not a readable CSV row: {exc}", row))
    if not raw_rows:
        raise InputError(problems or [InputProblem(str(path), "the file is empty")])
    _header_check(path, raw_rows, expect, sheets=None)
    if problems:
        raise InputError(problems)
    header = _clean_header(path, raw_rows[0])
    rows: list[list[object]] = [[c.strip() or None for c in raw] for raw in raw_rows[1:]]
    widths = [len(raw) for raw in raw_rows[1:]]
    return _drop_trailing_blank(RawTable(str(path), header, rows, 2, widths))


_SEPARATORS = {";": "semicolon", "\t": "tab"}


def _separator_check(path: Path, first_line: str) -> None:
    """A header line split by ';' (the Dutch Excel default) or tabs instead of commas."""
    try:
        commas = next(csv.reader([first_line]), [])
    except csv.Error:
        return  # the reader reports it with its row
    for sep, word in _SEPARATORS.items():
        if first_line.count(sep) >= 2 and first_line.count(sep) + 1 > len(commas):
            hint = " (the Dutch Excel default, usually with decimal commas)" if sep == ";" else ""
            raise InputError(
                [
                    InputProblem(
                        str(path),
                        f"the file looks {word}-separated{hint}: the contract reads commas "
                        "between fields and a decimal point in numbers; save it as 'CSV "
                        "UTF-8 (comma delimited)' with '.' as the decimal separator, or hand "
                        "in the .xlsx itself",
                        1,
                    )
                ]
            )


# ---------------------------------------------------------------- header hints


def _header_score(cells: Iterable[object], expect: Sequence[str]) -> int:
    found = {normalise_name(c) for c in cells if c is not None}
    return sum(1 for name in expect if name in found)


def _looks_like_header(cells: Sequence[object], expect: Sequence[str]) -> bool:
    return bool(expect) and _header_score(cells, expect) >= min(3, len(expect))


def _header_check(
    path: Path,
    raw_rows: Sequence[Sequence[object]],
    expect: Sequence[str],
    sheets: Callable[[], list[tuple[str, int | None]]] | None,
) -> None:
    """Refuse, with the place of the real header, a table whose row 1 is not its header.

    ``sheets`` (XLSX only) lists every sheet with the row holding the expected header, if any.
    """
    if not expect or _looks_like_header(raw_rows[0], expect):
        return
    for index, cells in enumerate(raw_rows[1:HEADER_SEARCH_ROWS], start=2):
        if _looks_like_header(cells, expect):
            first = next((str(c).strip() for c in raw_rows[0] if c not in (None, "")), "")
            above = f" (row 1 holds {first[:60]!r})" if first else ""
            raise InputError(
                [
                    InputProblem(
                        str(path),
                        f"the header is on row {index}, not row 1{above}: delete the "
                        f"row(s) above the header so that it is the first row",
                        1,
                    )
                ]
            )
    if sheets is None:
        return
    found = sheets()
    names = ", ".join(repr(name) for name, _ in found)
    elsewhere = [(name, row) for name, row in found[1:] if row is not None]
    if elsewhere:
        name, row = elsewhere[0]
        where = f"row {row} of sheet {name!r}" if row != 1 else f"sheet {name!r}"
        raise InputError(
            [
                InputProblem(
                    str(path),
                    f"the first sheet {found[0][0]!r} has no header with the expected "
                    f"columns; the header is on {where} (sheets: {names}): the contract reads "
                    "the first sheet, so move that sheet to the front or delete the others",
                    1,
                )
            ]
        )


# ---------------------------------------------------------------- XLSX


def _zip_check(path: Path) -> None:
    """Check the sizes the zip's central directory declares, before anything is unpacked.

    Python's zipfile never unpacks a part past its declared size (it fails the CRC instead), so
    the declared sizes bound what openpyxl can read."""
    try:
        with zipfile.ZipFile(path) as archive:
            infos = archive.infolist()
            shared = {i.filename for i in infos if i.filename.lower().endswith("sharedstrings.xml")}
            shared |= _shared_strings_targets(archive, infos)
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise InputError(
            [InputProblem(str(path), f"cannot open as XLSX (not a valid zip file: {exc})")]
        ) from None
    total = sum(i.file_size for i in infos)
    problems = []
    if total > MAX_XLSX_UNCOMPRESSED_BYTES:
        problems.append(
            InputProblem(
                str(path),
                f"the XLSX unpacks to {total / _MIB:,.1f} MiB, more than the limit of "
                f"{MAX_XLSX_UNCOMPRESSED_BYTES / _MIB:,.0f} MiB (a zip bomb, or far more data "
                "than applications need)",
            )
        )
    for info in infos:
        if info.filename in shared and info.file_size > MAX_XLSX_SHARED_STRINGS_BYTES:
            problems.append(
                InputProblem(
                    str(path),
                    f"the XLSX's texts ({info.filename}) unpack to "
                    f"{info.file_size / _MIB:,.1f} MiB, more than the limit of "
                    f"{MAX_XLSX_SHARED_STRINGS_BYTES / _MIB:,.0f} MiB",
                )
            )
    if problems:
        raise InputError(problems)


def _shared_strings_targets(archive: zipfile.ZipFile, infos: list[zipfile.ZipInfo]) -> set[str]:
    """The shared-strings part(s) the workbook's relationships name, whatever they are called."""
    rels = next((i for i in infos if i.filename == "xl/_rels/workbook.xml.rels"), None)
    if rels is None or rels.file_size > 1 * _MIB:
        return set()
    try:
        root = ElementTree.fromstring(archive.read(rels))
    except ElementTree.ParseError:
        return set()
    targets = set()
    for rel in root:
        if str(rel.get("Type", "")).endswith("/sharedStrings") and rel.get("Target"):
            target = str(rel.get("Target"))
            joined = target.lstrip("/") if target.startswith("/") else "xl/" + target
            targets.add(posixpath.normpath(joined))
    return targets


def _sheet_rows(sheet: object) -> Iterable[tuple[object, ...]]:
    """Every row of a read-only sheet, whatever its ``<dimension>`` element declares."""
    from openpyxl.worksheet._read_only import ReadOnlyWorksheet

    if not isinstance(sheet, ReadOnlyWorksheet):  # load_workbook(read_only=True) gives these
        raise TypeError(f"not a read-only worksheet: {type(sheet).__name__}")
    sheet.reset_dimensions()
    return sheet.values  # iter_rows(values_only=True) over the whole sheet


def _read_xlsx(path: Path, expect: Sequence[str]) -> RawTable:
    _zip_check(path)
    import openpyxl  # heavy; only when an XLSX is read

    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many types for broken files
        raise InputError([InputProblem(str(path), f"cannot open as XLSX: {exc}")]) from None
    problems: list[InputProblem] = []
    values: list[list[object]] = []
    try:
        if not book.worksheets:
            raise InputError([InputProblem(str(path), "the workbook has no sheet")])
        counted = 0
        blanks = 0  # blank rows are kept only when a row with a value follows
        try:
            for raw in _sheet_rows(book.worksheets[0]):
                cells = [c.strip() or None if isinstance(c, str) else c for c in raw]
                if all(c is None for c in cells):
                    blanks += 1
                    continue
                counted += 1
                if counted > MAX_ROWS + 1:  # + the header
                    raise _too_many_rows(path)
                values.extend([] for _ in range(blanks))
                blanks = 0
                for i, cell in enumerate(cells):
                    if isinstance(cell, str) and len(cell) > MAX_FIELD_CHARS:
                        name = values[0][i] if values and i < len(values[0]) else None
                        problems.append(
                            _too_long(path, len(values) + 1, str(name) if name else None, len(cell))
                        )
                        cells[i] = None
                values.append(cells)
        except InputError:
            raise
        except Exception as exc:  # a broken sheet part
            raise InputError(
                [InputProblem(str(path), f"cannot read the first sheet: {exc}")]
            ) from None
        sheets = lambda: _find_header_sheets(book, expect)  # noqa: E731
        if not values:
            if expect and len(book.worksheets) > 1:
                _header_check(path, [[]], expect, sheets=sheets)
            raise InputError([InputProblem(str(path), "the first sheet is empty")])
        _header_check(path, values, expect, sheets=sheets)
    finally:
        book.close()
    if problems:
        raise InputError(problems)
    header = _clean_header(path, values[0])
    return _drop_trailing_blank(RawTable(str(path), header, values[1:], 2, None))


def _find_header_sheets(book: Workbook, expect: Sequence[str]) -> list[tuple[str, int | None]]:
    """Every sheet's name with the row (in its first rows) holding the expected header."""
    found: list[tuple[str, int | None]] = []
    for ws in book.worksheets:
        row_found = None
        try:
            for number, raw in enumerate(_sheet_rows(ws), start=1):
                if number > HEADER_SEARCH_ROWS:
                    break
                if _looks_like_header(raw, expect):
                    row_found = number
                    break
        except Exception:  # a sheet that cannot be read has no header to point at
            row_found = None
        found.append((ws.title, row_found))
    return found


def _drop_trailing_blank(table: RawTable) -> RawTable:
    """Blank lines at the end are layout, not data; a blank row in between is reported later."""
    rows = table.rows
    widths = table.widths
    while rows and all(c is None for c in rows[-1]):
        rows = rows[:-1]
    if widths is not None:
        widths = widths[: len(rows)]
    return RawTable(table.file, table.header, rows, table.first_data_row, widths)
