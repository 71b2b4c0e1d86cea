"""Small applications files for the input tests: a header, a good row, writing and refusing."""

from __future__ import annotations

from pathlib import Path

import pytest

from allocator.catalog import shipped_regions
from allocator.errors import InputError
from allocator.io.inputs import load_submission

HEADER = (
    "application_id,title,use_case,region,parties,submitted_at,cost_2027,cost_2028,fte,"
    "min_scale,exclusive_group"
)
GOOD = "A1,Speech,ai-speech-reporting,PV26,3,2026-10-01T09:00:00,1000000,0,20,1,"


def write(tmp_path: Path, *lines: str, name: str = "apps.csv") -> Path:
    path = tmp_path / name
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def refused(path: Path, years: list[int] | None = None) -> list:
    """Every problem of a file the reader must refuse."""
    with pytest.raises(InputError) as info:
        load_submission(path, shipped_regions(), years=years)
    return info.value.problems
