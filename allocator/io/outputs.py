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
from collections.abc import Mapping
from pathlib import Path
from typing import Any

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def neutralise(text: str) -> str:
    """Text from applications that a spreadsheet could read as a formula gets a leading '."""
    return "'" + text if text.startswith(FORMULA_START) else text


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        # shortest text that reads back as exactly the same number: scale * C == amount
        return str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)
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
