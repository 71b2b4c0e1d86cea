"""Command line: ``allocator solve | validate | generate | solvers``."""

from __future__ import annotations

import os
import sys
import tempfile
import time
import traceback
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

import click

from .cli_options import APPLICATIONS, SCENARIO
from .errors import InputError, SolverUnavailable

if TYPE_CHECKING:
    from .domain import RegionTable, Scenario
    from .engine import Allocation, Deadline
    from .explain import Explanations
    from .io.inputs import Submission

EXIT_INTERNAL = 1  # also verify's "violations found"
EXIT_INPUT = 2
EXIT_NO_SOLUTION = 3  # no award set: infeasible, time limit before any, or the solver failed
EXIT_VIOLATION = 1
"""The exit codes of the README ("Exit codes"): 0 solved, 1 verify found violations or an
internal error, 2 input or usage error, 3 no award set. An award set that breaks the rules
(status error: the solver's answer fails our own check) is a solver failure without an award
set: 3, like the others."""
LOG_DIR_ENV = "ALLOCATOR_LOG_DIR"
"""Where internal-error logs go; default $XDG_CACHE_HOME/allocator/logs (~/.cache/...), else
the system temp directory."""


def log_dir() -> Path:
    """The directory for internal-error logs (created): $ALLOCATOR_LOG_DIR, else
    $XDG_CACHE_HOME/allocator/logs or ~/.cache/allocator/logs, else <tmp>/allocator-logs."""
    env = os.environ.get(LOG_DIR_ENV)
    cache = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    candidates = [Path(env)] if env else []
    candidates += [
        Path(cache) / "allocator" / "logs",
        Path(tempfile.gettempdir()) / "allocator-logs",
    ]
    for directory in candidates:
        try:
            directory.mkdir(parents=True, exist_ok=True)
            if os.access(directory, os.W_OK):
                return directory
        except OSError:
            continue
    return Path(tempfile.gettempdir())


def _write_log(exc: BaseException) -> Path | None:
    """The full traceback of ``exc`` with the command line, in a new file of log_dir()."""
    try:
        from importlib.metadata import version

        stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
        path = log_dir() / f"error-{stamp}-{os.getpid()}.log"
        text = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
        path.write_text(
            f"allocator {version('allocator')}\ncommand: {' '.join(sys.argv)}\n"
            f"python {sys.version.split()[0]} on {sys.platform}\n\n{text}",
            encoding="utf-8",
        )
        return path
    except Exception:
        return None


def _one_line(text: object, limit: int = 300) -> str:
    line = " ".join(str(text).split())
    return line if len(line) <= limit else line[: limit - 3] + "..."


class _Never(Exception):
    """Stands in for an exception class that could not be imported."""


def _run_errors() -> tuple[type[Exception], type[Exception]]:
    """(SolverFailed, TimeUp); _Never for both on a broken install (the command's own import
    then fails, guarded)."""
    try:
        from .backends.base import SolverFailed
        from .engine import TimeUp
    except Exception:
        return _Never, _Never
    return SolverFailed, TimeUp


class _Guarded(click.Group):
    """Every command behind one guard: no Python traceback reaches the terminal. An input
    error exits 2, a run without award set 3, anything unexpected 1 with one line and the
    traceback in a log file (log_dir())."""

    def invoke(self, ctx: click.Context) -> Any:
        solver_failed, time_up = _run_errors()
        try:
            return super().invoke(ctx)
        except (click.exceptions.ClickException, click.exceptions.Exit, click.Abort):
            raise
        except InputError as exc:
            _fail_input(exc)
        except SolverUnavailable as exc:
            click.echo(f"error: {_one_line(exc)}", err=True)
            sys.exit(EXIT_INPUT)
        except time_up as exc:
            click.echo(f"no award set: {_one_line(exc)}", err=True)
            sys.exit(EXIT_NO_SOLUTION)
        except solver_failed as exc:
            click.echo(f"no award set: solver error: {_one_line(exc)}", err=True)
            sys.exit(EXIT_NO_SOLUTION)
        except BrokenPipeError:  # `allocator ... | head`: the reader left; not an error
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            sys.exit(0)
        except KeyboardInterrupt:
            click.echo("interrupted", err=True)
            sys.exit(130)
        except MemoryError as exc:
            log = _write_log(exc)
            click.echo(f"out of memory; details in {log}", err=True)
            sys.exit(EXIT_INTERNAL)
        except RecursionError as exc:
            log = _write_log(exc)
            click.echo(f"internal error: input nested too deeply; details in {log}", err=True)
            sys.exit(EXIT_INTERNAL)
        except Exception as exc:
            log = _write_log(exc)
            where = f"details in {log}" if log else "no log could be written"
            click.echo(
                f"internal error: {type(exc).__name__}: {_one_line(exc, 200)}; {where}", err=True
            )
            sys.exit(EXIT_INTERNAL)


def _fail_input(exc: InputError) -> NoReturn:
    click.echo(exc.render(limit=200), err=True)
    sys.exit(EXIT_INPUT)


def _load(
    applications: str | None, scenario: str | None
) -> tuple[Scenario, RegionTable, Submission]:
    """The scenario (default: baseline), its region table and the submission (default: the
    shipped sample), warnings echoed to stderr; raises InputError."""
    from .catalog import regions_for, sample_applications_path, scenario_path
    from .io.inputs import load_scenario, load_submission, scenario_warnings

    scenario_file = Path(scenario) if scenario else scenario_path("baseline")
    apps_file = Path(applications) if applications else sample_applications_path()
    scen = load_scenario(scenario_file)
    regions = regions_for(scen)
    submission = load_submission(apps_file, regions, years=scen.years)
    for line in scenario_warnings(scen) + submission.warnings:  # stderr: stdout stays clean
        click.echo(f"warning: {line}", err=True)
    return scen, regions, submission


@click.group(cls=_Guarded, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="allocator")
def main() -> None:
    """Allocate the AZWA breakthrough funds: provably optimal, explainable, reproducible."""


@main.command()
@APPLICATIONS
@SCENARIO
@click.option("--out", "-o", type=click.Path(file_okay=False), default="out", show_default=True)
@click.option(
    "--method",
    "-m",
    type=click.Choice(["optimal", "fcfs", "greedy"]),
    default="optimal",
    show_default=True,
)
@click.option(
    "--solver", default=None, help="backend (see `allocator solvers`); default: fastest measured"
)
@click.option(
    "--time-limit",
    type=click.FloatRange(min=0, min_open=True),
    default=None,
    help="seconds for the whole run (reading, building, solving, explaining); a run cut "
    "short with an award set is 'feasible', without one exits 3 naming the step",
)
@click.option(
    "--gap",
    type=click.FloatRange(min=0, max=1, max_open=True),
    default=1e-7,
    show_default=True,
    help="relative MIP gap counted as optimal (summary.json: mip_rel_gap_tolerance)",
)
@click.option(
    "--threads",
    type=click.IntRange(min=1),
    default=1,
    show_default=True,
    help="solver threads (the README's byte-for-byte determinism is tested with 1)",
)
@click.option("--xlsx/--no-xlsx", default=True, show_default=True, help="also write awards.xlsx")
@click.option(
    "--explain", is_flag=True, help="also shadow_prices.csv, explanations.csv, cards.md (re-solves)"
)
@click.option(
    "--workers", type=int, default=None, help="processes for --explain (default: all cores)"
)
@click.option(
    "--constraints",
    type=click.Path(dir_okay=False),
    default=None,
    help="a Python file defining constraints(m), your own constraints (README, 'Python "
    "API'); the file is EXECUTED as code: run only files you trust",
)
@click.option("--quiet", "-q", is_flag=True, help="no summary table")
def solve(
    applications: str | None,
    scenario: str | None,
    out: str,
    method: str,
    solver: str | None,
    time_limit: float | None,
    gap: float,
    threads: int,
    xlsx: bool,
    explain: bool,
    workers: int | None,
    constraints: str | None,
    quiet: bool,
) -> None:
    """Select and scale applications; write awards.csv, awards.xlsx and summary.json to OUT."""
    from . import history, progress
    from .backends import DEFAULT_SOLVER
    from .constraints_file import load as load_constraints
    from .constraints_file import sha256
    from .domain import RunOptions, SolveStatus
    from .engine import Deadline, allocate
    from .run_output import write_run
    from .terminal_progress import run_status

    deadline = Deadline(time_limit)
    t0 = time.perf_counter()
    try:
        options = RunOptions(
            method=method,
            solver=solver or DEFAULT_SOLVER,
            time_limit_s=time_limit,
            mip_rel_gap=gap,
            threads=threads,
        )
        if explain and method != "optimal":
            raise click.UsageError("--explain works with --method optimal only")
        with run_status(quiet):  # a status line on a terminal once it takes > 2 s
            progress.phase("reading the input files")
            scen, regions, submission = _load(applications, scenario)
            extra_rows = None
            if constraints:
                from .api import extra_rows_for  # pandas: only for a constraints file

                extra_rows = extra_rows_for(load_constraints(constraints))
            t_read = time.perf_counter()
            deadline.check("reading the input files")
            alloc = allocate(
                submission.applications,
                scen,
                options,
                regions=regions,
                deadline=deadline,
                extra_rows=extra_rows,
            )
        explanations = None
        if explain and alloc.result.status is not SolveStatus.optimal:
            click.echo(
                f"--explain: no explanations, the award set is {alloc.result.status.value}, "
                "not a proven optimum (raise --time-limit)",
                err=True,
            )
        if explain and alloc.result.status is SolveStatus.optimal:
            t_ex = time.perf_counter()
            explanations = _explain(alloc, workers, quiet, deadline)
            alloc.timings_s["explain"] = time.perf_counter() - t_ex
        t_solve = time.perf_counter()
        with run_status(quiet):
            progress.phase("writing the award files")
            write_run(alloc, out, xlsx=xlsx, explanations=explanations)
    except InputError as exc:
        _fail_input(exc)
    except SolverUnavailable as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(EXIT_INPUT)
    timings = {"read": t_read - t0, **alloc.timings_s, "total_in_run": time.perf_counter() - t0}
    timings["write"] = time.perf_counter() - t_solve
    recorded = {"solver": options.solver}
    if constraints:  # the file's content as well as its path: it decides the award set
        recorded["constraints_sha256"] = sha256(constraints)
    history.record("solve", out, applications=applications, scenarios=[scenario], timings=timings, options=recorded)  # fmt: skip
    if not quiet:
        from .terminal import print_summary

        print_summary(alloc, out, submission.ignored_columns, timings)
    if not alloc.result.status.has_solution:
        click.echo(f"no award set: {alloc.result.status.value}. {alloc.result.message}", err=True)
        for line in alloc.result.conflicts:
            click.echo(f"  - {line}", err=True)
        sys.exit(EXIT_NO_SOLUTION)


def _explain(
    alloc: Allocation, workers: int | None, quiet: bool, deadline: Deadline
) -> Explanations | None:
    """explain.explain within the deadline: None (and a line why) when the time is up before
    or during it (checked after each block of re-solves)."""
    from .engine import TimeUp
    from .explain import explain as run_explain
    from .terminal import progress_bar

    if deadline.expired():
        click.echo(
            f"--explain: no explanations, time limit of {deadline.limit_s:g} s reached "
            "before explaining",
            err=True,
        )
        return None
    with progress_bar("explaining (re-solves)", enabled=not quiet) as bar:

        def progress(done: int, total: int) -> None:
            if bar is not None:
                bar(done, total)
            deadline.check("explaining")

        try:
            return run_explain(alloc, workers=workers, progress=progress)
        except TimeUp as exc:
            click.echo(
                f"--explain: no explanations, {exc.limit_s:g} s time limit reached "
                "while explaining (the award set is written)",
                err=True,
            )
            return None


@main.command()
@click.option("--applications", "-a", type=click.Path(dir_okay=False), required=True)
@SCENARIO
def validate(applications: str, scenario: str | None) -> None:
    """Check an applications file against the contract without solving."""
    from .catalog import model_plans
    from .eligibility import check_all

    try:
        scen, _, submission = _load(applications, scenario)
    except InputError as exc:
        _fail_input(exc)
    reasons = check_all(submission.applications, scen, model_plans())
    bad = {k: v for k, v in reasons.items() if v}
    click.echo(
        f"{submission.file}: {len(submission.applications)} applications read, no input errors"
    )
    if submission.ignored_columns:
        click.echo(f"  ignored columns: {', '.join(submission.ignored_columns)}")
    click.echo(f"  eligible under {scen.name!r}: {len(reasons) - len(bad)}; ineligible: {len(bad)}")
    for app_id, codes in bad.items():
        click.echo(f"    {app_id}: {';'.join(codes)}")


@main.command()
@click.option("--applications", "-a", type=click.Path(dir_okay=False), required=True)
@click.option("--scenario", "-s", type=click.Path(dir_okay=False), required=True)
@click.option(
    "--awards", type=click.Path(dir_okay=False), required=True, help="CSV or XLSX award table"
)
def verify(applications: str, scenario: str, awards: str) -> None:
    """Re-check an award table against eligibility and every rule; exit 1 on any violation."""
    from .verify import read_awards
    from .verify import verify as run_verify

    try:
        scen, regions, submission = _load(applications, scenario)
        table = read_awards(awards)
    except InputError as exc:
        _fail_input(exc)
    found = run_verify(submission.applications, scen, regions, table)
    click.echo(
        f"{awards}: {found.objective_fte:,.3f} FTE, EUR {found.total_awarded_eur:,.2f} awarded "
        f"under {scen.name!r}"
    )
    if found.ok:
        click.echo("no violations: every eligibility rule and constraint holds")
        return
    click.echo(f"{len(found.violations)} violation(s):", err=True)
    for line in found.violations:
        click.echo(f"  - {line}", err=True)
    sys.exit(EXIT_VIOLATION)


@main.command()
@APPLICATIONS
@SCENARIO
@click.option(
    "--out", "-o", type=click.Path(file_okay=False), help="also write overview.json and .xlsx"
)
def overview(applications: str | None, scenario: str | None, out: str | None) -> None:
    """The board's subscription view before any award (no optimisation)."""
    from .io.outputs import check_target, render_json, write_set
    from .overview import overview as build

    try:
        if out:
            check_target(out)
        scen, regions, submission = _load(applications, scenario)
    except InputError as exc:
        _fail_input(exc)
    tables = build(submission.applications, scen, regions)
    from .terminal import print_overview

    print_overview(tables, scen)
    if out:
        from .io.run_files import COLUMN_STYLES
        from .io.xlsx import render_xlsx

        sheets = [(name.replace("_", " "), rows, None) for name, rows in tables.items()]
        files = {
            "overview.json": render_json(tables),
            "overview.xlsx": render_xlsx(sheets, styles=COLUMN_STYLES),
        }
        try:
            write_set(Path(out), files)
        except InputError as exc:  # the target changed since it was checked
            _fail_input(exc)
        click.echo(f"written to {out}/overview.json and overview.xlsx")


@main.command()
@click.option(
    "--n", "count", type=int, default=300, show_default=True, help="number of applications"
)
@click.option("--seed", type=int, default=2026, show_default=True)
@click.option("--out", "-o", type=click.Path(dir_okay=False), required=True, help="CSV to write")
@click.option(
    "--regions", type=click.Choice(["provinces", "ggd"]), default=None, help="shipped region table"
)
@click.option(
    "--synthetic-regions", type=int, default=None, help="make N synthetic regions instead"
)
@click.option(
    "--regions-out", type=click.Path(dir_okay=False), help="write the region table used here"
)
@click.option(
    "--oversubscription", type=float, default=3.5, show_default=True, help="total request / ceiling"
)
@click.option("--ceiling", type=float, default=600e6, show_default=True, help="EUR")
def generate(
    count: int,
    seed: int,
    out: str,
    regions: str | None,
    synthetic_regions: int | None,
    regions_out: str | None,
    oversubscription: float,
    ceiling: float,
) -> None:
    """Write a SYNTHETIC submission (plausible shapes, no real applications)."""
    from .catalog import shipped_regions
    from .generate import generate_rows, regions_to_csv, rows_to_csv
    from .generate import synthetic_regions as make_regions
    from .io.outputs import write_atomically

    table = (
        make_regions(synthetic_regions)
        if synthetic_regions
        else shipped_regions(regions or "provinces")
    )
    rows = generate_rows(
        count, table, seed=seed, ceiling_eur=ceiling, oversubscription=oversubscription
    )
    target = Path(out)
    write_atomically(target.parent, {target.name: rows_to_csv(rows).encode("utf-8")})
    if regions_out:
        rt = Path(regions_out)
        write_atomically(rt.parent, {rt.name: regions_to_csv(table).encode("utf-8")})
    click.echo(f"wrote {count} synthetic applications to {target}")


@main.command()
def solvers() -> None:
    """List the solver backends and whether they are installed."""
    from .backends import DEFAULT_SOLVER, _backend_class, solver_names

    for name in solver_names():
        cls = _backend_class(name)
        mark = "yes" if cls.available() else "no "
        default = " (default)" if name == DEFAULT_SOLVER else ""
        click.echo(f"{name:14s} installed: {mark}  {cls.description}{default}")


def _register() -> None:
    """The commands that live in their own modules (board, after the award, uncertainty)."""
    from .cli_after import payments, reallocate, social
    from .cli_board import compare, sweep
    from .cli_history import rerun, runs
    from .cli_report import report
    from .cli_robust import robust

    for command in (compare, sweep, report, robust, runs, rerun, payments, reallocate, social):
        main.add_command(command)


if __name__ == "__main__":  # python -m allocator.cli: run the registered group of the module
    from allocator.cli import main as _registered

    _registered()
else:
    _register()
