"""``allocator robust``: Monte Carlo over uncertain FTE estimates (CONTRACT.md, "Uncertain
FTE"). A standalone click command; cli.py registers it with ``main.add_command(robust)``."""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from .cli_options import APPLICATIONS, SCENARIO
from .errors import InputError, SolverUnavailable

if TYPE_CHECKING:
    from rich.console import Console

    from .robust import RobustResult

BORDERLINE_SHOWN = 25
"""Borderline applications listed on the terminal (robust.csv has all)."""


@click.command()
@APPLICATIONS
@SCENARIO
@click.option(
    "--samples", "-n", type=click.IntRange(min=1), default=200, show_default=True,
    help="number of sampled FTE scenarios, each solved exactly",
)  # fmt: skip
@click.option("--seed", type=int, default=2026, show_default=True, help="same seed, same files")
@click.option(
    "--workers", type=click.IntRange(min=1), default=None,
    help="local processes (default: all cores; ignored with --dask)",
)  # fmt: skip
@click.option(
    "--dask", "dask_address", default=None, metavar="ADDRESS",
    help="run the samples on a Dask distributed scheduler, e.g. tcp://HOST:PORT",
)  # fmt: skip
@click.option(
    "--out", "-o", type=click.Path(file_okay=False), default="out-robust", show_default=True,
    help="directory for robust.csv, robust_summary.json and robust_recommendation.csv "
    "(replaced as one set)",
)  # fmt: skip
@click.option(
    "--cvar", "cvar_alpha", type=click.FloatRange(0, 1, min_open=True), default=None,
    metavar="SHARE",
    help="also the award set with the highest mean FTE over the worst SHARE of the samples "
    "(e.g. 0.1), one exact MIP over all samples",
)  # fmt: skip
@click.option("--quiet", "-q", is_flag=True, help="no tables")
def robust(
    applications: str | None,
    scenario: str | None,
    samples: int,
    seed: int,
    workers: int | None,
    dask_address: str | None,
    out: str,
    cvar_alpha: float | None,
    quiet: bool,
) -> None:
    """Which awards hold whatever the true FTE: funded share per application over SAMPLES
    exact solves of sampled FTE values, the FTE the point-estimate award set delivers, and a
    robust recommendation (the award set with the highest expected FTE) next to
    it; writes robust.csv, robust_summary.json and robust_recommendation.csv to OUT."""
    from .cli import EXIT_INPUT, EXIT_NO_SOLUTION, _fail_input, _load  # lazy: cli imports us
    from .executor import ExecutorUnavailable
    from .io.outputs import check_target, write_set
    from .robust import NoPointOptimum, render, run_robust
    from .terminal import progress_bar

    t0 = time.perf_counter()
    try:
        check_target(out)  # before the long run, not after it
        scen, regions, submission = _load(applications, scenario)
        with progress_bar(f"robust: {samples} samples", enabled=not quiet) as bar:
            result = run_robust(
                submission.applications,
                scen,
                samples,
                seed,
                regions=regions,
                workers=workers,
                dask_address=dask_address,
                progress=bar,
                cvar_alpha=cvar_alpha,
            )
        write_set(Path(out), render(result))
    except InputError as exc:
        _fail_input(exc)
        return
    except (SolverUnavailable, ExecutorUnavailable) as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(EXIT_INPUT)
    except NoPointOptimum as exc:
        click.echo(f"no robustness analysis: {exc}", err=True)
        sys.exit(EXIT_NO_SOLUTION)
    except ValueError as exc:  # --cvar over too many samples x applications
        click.echo(f"error: {exc}", err=True)
        sys.exit(EXIT_INPUT)
    elapsed = time.perf_counter() - t0
    from . import history

    history.record("robust", out, applications=applications, scenarios=[scenario], timings={"total": elapsed, **result.timings_s})  # fmt: skip
    if not quiet:
        _print(result, out, elapsed)


def _print(result: RobustResult, out: str, seconds: float) -> None:
    from rich.console import Console
    from rich.table import Table

    console = Console()
    summary = result.summary()
    classes = result.classes()
    table = Table(
        "class", "applications", "funded by the point optimum", title="Funded share over samples"
    )
    point = result.point_scale > 0
    for name in ("core", "borderline", "exterior"):
        members = [i for i, c in enumerate(classes) if c == name]
        table.add_row(name, str(len(members)), str(sum(bool(point[i]) for i in members)))
    console.print(table)
    border = sorted(
        (i for i, c in enumerate(classes) if c == "borderline"),
        key=lambda i: (-result.funded_share[i], result.app_ids[i]),
    )
    if border:
        shown = border[:BORDERLINE_SHOWN]
        more = len(border) - len(shown)
        title = "Borderline" + (f" (the {len(shown)} most often funded; all in robust.csv)"
                                if more else "")  # fmt: skip
        rows = Table("application_id", "funded_share", "point optimum", title=title)
        for i in shown:
            rows.add_row(
                result.app_ids[i],
                f"{result.funded_share[i]:.2f}",
                "funded" if point[i] else "not funded",
            )
        console.print(rows)
    dist = Table(
        title="FTE the point-estimate award set delivers over the samples", show_header=False
    )
    dist.add_row("point estimate", f"{summary['point_fte']:,.1f}")
    dist.add_row("mean", f"{summary['fte_mean']:,.1f}")
    dist.add_row("10th percentile", f"{summary['fte_p10']:,.1f}")
    dist.add_row("min / max", f"{summary['fte_min']:,.1f} / {summary['fte_max']:,.1f}")
    dist.add_row("mean of the samples' own optima", f"{summary['sample_optimum_fte_mean']:,.1f}")
    console.print(dist)
    edges, counts = summary["histogram"]["bin_edges"], summary["histogram"]["counts"]
    widest = max(counts) or 1
    for lo, hi, c in zip(edges, edges[1:], counts):
        console.print(f"  {lo:>10,.1f} - {hi:>10,.1f} {'#' * round(40 * c / widest)} {c}")
    if result.recommendation is not None:
        _print_recommendation(console, result, summary)
    console.print(
        f"{result.samples} samples (seed {result.seed}) in {seconds:.1f} s; files written to {out}/"
    )


def _fmt_fte(value: float | None) -> str:
    return "-" if value is None else f"{value:,.1f}"


def _print_recommendation(console: Console, result: RobustResult, summary: dict[str, Any]) -> None:
    from rich.table import Table

    assert result.recommendation is not None
    rec = summary["recommendation"]
    held = rec["held_out"]
    low = summary.get("cvar")
    table = Table(
        "FTE delivered",
        "point-estimate optimum",
        "robust recommendation",
        *([f"best worst-{low['alpha']:g} set"] if low else []),
        title="Robust recommendation (highest expected FTE) against the point-estimate "
        "optimum: expected FTE (closed form), then on the samples",
    )
    table.add_row(
        "expected",
        f"{rec['point_expected_fte']:,.1f}",
        f"{rec['expected_fte']:,.1f}",
        *([_fmt_fte(low["expected_fte"])] if low else []),
    )
    table.add_row(
        "mean",
        f"{summary['fte_mean']:,.1f}",
        f"{rec['fte_mean']:,.1f}",
        *([f"{low['fte_mean']:,.1f}"] if low else []),
    )
    table.add_row(
        "10th percentile",
        f"{summary['fte_p10']:,.1f}",
        f"{rec['fte_p10']:,.1f}",
        *([f"{low['fte_p10']:,.1f}"] if low else []),
    )
    if low:
        table.add_row(
            f"mean of the worst {low['alpha']:g} (CVaR)",
            f"{low['point_cvar']:,.1f}",
            f"{low['recommended_cvar']:,.1f}",
            f"{low['cvar']:,.1f}",
        )
    table.add_row(
        "min / max",
        f"{summary['fte_min']:,.1f} / {summary['fte_max']:,.1f}",
        f"{rec['fte_min']:,.1f} / {rec['fte_max']:,.1f}",
        *([""] if low else []),
    )
    table.add_row(
        f"mean on {held['samples']} held-out samples",
        f"{held['point_fte_mean']:,.1f}",
        f"{held['recommended_fte_mean']:,.1f}",
        *([""] if low else []),
    )
    table.add_row(
        "10th percentile, held out",
        f"{held['point_fte_p10']:,.1f}",
        f"{held['recommended_fte_p10']:,.1f}",
        *([""] if low else []),
    )
    console.print(table)
    changes = result.recommendation.changes(result.point_scale)
    if not changes:
        console.print("The robust recommendation is the point-estimate optimum.")
        return
    how_text = {
        "recommended_only": "recommended only",
        "point_only": "point only",
        "scale": "both (scale)",
    }
    shown = changes[:BORDERLINE_SHOWN]
    more = len(changes) - len(shown)
    title = f"{len(changes)} applications differ" + (
        f" (the first {len(shown)}; all in robust_recommendation.csv)" if more else ""
    )
    rows = Table("application_id", "point scale", "recommended", "funded_share", "funded by",
                 title=title)  # fmt: skip
    point, rec_scale = result.point_scale, result.recommendation.scale
    for i, how in shown:
        rows.add_row(
            result.app_ids[i],
            f"{point[i]:.4f}",
            f"{rec_scale[i]:.4f}",
            f"{result.funded_share[i]:.2f}",
            how_text[how],
        )
    console.print(rows)
