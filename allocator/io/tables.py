"""Read a CSV or the first sheet of an XLSX into header + rows of raw cell values."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path

from ..errors import InputError, InputProblem


@dataclass(frozen=True)
class RawTable:
    """Cells as read: strings for CSV, native values for XLSX. Empty cells are None."""

    file: str
    header: list[str]
    rows: list[list[object]]
    first_data_row: int = 2  # spreadsheet row number of rows[0]

    def row_number(self, index: int) -> int:
        return self.first_data_row + index


def read_table(path: str | Path) -> RawTable:
    """Read ``path`` (.csv, .xlsx or .xlsm) without interpreting any cell."""
    path = Path(path)
    if not path.is_file():
        raise InputError([InputProblem(str(path), "file not found")])
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        return _read_xlsx(path)
    if suffix in (".csv", ".txt", ""):
        return _read_csv(path)
    raise InputError(
        [InputProblem(str(path), f"unsupported file type {suffix!r}; use .csv or .xlsx")]
    )


def _clean_header(path: Path, header: list[object]) -> list[str]:
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
    return names


def _read_csv(path: Path) -> RawTable:
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError([InputProblem(str(path), f"not UTF-8 text: {exc}")]) from None
    lines = list(csv.reader(io.StringIO(text, newline="")))
    if not lines:
        raise InputError([InputProblem(str(path), "the file is empty")])
    header = _clean_header(path, lines[0])
    rows: list[list[object]] = []
    for raw in lines[1:]:
        cells = [c.strip() or None for c in raw]
        rows.append(cells)
    return _drop_trailing_blank(RawTable(str(path), header, rows))


def _read_xlsx(path: Path) -> RawTable:
    import openpyxl  # heavy; only when an XLSX is read

    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many types for broken files
        raise InputError([InputProblem(str(path), f"cannot open as XLSX: {exc}")]) from None
    try:
        sheet = book.worksheets[0]
        values = [list(r) for r in sheet.iter_rows(values_only=True)]
    finally:
        book.close()
    if not values:
        raise InputError([InputProblem(str(path), "the first sheet is empty")])
    header = _clean_header(path, values[0])
    rows = []
    for raw in values[1:]:
        rows.append([c.strip() or None if isinstance(c, str) else c for c in raw])
    return _drop_trailing_blank(RawTable(str(path), header, rows))


def _drop_trailing_blank(table: RawTable) -> RawTable:
    """Blank lines at the end are layout, not data; a blank row in between is reported later."""
    rows = table.rows
    while rows and all(c is None for c in rows[-1]):
        rows = rows[:-1]
    return RawTable(table.file, table.header, rows, table.first_data_row)
