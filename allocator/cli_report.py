"""``allocator report`` (CONTRACT.md, "Board report"): a standalone click command, added to
the main group in cli.py with ``main.add_command``."""

from __future__ import annotations

import hashlib
import sys
import time
from pathlib import Path

import click

from .cli_options import APPLICATIONS
from .errors import InputError, SolverUnavailable

EXIT_INPUT = 2


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@click.command()
@click.argument("scenarios", nargs=-1, required=True, type=click.Path(dir_okay=False))
@APPLICATIONS
@click.option(
    "--sweep",
    "sweep_file",
    type=click.Path(dir_okay=False, exists=True),
    default=None,
    help="a sweep.csv (allocator sweep): its FTE frontier is charted",
)
@click.option(
    "--robust",
    "robust_dir",
    type=click.Path(file_okay=False, exists=True),
    default=None,
    help="an allocator robust output directory: its selection frequencies are charted",
)
@click.option("--out", "-o", type=click.Path(file_okay=False), required=True)
@click.option(
    "--no-prices",
    is_flag=True,
    help="leave out the shadow prices of the binding rules (saves the re-solves)",
)
@click.option(
    "--workers", type=int, default=None, help="processes solving runs (default: all cores)"
)
@click.option("--solver", default=None, help="backend (see `allocator solvers`)")
def report(
    scenarios: tuple[str, ...],
    applications: str | None,
    sweep_file: str | None,
    robust_dir: str | None,
    out: str,
    no_prices: bool,
    workers: int | None,
    solver: str | None,
) -> None:
    """Solve every SCENARIO (optimal) and fcfs and greedy under the first, and write OUT/report.html:
    one self-contained page (charts, the compare and flips tables, binding rules with their
    shadow prices) that opens offline and loads nothing from elsewhere."""
    try:
        import plotly  # noqa: F401
    except ImportError:
        click.echo(
            "error: allocator report draws its charts with plotly: pip install plotly", err=True
        )
        sys.exit(EXIT_INPUT)
    from .backends import DEFAULT_SOLVER
    from .catalog import regions_for, sample_applications_path
    from .comparison import solve_runs
    from .domain import RegionTable, RunOptions, SolveStatus
    from .io.inputs import load_scenario, load_submission
    from .io.outputs import check_target, write_set
    from .report import REPORT_FILE, cap_shadow_prices, read_sweep, report_bytes

    t0 = time.perf_counter()
    inputs = (sweep_file, robust_dir)
    try:
        check_target(out, inputs)  # before the solves, not after them
        paths = [Path(s) for s in scenarios]
        loaded = [(p.stem, load_scenario(p)) for p in paths]
        stems = [stem for stem, _ in loaded]
        twice = sorted({s for s in stems if stems.count(s) > 1})
        if twice:
            raise click.UsageError(
                f"two scenario files are named {', '.join(twice)}: the runs are told apart "
                "by file name, rename one"
            )
        sweep = None
        if sweep_file:
            try:
                sweep = read_sweep(sweep_file)
            except (ValueError, UnicodeDecodeError) as exc:
                raise click.BadParameter(str(exc), param_hint="--sweep") from None
        robust = None
        if robust_dir:
            from .robust_report import read_robust

            try:
                robust = read_robust(robust_dir)
            except (ValueError, KeyError, UnicodeDecodeError) as exc:
                raise click.BadParameter(str(exc), param_hint="--robust") from None
        tables: dict[str, RegionTable] = {}
        for _, scen in loaded:
            regions = regions_for(scen)
            tables.setdefault(regions.name, regions)
        apps_file = Path(applications) if applications else sample_applications_path()
        submissions = [load_submission(apps_file, table) for table in tables.values()]
        apps = submissions[0].applications
        options = RunOptions(solver=solver or DEFAULT_SOLVER)
        runs = solve_runs(apps, loaded, regions_for, options, workers=workers)
        prices: dict[str, dict[str, float] | None] = {}
        for run in runs:
            if run.method != "optimal":
                continue
            optimal = run.solved and run.alloc.result.status is SolveStatus.optimal
            prices[run.scenario] = (
                cap_shadow_prices(run.alloc, workers) if optimal and not no_prices else None
            )
        sources = [(apps_file.name, _sha256(apps_file))]
        sources += [(p.name, _sha256(p)) for p in paths]
        if sweep_file:
            sources.append((Path(sweep_file).name, _sha256(Path(sweep_file))))
        if robust is not None:
            sources += robust.sources()
        content = report_bytes(runs, prices, sweep, sources, robust=robust)
        write_set(Path(out), {REPORT_FILE: content}, inputs)
    except InputError as exc:
        click.echo(exc.render(limit=200), err=True)
        sys.exit(EXIT_INPUT)
    except SolverUnavailable as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(EXIT_INPUT)
    for run in runs:
        if not run.solved:
            result = run.alloc.result
            click.echo(f"{run.label}: no award set ({result.status.value}). {result.message}")
    elapsed = time.perf_counter() - t0
    click.echo(f"{len(runs)} runs in {elapsed:.1f} s; {REPORT_FILE} in {out}/")
