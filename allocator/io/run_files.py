"""The files of one run (CONTRACT.md outputs plus awards.xlsx), written atomically."""

from __future__ import annotations

from pathlib import Path

from .. import results
from ..engine import Allocation
from .outputs import render_csv, render_json, write_atomically
from .xlsx import STYLE_DECIMAL, STYLE_MONEY, render_xlsx

MONEY_COLUMNS = (
    "awarded_amount", "requested_amount", "budget", "spend", "cumulative_budget",
    "cumulative_spend", "requested_eligible", "cap", "limit", "used", "slack",
)  # fmt: skip
COLUMN_STYLES = {c: STYLE_MONEY for c in MONEY_COLUMNS} | {
    c: STYLE_DECIMAL for c in ("scale", "population_share")
}

AWARD_FILES = ("awards.csv", "awards.xlsx")


def render_run(alloc: Allocation, xlsx: bool = True) -> dict[str, bytes]:
    """name -> file content; nothing is written yet."""
    files: dict[str, bytes] = {"summary.json": render_json(results.summary(alloc))}
    if not alloc.result.status.has_solution:
        return files
    awards = results.awards_rows(alloc)
    files["awards.csv"] = render_csv(awards)
    if xlsx:
        files["awards.xlsx"] = render_xlsx(
            [
                ("awards", awards, None),
                ("by theme", results.by_theme(alloc), None),
                ("by year", results.by_year(alloc), None),
                ("by region", results.by_region(alloc), None),
                ("constraints", results.constraint_rows(alloc), None),
                (
                    "ineligible",
                    results.ineligible_rows(alloc),
                    ["application_id", "title", "reason"],
                ),
            ],
            styles=COLUMN_STYLES,
        )
    return files


def write_run(alloc: Allocation, out_dir: str | Path, xlsx: bool = True) -> list[Path]:
    files = render_run(alloc, xlsx=xlsx)
    out = Path(out_dir)
    if "awards.csv" not in files:
        # no award set this time: never leave an older run's awards beside this summary
        for name in AWARD_FILES:
            (out / name).unlink(missing_ok=True)
    return write_atomically(out, files)
