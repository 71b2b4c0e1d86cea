"""The files of one run (CONTRACT.md outputs plus awards.xlsx), rendered from plain rows and
written as one set: the output directory holds the complete old set or the complete new set,
never a mix.

The rows come from the layer above (allocator/run_output.py: the tables of results.py and the
words of narrative.py); this module knows file names and formats only, so the io package
stays at both ends of the pipeline without importing what lies between (the engine).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .outputs import render_csv, render_json, write_set
from .xlsx import STYLE_DECIMAL, STYLE_FTE, STYLE_MONEY, Sheet, render_xlsx

MONEY_COLUMNS = (
    "awarded_amount", "requested_amount", "budget", "spend", "cumulative_budget",
    "cumulative_spend", "requested_eligible", "cap", "limit", "used", "slack",
)  # fmt: skip
FTE_COLUMNS = (
    "awarded_fte", "requested_fte", "fte_per_meur", "fte_loss_if_forced", "fte_loss_if_removed",
)  # fmt: skip
COLUMN_STYLES = (
    {c: STYLE_MONEY for c in (*MONEY_COLUMNS, "eur_per_inhabitant")}
    | {c: STYLE_DECIMAL for c in ("scale", "population_share", "min_scale")}
    | {c: STYLE_FTE for c in FTE_COLUMNS}
)

AWARD_FILES = ("awards.csv", "awards.xlsx")
EXPLAIN_FILES = ("shadow_prices.csv", "explanations.csv", "cards.md")
EXPLANATION_COLUMNS = [
    "application_id", "binding", "fte_loss_if_forced", "fte_loss_if_removed", "status", "explanation",
]  # fmt: skip
SHADOW_PRICE_COLUMNS = ["constraint", "fte_per_meur"]


@dataclass
class RunTables:
    """Everything one run writes, as plain rows (money in EUR, FTE in full-time equivalents,
    shadow prices in FTE per EUR 1M).

    ``summary``: summary.json; ``awards``: awards.csv and the first sheet of awards.xlsx
    (None: the run has no award set, and summary.json is all it writes); ``sheets``: the
    further sheets of awards.xlsx (by theme, by year ...); ``shadow_prices``,
    ``explanations`` and ``cards`` (markdown): the files of ``--explain``, None without."""

    summary: Mapping[str, Any]
    awards: Sequence[Mapping[str, Any]] | None = None
    sheets: Sequence[Sheet] = ()
    shadow_prices: Sequence[Mapping[str, Any]] | None = None
    explanations: Sequence[Mapping[str, Any]] | None = None
    cards: str | None = None


def render_files(tables: RunTables, xlsx: bool = True) -> dict[str, bytes]:
    """name -> file content; nothing is written yet."""
    files: dict[str, bytes] = {"summary.json": render_json(tables.summary)}
    if tables.awards is None:
        return files
    files["awards.csv"] = render_csv(tables.awards)
    explain_sheets: list[Sheet] = []
    if tables.shadow_prices is not None:
        files["shadow_prices.csv"] = render_csv(tables.shadow_prices, SHADOW_PRICE_COLUMNS)
        explain_sheets.append(("shadow prices", tables.shadow_prices, None))
    if tables.explanations is not None:
        files["explanations.csv"] = render_csv(tables.explanations, EXPLANATION_COLUMNS)
        explain_sheets.append(("explanations", tables.explanations, EXPLANATION_COLUMNS))
    if tables.cards is not None:
        files["cards.md"] = tables.cards.encode("utf-8")
    if xlsx:
        files["awards.xlsx"] = render_xlsx(
            [("awards", tables.awards, None), *tables.sheets, *explain_sheets],
            styles=COLUMN_STYLES,
        )
    return files


def write_files(tables: RunTables, out_dir: str | Path, xlsx: bool = True) -> list[Path]:
    """Render every file, then replace ``out_dir`` by them as one set (outputs.write_set:
    no older run's file stays beside this run's summary)."""
    return write_set(Path(out_dir), render_files(tables, xlsx=xlsx))
