"""The short summary on the terminal (rich)."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table

from . import results
from .engine import Allocation


def _eur(value: float | None) -> str:
    return "-" if value is None else f"EUR {value:,.0f}"


def print_summary(
    alloc: Allocation, out: object, ignored: list[str], timings: dict[str, float]
) -> None:
    console = Console(stderr=False)
    r = alloc.result
    s = results.summary(alloc)
    head = Table(title=f"allocator: {alloc.scenario.name} ({r.method.value})", show_header=False)
    head.add_row("status", r.status.value + (f" - {r.message}" if r.message else ""))
    if r.solver:
        head.add_row("solver", r.solver)
    if r.objective_fte is not None:
        head.add_row("FTE saved", f"{r.objective_fte:,.1f}")
        head.add_row(
            "awarded", f"{_eur(r.total_awarded_eur)} of {_eur(alloc.scenario.ceiling_eur)}"
        )
    if r.bound is not None:
        head.add_row("bound / gap", f"{r.bound:,.2f} / {r.gap:.2e}")
    head.add_row("applications", ", ".join(f"{k} {v}" for k, v in s["counts"].items()))
    head.add_row("time", ", ".join(f"{k} {v:.2f}s" for k, v in timings.items()))
    console.print(head)
    if r.objective_fte is not None:
        themes = Table("theme", "budget", "awarded", "FTE", "funded")
        for row in results.by_theme(alloc):
            themes.add_row(
                row["theme"],
                _eur(row["budget"]),
                _eur(row["awarded_amount"]),
                f"{row['awarded_fte']:,.1f}",
                str(row["applications_funded"]),
            )
        console.print(themes)
    if ignored:
        console.print(f"[yellow]ignored columns:[/] {', '.join(ignored)}")
    console.print(f"files written to {out}/")
