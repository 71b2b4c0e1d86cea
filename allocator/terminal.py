"""The short summary on the terminal (rich)."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn
from rich.table import Table

from . import results
from .engine import Allocation


def _eur(value: float | None) -> str:
    """Euros as the sentences write them: whole euros, or to the cent where there are cents
    (EUR 599,999,999.99 is not rounded up to the ceiling)."""
    from .narrative import eur

    return "-" if value is None else eur(value)


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
        head.add_row("awarded", f"{_eur(r.total_awarded_eur)} of {_eur(alloc.scenario.ceiling)}")
    if r.bound is not None:
        head.add_row("bound / gap", f"{r.bound:,.2f} / {r.gap:.2e}")
    head.add_row(
        "applications",
        ", ".join(f"{k} {v}" for k, v in s["counts"].items() if v is not None),
    )
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


def _fmt(value: object, key: str) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        if key in ("subscription", "population_share"):
            return f"{value:.2f}" + ("x" if key == "subscription" else "")
        if "per_inhabitant" in key:
            return f"{value:,.2f}"
        if key.startswith(("requested", "budget", "cap", "fair")):
            return _eur(value)
        return f"{value:,.1f}"
    return str(value)


def print_overview(tables: Mapping[str, Sequence[Mapping[str, Any]]], scenario: object) -> None:
    """Each overview table on the terminal, as it will appear in overview.xlsx."""
    console = Console()
    titles = {
        "themes": "Requested against available per theme (eligible at the scenario's bar)",
        "years": "Per funding year",
        "regions": "Per region",
        "ineligible": "Ineligible applications per reason (one application may have several)",
        "impact_bars": "What each impact bar leaves eligible",
    }
    for name, rows in tables.items():
        if not rows:
            continue
        table = Table(*rows[0].keys(), title=titles.get(name, name))
        for row in rows:
            table.add_row(*(_fmt(v, k) for k, v in row.items()))
        console.print(table)


@contextmanager
def progress_bar(label: str, enabled: bool = True) -> Iterator[Callable[[int, int], None] | None]:
    """A callback (done, total) drawing a bar on stderr while the block runs; None where
    stderr is no terminal or ``enabled`` is off (logs and pipes stay clean)."""
    console = Console(stderr=True)
    if not enabled or not console.is_terminal:
        yield None
        return
    columns = (label, BarColumn(), MofNCompleteColumn(), TimeRemainingColumn())
    with Progress(*columns, console=console, transient=True) as bar:
        task = bar.add_task(label, total=None)

        def update(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        yield update
