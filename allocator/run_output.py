"""The files of one run from its Allocation (CONTRACT.md outputs plus awards.xlsx): the
tables of results.py and the words of narrative.py, handed as plain rows to io/run_files.py,
which renders and writes them as one set."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from . import results
from .io.run_files import RunTables, render_files, write_files
from .io.xlsx import Sheet

if TYPE_CHECKING:
    from .engine import Allocation
    from .explain import Explanations


def run_tables(
    alloc: Allocation, explanations: Explanations | None = None, sheets: bool = True
) -> RunTables:
    """What ``alloc`` writes, as rows: awards with their explanation sentence, and with
    ``explanations`` (explain.explain) the shadow prices (FTE per EUR 1M), the
    per-application explanations and the cards. ``sheets``: also the summary tables of
    awards.xlsx (by theme, year, region; constraints; ineligible)."""
    from .narrative import cards_markdown, texts

    summary = results.summary(alloc)
    if not alloc.result.status.has_solution:
        return RunTables(summary)
    words = texts(alloc, explanations)
    awards = results.awards_rows(alloc)
    for row in awards:
        row["explanation"] = words[row["application_id"]]
    tables = RunTables(summary, awards)
    if sheets:
        tables.sheets = _summary_sheets(alloc)
    if explanations is not None:
        status = {w.application_id: w.status.value for w in alloc.result.awards}
        tables.shadow_prices = [
            {"constraint": k, "fte_per_meur": v} for k, v in explanations.shadow_prices.items()
        ]
        tables.explanations = [
            {
                "application_id": e.application_id,
                "binding": ";".join(e.binding),
                "fte_loss_if_forced": e.fte_loss_if_forced,
                "fte_loss_if_removed": e.fte_loss_if_removed,
                "status": status[e.application_id],
                "explanation": words[e.application_id],
            }
            for e in explanations.applications.values()
        ]
        tables.cards = cards_markdown(alloc, explanations)
    return tables


def _summary_sheets(alloc: Allocation) -> list[Sheet]:
    return [
        ("by theme", results.by_theme(alloc), None),
        ("by year", results.by_year(alloc), None),
        ("by region", results.by_region(alloc), None),
        ("constraints", results.constraint_rows(alloc), None),
        ("ineligible", results.ineligible_rows(alloc), ["application_id", "title", "reason"]),
    ]


def render_run(
    alloc: Allocation, xlsx: bool = True, explanations: Explanations | None = None
) -> dict[str, bytes]:
    """name -> file content of ``alloc``'s run; nothing is written yet."""
    return render_files(run_tables(alloc, explanations, sheets=xlsx), xlsx=xlsx)


def write_run(
    alloc: Allocation,
    out_dir: str | Path,
    xlsx: bool = True,
    explanations: Explanations | None = None,
) -> list[Path]:
    """Write the files of ``allocator solve`` for ``alloc`` (summary.json, awards.csv,
    awards.xlsx; with ``explanations`` also shadow_prices.csv, explanations.csv, cards.md)
    to ``out_dir``, replacing what is there as one set; the paths written."""
    return write_files(run_tables(alloc, explanations, sheets=xlsx), out_dir, xlsx=xlsx)
