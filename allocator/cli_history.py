"""The run history on the command line (CONTRACT.md, "Run history"): ``allocator runs
list | show | diff | path`` and ``allocator rerun RUN_ID --out DIR``. Standalone click
commands, added to the main group in cli.py; the store is allocator/history.py."""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path
from typing import Any

import click

from . import history

EXIT_INPUT = 2
EXIT_DIFFERS = 1
"""rerun: an output file is not byte-identical to the recorded one."""


def _fail(exc: Exception) -> None:
    click.echo(f"error: {exc}", err=True)
    sys.exit(EXIT_INPUT)


def _fmt_number(value: Any, digits: int = 3) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:,.{digits}f}"
    return str(value)


def _created(run: history.Run) -> str:
    return run.created_utc.strftime("%Y-%m-%d %H:%M:%SZ")


def _status(run: history.Run) -> str:
    """One word: a mixed status (compare, sweep) reads optimal=5,feasible=2."""
    return (run.status or "-").replace(" ", "_")


@click.group()
def runs() -> None:
    """The run history: every solve, compare, sweep and robust, recorded in a DuckDB file
    ($ALLOCATOR_RUNS_DB, else ~/.local/share/allocator/runs.duckdb)."""


@runs.command("list")
@click.option(
    "--command", "command", type=click.Choice(history.COMMANDS), help="only runs of this command"
)
@click.option("--last", type=click.IntRange(min=1), default=None, help="only the last N runs")
def list_runs(command: str | None, last: int | None) -> None:
    """One run a line, oldest first: id, time (UTC), command, scenario, status, objective
    (FTE; compare: its first run's; sweep: the largest; robust: the point optimum's)."""
    path = history.db_path()
    try:
        found = history.list_runs(path, command=command)
    except history.HistoryError as exc:
        if not path.exists():
            click.echo(f"no runs recorded in {path}", err=True)
            return
        _fail(exc)
        return
    if last:
        found = found[-last:]
    if not found:
        click.echo(f"no runs recorded in {path}", err=True)
    for run in found:
        click.echo(
            f"{run.run_id}  {_created(run)}  {run.command:<7}  {run.scenario or '-'}  "
            f"{_status(run)}  {_fmt_number(run.objective)}"
        )


@runs.command("show")
@click.argument("run_id")
@click.option("--json", "as_json", is_flag=True, help="the manifest as JSON")
def show(run_id: str, as_json: bool) -> None:
    """The manifest of RUN_ID (a unique prefix will do) and its figures."""
    try:
        run = history.get_run(run_id)
    except history.HistoryError as exc:
        _fail(exc)
        return
    if as_json:
        click.echo(json.dumps(run.manifest(), indent=2))
        return
    echo = click.echo
    echo(f"run        {run.run_id}")
    echo(f"created    {_created(run)}")
    echo(f"command    allocator {' '.join(_quote(a) for a in run.argv)}")
    echo(f"scenario   {run.scenario}")
    echo(f"status     {run.status}")
    echo(f"objective  {_fmt_number(run.objective)} FTE")
    echo(f"gap        {'-' if run.gap is None else f'{run.gap:.3g}'}")
    echo(f"options    {_pairs(run.options)}")
    echo(f"versions   {_pairs(run.versions, sep=' ')}")
    timings = {k: f"{v:.3f} s" for k, v in run.timings.items()}
    echo(f"timings    {_pairs(timings, sep=' ') or '-'}")
    echo(f"out dir    {run.out_dir}")
    echo("inputs")
    for f in run.inputs:
        kept = "stored" if f.content is not None else "NOT stored (too large)"
        shipped = ", shipped" if f.shipped else ""
        echo(
            f"  {f.role}[{f.pos}]  {f.name}  sha256 {f.sha256}  {f.size:,} bytes  "
            f"{kept}{shipped}  {f.path}"
        )
    echo("figures")
    for key, value in history._flat(run.figures).items():
        echo(f"  {key}  {'-' if value is None else value}")  # exact: as in the files
    echo("outputs")
    for f in run.outputs:
        echo(f"  {f.name}  sha256 {f.sha256}  {f.size:,} bytes")


def _quote(arg: str) -> str:
    import shlex

    return shlex.quote(arg)


def _pairs(values: dict[str, Any], sep: str = "=") -> str:
    return ", ".join(f"{k}{sep}{v}" for k, v in values.items())


@runs.command("diff")
@click.argument("run_a")
@click.argument("run_b")
def diff(run_a: str, run_b: str) -> None:
    """What differs between two runs: command, inputs (by SHA-256), options, figures,
    versions and output files (by SHA-256). Exit 0 either way."""
    try:
        a, b = history.get_run(run_a), history.get_run(run_b)
    except history.HistoryError as exc:
        _fail(exc)
        return
    lines = history.diff_runs(a, b)
    if not lines:
        click.echo(f"{a.run_id} and {b.run_id}: no differences")
        return
    click.echo(f"{a.run_id} -> {b.run_id}: {len(lines)} difference(s)")
    for line in lines:
        click.echo(f"  {line}")


@runs.command("path")
def path() -> None:
    """Where the run history is ($ALLOCATOR_RUNS_DB, else the per-user default)."""
    click.echo(str(history.db_path()))


def _command(name: str) -> click.Command:
    """The command a run was recorded by (solve, compare, sweep, robust: the ones that
    record)."""
    from . import cli_board
    from .cli import solve
    from .cli_robust import robust

    commands: dict[str, click.Command] = {
        "solve": solve,
        "compare": cli_board.compare,
        "sweep": cli_board.sweep,
        "robust": robust,
    }
    if name not in commands:
        raise click.ClickException(f"a {name!r} run cannot be run again")
    return commands[name]


@click.command()
@click.argument("run_id")
@click.option("--out", "-o", type=click.Path(file_okay=False), required=True)
@click.pass_context
def rerun(ctx: click.Context, run_id: str, out: str) -> None:
    """Run RUN_ID again from what was recorded (its stored input files, its options) and
    write its files to OUT; exit 1 naming each file that is not byte-identical to the
    recorded one (0 when all are). The rerun itself is not recorded."""
    try:
        run = history.get_run(run_id, contents=True)
    except history.HistoryError as exc:
        _fail(exc)
        return
    command = _command(run.command)
    names = {p.name for p in command.params}
    kwargs: dict[str, Any] = {k: v for k, v in run.options.items() if k in names}
    if "sets" in kwargs:
        kwargs["sets"] = [(key, list(values)) for key, values in kwargs["sets"]]
    if kwargs.get("dask_address"):  # the files do not depend on where the samples ran
        kwargs["dask_address"] = None
        click.echo("note: robust samples re-run here, not on the recorded Dask cluster", err=True)
    exit_code = 0
    with tempfile.TemporaryDirectory(prefix="allocator-rerun-") as tmp:
        try:
            apps, scenarios, notes = history.stage_inputs(run, Path(tmp))
        except history.HistoryError as exc:
            _fail(exc)
            return
        kwargs["applications"] = apps
        if run.command == "compare":
            kwargs["scenarios"] = tuple(scenarios)
        else:
            kwargs["scenario"] = scenarios[0]
        kwargs["out"] = out
        kwargs["quiet"] = True
        for note in notes:
            click.echo(f"note: {note}", err=True)
        with history.suppressed():
            try:
                ctx.invoke(command, **kwargs)
            except SystemExit as exc:
                exit_code = exc.code if isinstance(exc.code, int) else 1
                if exit_code not in (
                    0,
                    3,
                ):  # 3 (no award set): summary.json is written all the same
                    raise
    differs = history.diff_outputs(run.outputs, out)
    ran = f"rerun of {run.run_id} ({run.command}"
    ran += f", exit {exit_code})" if exit_code else ")"
    if not differs:
        click.echo(f"{ran}: {len(run.outputs)} files in {out}, byte-identical to the recorded run")
        return
    click.echo(f"{ran}: {len(differs)} file(s) in {out} differ from the recorded run:", err=True)
    for line in differs:
        click.echo(f"  {line}", err=True)
    sys.exit(EXIT_DIFFERS)
