"""The files of one run (CONTRACT.md outputs plus awards.xlsx), written as one set: the
output directory holds the complete old set or the complete new set, never a mix."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from .. import results
from ..engine import Allocation

if TYPE_CHECKING:
    from ..explain import Explanations
from .outputs import render_csv, render_json, write_set
from .xlsx import STYLE_DECIMAL, STYLE_MONEY, render_xlsx

MONEY_COLUMNS = (
    "awarded_amount", "requested_amount", "budget", "spend", "cumulative_budget",
    "cumulative_spend", "requested_eligible", "cap", "limit", "used", "slack",
)  # fmt: skip
COLUMN_STYLES = {c: STYLE_MONEY for c in MONEY_COLUMNS} | {
    c: STYLE_DECIMAL for c in ("scale", "population_share")
}

AWARD_FILES = ("awards.csv", "awards.xlsx")
EXPLAIN_FILES = ("shadow_prices.csv", "explanations.csv", "cards.md")
EXPLANATION_COLUMNS = [
    "application_id", "binding", "fte_loss_if_forced", "fte_loss_if_removed", "status", "explanation",
]  # fmt: skip


def render_run(
    alloc: Allocation, xlsx: bool = True, explanations: Explanations | None = None
) -> dict[str, bytes]:
    """name -> file content; nothing is written yet."""
    from ..narrative import cards_markdown, texts

    files: dict[str, bytes] = {"summary.json": render_json(results.summary(alloc))}
    if not alloc.result.status.has_solution:
        return files
    words = texts(alloc, explanations)
    awards = results.awards_rows(alloc)
    for row in awards:
        row["explanation"] = words[row["application_id"]]
    files["awards.csv"] = render_csv(awards)
    extra_sheets = []
    if explanations is not None:
        shadow = [
            {"constraint": k, "fte_per_meur": v} for k, v in explanations.shadow_prices.items()
        ]
        status = {w.application_id: w.status.value for w in alloc.result.awards}
        rows = [
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
        files["shadow_prices.csv"] = render_csv(shadow, ["constraint", "fte_per_meur"])
        files["explanations.csv"] = render_csv(rows, EXPLANATION_COLUMNS)
        files["cards.md"] = cards_markdown(alloc, explanations).encode("utf-8")
        extra_sheets = [
            ("shadow prices", shadow, None),
            ("explanations", rows, EXPLANATION_COLUMNS),
        ]
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
                *extra_sheets,
            ],
            styles=COLUMN_STYLES,
        )
    return files


def write_run(
    alloc: Allocation,
    out_dir: str | Path,
    xlsx: bool = True,
    explanations: Explanations | None = None,
) -> list[Path]:
    """Render every file, then replace ``out_dir`` by them as one set (outputs.write_set:
    no older run's file stays beside this run's summary)."""
    files = render_run(alloc, xlsx=xlsx, explanations=explanations)
    return write_set(Path(out_dir), files)
