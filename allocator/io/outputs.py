"""Write results: every file is rendered in memory first, then each is moved into place
atomically (temporary file + os.replace), so a failed run never leaves a half-written file.
Identical inputs give byte-identical files: no clock time is written anywhere.
"""

from __future__ import annotations

import csv
import io
import json
import os
import tempfile
import zipfile
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
FIXED_TIMESTAMP = "2026-01-01T00:00:00Z"
"""Written as creation time into XLSX metadata so that files do not change run to run."""


def neutralise(text: str) -> str:
    """Text from applications that a spreadsheet could read as a formula gets a leading '."""
    return "'" + text if text.startswith(FORMULA_START) else text


def fmt_number(value: float, digits: int = 6) -> str:
    """Plain decimal notation, no exponent, at most ``digits`` decimals, no trailing zeros."""
    if value == 0:
        return "0"
    text = f"{value:.{digits}f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return fmt_number(value, 10)
    return neutralise(str(value))


def render_csv(rows: list[Mapping[str, Any]], columns: list[str] | None = None) -> bytes:
    columns = columns or (list(rows[0]) if rows else [])
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow([_cell(row.get(c)) for c in columns])
    return buf.getvalue().encode("utf-8")


def render_json(data: Mapping[str, Any]) -> bytes:
    return (json.dumps(data, indent=2, sort_keys=False, ensure_ascii=False) + "\n").encode("utf-8")


def render_xlsx(sheets: Iterable[tuple[str, list[Mapping[str, Any]], list[str] | None]]) -> bytes:
    """An XLSX with one sheet per (name, rows, columns). Strings are always typed as text."""
    import openpyxl
    from openpyxl.cell import WriteOnlyCell

    book = openpyxl.Workbook(write_only=True)
    for name, rows, columns in sheets:
        sheet = book.create_sheet(title=name[:31])
        columns = columns or (list(rows[0]) if rows else [])
        sheet.append(columns)
        money = {c for c in columns if c in MONEY_COLUMNS}
        for row in rows:
            cells = []
            for c in columns:
                value = row.get(c)
                cell = WriteOnlyCell(sheet, value=value if not isinstance(value, str) else None)
                if isinstance(value, str):
                    cell.value = value
                    cell.data_type = "s"  # never a formula, whatever the text starts with
                elif c in money and value is not None:
                    cell.number_format = "#,##0.00"
                cells.append(cell)
            sheet.append(cells)
    buf = io.BytesIO()
    book.save(buf)
    return _deterministic_zip(buf.getvalue())


MONEY_COLUMNS = {
    "awarded_amount", "requested_amount", "budget", "spend", "cumulative_budget",
    "cumulative_spend", "requested_eligible", "cap", "limit", "used", "slack",
}  # fmt: skip


def _deterministic_zip(data: bytes) -> bytes:
    """Re-pack a zip with fixed entry times and fixed document timestamps."""
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            content = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                content = _fix_core_times(content)
            fixed = zipfile.ZipInfo(info.filename, date_time=(2026, 1, 1, 0, 0, 0))
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = 0o644 << 16
            dst.writestr(fixed, content)
    return out.getvalue()


def _fix_core_times(xml: bytes) -> bytes:
    import re

    return re.sub(
        rb"(<dcterms:(created|modified)[^>]*>)[^<]*(</dcterms:\2>)",
        lambda m: m.group(1) + FIXED_TIMESTAMP.encode() + m.group(3),
        xml,
    )


def write_atomically(out_dir: str | Path, files: Mapping[str, bytes]) -> list[Path]:
    """Write every (name -> bytes) into ``out_dir``; each file appears whole or not at all."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for name, content in files.items():
        target = out / name
        fd, tmp = tempfile.mkstemp(prefix=f".{name}.", suffix=".tmp", dir=out)
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(content)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(tmp, target)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        written.append(target)
    return written
