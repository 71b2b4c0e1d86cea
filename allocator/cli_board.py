"""The board's commands: ``allocator compare`` and ``allocator sweep`` (CONTRACT.md,
"Scenario comparison" and "Sweeps"). Standalone click commands, added to the main group
in cli.py with ``main.add_command``."""

from __future__ import annotations

import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

import click

from . import history
from .cli_options import APPLICATIONS, SCENARIO
from .errors import InputError, SolverUnavailable

if TYPE_CHECKING:
    from rich.console import Console

    from .comparison import Run
    from .domain import RegionTable
    from .results import Row

EXIT_INPUT = 2


def _fail_input(exc: InputError) -> NoReturn:
    click.echo(exc.render(limit=200), err=True)
    sys.exit(EXIT_INPUT)


def _applications_path(applications: str | None) -> Path:
    from .catalog import sample_applications_path

    return Path(applications) if applications else sample_applications_path()


def _fmt_eur(value: object) -> str:
    """Euros without the EUR: whole, or to the cent where there are cents."""
    from .narrative import eur

    return "-" if not isinstance(value, (int, float)) else eur(value).removeprefix("EUR ")


def _fmt(value: object, digits: int = 1) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:,.{digits}f}"
    return str(value)


# --- compare ----------------------------------------------------------------------------


@click.command()
@click.argument("scenarios", nargs=-1, required=True, type=click.Path(dir_okay=False))
@APPLICATIONS
@click.option("--out", "-o", type=click.Path(file_okay=False), required=True)
@click.option(
    "--workers", type=int, default=None, help="processes solving runs (default: all cores)"
)
@click.option("--solver", default=None, help="backend (see `allocator solvers`)")
@click.option("--quiet", "-q", is_flag=True, help="no table on the terminal")
def compare(
    scenarios: tuple[str, ...],
    applications: str | None,
    out: str,
    workers: int | None,
    solver: str | None,
    quiet: bool,
) -> None:
    """Solve every SCENARIO (optimal) and fcfs and greedy under the first; write
    compare.csv, flips.csv, regions.csv (the Zvw awards beside the social domain per region)
    and compare.xlsx to OUT."""
    from . import comparison as cmp  # imported on use: the CLI starts fast
    from .backends import DEFAULT_SOLVER
    from .catalog import regions_for
    from .domain import RunOptions
    from .io.inputs import load_scenario, load_submission
    from .io.outputs import render_csv, write_set
    from .io.xlsx import render_xlsx

    t0 = time.perf_counter()
    try:
        loaded = [(Path(s).stem, load_scenario(Path(s))) for s in scenarios]
        stems = [stem for stem, _ in loaded]
        twice = sorted({s for s in stems if stems.count(s) > 1})
        if twice:
            raise click.UsageError(
                f"two scenario files are named {', '.join(twice)}: the runs are told apart "
                "by file name, rename one"
            )
        tables: dict[str, RegionTable] = {}
        for _, scen in loaded:
            regions = regions_for(scen)
            tables.setdefault(regions.name, regions)
        apps_file = _applications_path(applications)
        # the submission must read under every region table of the comparison
        submissions = [load_submission(apps_file, table) for table in tables.values()]
        apps = submissions[0].applications
        options = RunOptions(solver=solver or DEFAULT_SOLVER)
        runs = cmp.solve_runs(apps, loaded, regions_for, options, workers=workers)
        compare_df, flips_df = cmp.compare_frame(runs), cmp.flips_frame(runs)
        compare_rows, flip_rows = cmp.frame_rows(compare_df), cmp.frame_rows(flips_df)
        region_rows = cmp.region_rows(runs)
        files = {
            "compare.csv": render_csv(compare_rows, list(compare_df.columns)),
            "flips.csv": render_csv(flip_rows, list(flips_df.columns)),
            "regions.csv": render_csv(region_rows, cmp.REGION_COLUMNS),
            "compare.xlsx": render_xlsx(
                [
                    ("compare", compare_rows, list(compare_df.columns)),
                    ("flips", flip_rows, list(flips_df.columns)),
                    ("regions", region_rows, cmp.REGION_COLUMNS),
                ],
                styles=_compare_styles(list(compare_df.columns), [r.label for r in runs]),
            ),
        }
        write_set(Path(out), files)
    except InputError as exc:
        _fail_input(exc)
    except SolverUnavailable as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(EXIT_INPUT)
    elapsed = time.perf_counter() - t0
    history.record("compare", out, applications=applications, scenarios=scenarios, timings={"total": elapsed}, options={"solver": options.solver})  # fmt: skip
    if not quiet:
        _print_compare(runs, compare_rows, flip_rows)
        _print_regions(runs, region_rows)
    for run in runs:
        if not run.solved:
            result = run.alloc.result
            click.echo(f"{run.label}: no award set ({result.status.value}). {result.message}")
    click.echo(
        f"{len(runs)} runs in {elapsed:.1f} s; compare.csv, flips.csv, regions.csv, "
        f"compare.xlsx in {out}/"
    )


def _compare_styles(columns: list[str], labels: list[str]) -> dict[str, int]:
    """compare.xlsx's number formats: euros as money, FTE with up to three decimals, the
    flips' scales and the Gini as fractions (0.0000)."""
    from .comparison import REGION_COLUMNS
    from .io.xlsx import STYLE_DECIMAL, STYLE_FTE, STYLE_MONEY

    regions = REGION_COLUMNS[REGION_COLUMNS.index("population") + 1 :]  # euros, per head too
    money = [c for c in columns if c.startswith(("total_awarded", "theme:", "year:", "region:"))]
    money += regions
    styles = {c: STYLE_MONEY for c in money} | {"objective_fte": STYLE_FTE}
    return styles | {c: STYLE_DECIMAL for c in ("fte_per_capita_gini", *labels)}


def _console(runs: Sequence[Run]) -> Console:
    """Rich's console: a terminal's own width; piped or redirected (where rich would assume
    80 columns and cut every cell of a many-run table short), as wide as the runs need."""
    from rich.console import Console

    console = Console()
    if not console.is_terminal:
        console = Console(width=max(80, 40 + 16 * len(runs)))
    return console


def _print_regions(runs: Sequence[Run], region_rows: list[Row]) -> None:
    """regions.csv on the terminal: per region the social domain's EUR per inhabitant and,
    per run, the Zvw award plus the social domain per inhabitant."""
    from rich.table import Table

    table = Table(
        "region",
        "social",
        *(run.label for run in runs),
        title="EUR per inhabitant: social domain (SPUK 2027-2028, by population) and, per run, "
        "Zvw award + social domain",
    )
    cells: dict[str, dict[str, Row]] = {}
    for row in region_rows:
        cells.setdefault(str(row["region"]), {})[f"{row['scenario']}:{row['method']}"] = row
    for code, by_run in cells.items():
        any_row = next(iter(by_run.values()))
        table.add_row(
            code,
            _fmt(any_row["social_per_inhabitant"], 2),
            *(
                _fmt(by_run[run.label]["combined_per_inhabitant"], 2)
                if run.label in by_run
                else "-"
                for run in runs
            ),
        )
    _console(runs).print(table)


def _print_compare(runs: Sequence[Run], rows: list[Row], flip_rows: list[Row]) -> None:
    from rich.table import Table

    from . import comparison as cmp

    console = _console(runs)
    table = Table("", *(run.label for run in runs), title="Scenario comparison")

    def line(name: str, cells: list[str]) -> None:
        table.add_row(name, *cells)

    line("status", [r["status"] for r in rows])
    line("FTE saved", [_fmt(r["objective_fte"]) for r in rows])
    line("EUR awarded", [_fmt_eur(r["total_awarded"]) for r in rows])
    line(
        "FTE per EUR 1M",
        [
            "-"
            if not r["total_awarded"]
            else _fmt(r["objective_fte"] / (r["total_awarded"] / 1e6), 2)
            for r in rows
        ],
    )
    line("awards", [_fmt(r["awarded_count"]) for r in rows])
    line("partial awards", [_fmt(r["partial_count"]) for r in rows])
    keys = [k for k in rows[0] if k.startswith(("theme:", "year:", "region:"))]
    for key in keys:
        line(f"EUR {key}", [_fmt_eur(r[key]) for r in rows])
    per_capita = [cmp.fte_per_capita(run.alloc) if run.solved else None for run in runs]
    line(
        "regions served",
        [
            "-" if pc is None else f"{sum(1 for v in pc.values() if v > 0)} of {len(pc)}"
            for pc in per_capita
        ],
    )
    codes = sorted({code for pc in per_capita if pc for code in pc})
    for code in codes:
        line(
            f"FTE per 100k {code}",
            [
                "-" if pc is None or code not in pc else f"{pc[code] * 1e5:,.2f}"
                for pc in per_capita
            ],
        )
    line("Gini FTE/inhabitant", [_fmt(r[cmp.GINI_COLUMN], 3) for r in rows])
    console.print(table)
    if not flip_rows:
        console.print("no application changes scale between the runs")
        return
    worth = _flip_worth(runs)
    flips = Table(
        "application",
        *(run.label for run in runs),
        "FTE at stake",
        "EUR at stake",
        title=f"{len(flip_rows)} applications change scale between runs",
    )
    for row in flip_rows:
        app_id = row["application_id"]
        fte, eur = worth[app_id]
        flips.add_row(
            app_id,
            *(_fmt(row[run.label], 2) for run in runs),
            f"{fte:,.1f}",
            f"{eur:,.0f}",
        )
    console.print(flips)


def _flip_worth(runs: Sequence[Run]) -> dict[str, tuple[float, float]]:
    """app id -> (largest minus smallest awarded FTE, same in EUR) over the solved runs."""
    fte: dict[str, list[float]] = {}
    eur: dict[str, list[float]] = {}
    for run in runs:
        if not run.solved:
            continue
        for w in run.alloc.result.awards:
            fte.setdefault(w.application_id, []).append(w.awarded_fte)
            eur.setdefault(w.application_id, []).append(w.awarded_amount_eur)
    return {k: (max(v) - min(v), max(eur[k]) - min(eur[k])) for k, v in fte.items()}


# --- sweep ------------------------------------------------------------------------------


def _parse_sets(
    ctx: click.Context, param: click.Parameter, values: tuple[str, ...]
) -> list[tuple[str, list[Any]]]:
    from .sweep import parse_set

    try:
        return [parse_set(v) for v in values]
    except InputError as exc:
        raise click.BadParameter(
            "; ".join(str(p) for p in exc.problems), ctx=ctx, param=param
        ) from None


@click.command()
@SCENARIO
@APPLICATIONS
@click.option(
    "--set",
    "sets",
    multiple=True,
    required=True,
    callback=_parse_sets,
    metavar="KEY=VALUES",
    help="a scenario key (dotted: theme_budgets.ai, year_budgets.2029) and v1,v2,... or "
    "start:stop:step (stop included); repeat for a grid",
)
@click.option("--out", "-o", type=click.Path(file_okay=False), required=True)
@click.option(
    "--workers", type=int, default=None, help="processes (default: all cores; ignored with --dask)"
)
@click.option(
    "--dask", "dask_address", default=None, metavar="ADDRESS",
    help="solve the points on a Dask distributed scheduler, e.g. tcp://HOST:PORT (same file)",
)  # fmt: skip
@click.option("--solver", default=None, help="backend (see `allocator solvers`)")
@click.option("--quiet", "-q", is_flag=True, help="no progress bar or table")
def sweep(
    scenario: str | None,
    applications: str | None,
    sets: list[tuple[str, list[Any]]],
    out: str,
    workers: int | None,
    dask_address: str | None,
    solver: str | None,
    quiet: bool,
) -> None:
    """Solve every combination of the --set values (optimal); write sweep.csv to OUT."""
    from .backends import DEFAULT_SOLVER
    from .catalog import regions_for, scenario_path
    from .domain import RunOptions
    from .executor import ExecutorUnavailable
    from .io.inputs import load_scenario, load_submission
    from .io.outputs import render_csv, write_set
    from .sweep import grid, point_warnings, run_sweep, sweep_columns
    from .terminal import progress_bar

    t0 = time.perf_counter()
    try:
        base = load_scenario(Path(scenario) if scenario else scenario_path("baseline"))
        points = grid(base, sets)  # every bad key or value refused before anything is solved
        regions = regions_for(base)
        submission = load_submission(_applications_path(applications), regions)
        apps = submission.applications
        for line in point_warnings(base, points) + submission.warnings:  # as solve's, stderr
            click.echo(f"warning: {line}", err=True)
        options = RunOptions(solver=solver or DEFAULT_SOLVER)
        with progress_bar("sweeping", enabled=not quiet) as bar:
            rows = run_sweep(
                apps, base, sets, regions, options, workers, bar, dask_address=dask_address
            )
        columns = sweep_columns(sets)
        write_set(Path(out), {"sweep.csv": render_csv(rows, columns)})
    except InputError as exc:
        _fail_input(exc)
    except (SolverUnavailable, ExecutorUnavailable) as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(EXIT_INPUT)
    elapsed = time.perf_counter() - t0
    history.record("sweep", out, applications=applications, scenarios=[scenario], timings={"total": elapsed}, options={"solver": options.solver})  # fmt: skip
    if not quiet and len(rows) <= 60:
        from rich.console import Console
        from rich.table import Table

        table = Table(*columns, title=f"sweep of {base.name}")
        for row in rows:
            table.add_row(
                *(
                    _fmt(row[c], 1)
                    if c in ("objective_fte",)
                    else (_fmt_eur(row[c]) if c == "total_awarded" else str(row[c]))
                    for c in columns
                )
            )
        Console().print(table)
    solved = [r for r in rows if r["objective_fte"] is not None]
    click.echo(
        f"{len(rows)} points ({len(rows) - len(solved)} without an award set) in "
        f"{elapsed:.1f} s; sweep.csv in {out}/"
    )
