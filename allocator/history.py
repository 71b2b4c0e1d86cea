"""The run history (CONTRACT.md, "Run history"): every ``solve``, ``compare``, ``sweep`` and
``robust`` recorded in an embedded DuckDB database, so that any figure can be found again and any run
repeated byte for byte (``allocator runs``, ``allocator rerun``: cli_history.py).

Where: ``$ALLOCATOR_RUNS_DB`` if set, else ``$XDG_DATA_HOME/allocator/runs.duckdb``, else
``~/.local/share/allocator/runs.duckdb`` (db_path()).

What one run holds (table ``runs``, one row; ``inputs`` and ``outputs``, one row a file):
a run id (``YYMMDD-HHMMSS-xxxx``, UTC time then 4 random hex digits: time-ordered and short),
the command, its command line and options, the applications, scenario and regions files
(name, SHA-256, size and the bytes themselves, up to MAX_STORED_BYTES a file, so ``rerun``
works after the originals changed), the package, solver and Python versions, status,
objective, gap, figures, timings, created time (UTC), and every output file as written
(bytes and SHA-256, read back from the output directory after the set was written).

Concurrency: DuckDB lets one process at a time open the file for writing. A recording opens
the store, writes the run in one transaction and closes it; a process that finds the store
locked retries with backoff for up to LOCK_WAIT_S seconds. Recording never makes a run fail:
when the store cannot be written, one warning goes to stderr and the run goes on.
"""

from __future__ import annotations

import contextlib
import contextvars
import csv
import hashlib
import io
import json
import os
import platform
import random
import secrets
import sys
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

DB_ENV = "ALLOCATOR_RUNS_DB"
MAX_STORED_BYTES = 50 * 1024 * 1024
"""Input or output files larger than this (50 MiB) are recorded by name, size and SHA-256
only, not their bytes; ``rerun`` then needs the original file, unchanged."""
LOCK_WAIT_S = 10.0
"""How long a process waits for another one's lock on the store before giving up."""
SCHEMA_VERSION = 1
COMMANDS = ("solve", "compare", "sweep", "robust")
VERSION_PACKAGES = ("allocator", "highspy", "ortools", "pulp", "duckdb", "numpy", "pandas")
INPUT_PARAMS = {
    "solve": "scenario",
    "sweep": "scenario",
    "compare": "scenarios",
    "robust": "scenario",
}
"""The click parameter naming the scenario file(s) of each command (``applications`` is the
other input of every one, ``out`` the output directory)."""

FLAGS = {"dask_address": "--dask", "cvar_alpha": "--cvar"}
"""Click parameters whose option is not named after them."""

_SUPPRESS: contextvars.ContextVar[bool] = contextvars.ContextVar("history_suppress", default=False)
_WARNED = False

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key VARCHAR PRIMARY KEY, value VARCHAR);
CREATE TABLE IF NOT EXISTS runs (
    run_id VARCHAR PRIMARY KEY,
    created_utc TIMESTAMP NOT NULL,
    command VARCHAR NOT NULL,
    argv VARCHAR NOT NULL,          -- JSON list: the command line, as it can be typed again
    scenario VARCHAR,               -- the scenario file stem(s), comma-separated
    status VARCHAR,
    objective DOUBLE,
    gap DOUBLE,
    options VARCHAR NOT NULL,       -- JSON: the command's options (inputs and --out aside)
    figures VARCHAR NOT NULL,       -- JSON: the run's figures, from its output files
    timings VARCHAR NOT NULL,       -- JSON: seconds per step
    versions VARCHAR NOT NULL,      -- JSON: package, solver and Python versions
    out_dir VARCHAR
);
CREATE TABLE IF NOT EXISTS inputs (
    run_id VARCHAR NOT NULL,
    role VARCHAR NOT NULL,          -- applications, scenario, regions
    pos INTEGER NOT NULL,           -- which scenario (compare: several)
    name VARCHAR NOT NULL,          -- the file's name
    path VARCHAR NOT NULL,          -- where it was read
    ref VARCHAR,                    -- regions: the scenario's `regions` value as written
    shipped BOOLEAN NOT NULL,       -- a file shipped with the package
    sha256 VARCHAR NOT NULL,
    size BIGINT NOT NULL,
    content BLOB,                   -- NULL when larger than MAX_STORED_BYTES
    PRIMARY KEY (run_id, role, pos)
);
CREATE TABLE IF NOT EXISTS outputs (
    run_id VARCHAR NOT NULL,
    name VARCHAR NOT NULL,
    sha256 VARCHAR NOT NULL,
    size BIGINT NOT NULL,
    content BLOB,                   -- NULL when larger than MAX_STORED_BYTES
    PRIMARY KEY (run_id, name)
);
"""


class HistoryError(Exception):
    """The store cannot be read, or holds no such run (cli_history: exit 2)."""


# --- where, and how to open -------------------------------------------------------------


def db_path() -> Path:
    """$ALLOCATOR_RUNS_DB, else $XDG_DATA_HOME/allocator/runs.duckdb, else
    ~/.local/share/allocator/runs.duckdb."""
    env = os.environ.get(DB_ENV)
    if env:
        return Path(env).expanduser()
    data = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(data) / "allocator" / "runs.duckdb"


def _locked(exc: BaseException) -> bool:
    text = str(exc).lower()
    return "lock" in text and ("conflicting" in text or "could not set" in text)


@contextlib.contextmanager
def connect(
    path: Path | None = None, *, read_only: bool = False, wait_s: float | None = None
) -> Iterator[Any]:
    """An open connection to the store (schema created when writing), closed on leaving.
    Waits with backoff while another process holds the store's lock, up to ``wait_s``;
    then raises HistoryError."""
    import duckdb

    path = path or db_path()
    if read_only and not path.exists():
        raise HistoryError(f"no run history at {path} (nothing recorded yet)")
    if not read_only:
        path.parent.mkdir(parents=True, exist_ok=True)
    wait_s = LOCK_WAIT_S if wait_s is None else wait_s
    deadline = time.monotonic() + wait_s
    delay = 0.02
    while True:
        try:
            con = duckdb.connect(str(path), read_only=read_only)
            break
        except duckdb.Error as exc:
            if not _locked(exc):
                raise HistoryError(f"cannot open the run history {path}: {exc}") from None
            if time.monotonic() >= deadline:
                raise HistoryError(
                    f"the run history {path} stayed locked by another process for {wait_s:g} s"
                ) from None
            time.sleep(delay * (0.5 + random.random()))
            delay = min(delay * 2, 0.5)
    try:
        if not read_only:
            con.execute(SCHEMA)
            con.execute(
                "INSERT INTO meta VALUES ('schema_version', ?) ON CONFLICT DO NOTHING",
                [str(SCHEMA_VERSION)],
            )
        yield con
    except duckdb.Error as exc:
        raise HistoryError(f"the run history {path}: {exc}") from None
    finally:
        con.close()


# --- what one run is --------------------------------------------------------------------


@dataclass
class FileRecord:
    name: str
    sha256: str
    size: int
    content: bytes | None
    role: str = ""
    pos: int = 0
    path: str = ""
    ref: str | None = None
    shipped: bool = False


@dataclass
class Run:
    run_id: str
    created_utc: datetime
    command: str
    argv: list[str]
    scenario: str
    status: str | None
    objective: float | None
    gap: float | None
    options: dict[str, Any]
    figures: dict[str, Any]
    timings: dict[str, float]
    versions: dict[str, str | None]
    out_dir: str | None
    inputs: list[FileRecord] = field(default_factory=list)
    outputs: list[FileRecord] = field(default_factory=list)

    def manifest(self) -> dict[str, Any]:
        """Everything but the files' bytes, JSON-ready."""
        return {
            "run_id": self.run_id,
            "created_utc": self.created_utc.strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
            "command": self.command,
            "argv": self.argv,
            "scenario": self.scenario,
            "status": self.status,
            "objective": self.objective,
            "gap": self.gap,
            "options": self.options,
            "figures": self.figures,
            "timings": self.timings,
            "versions": self.versions,
            "out_dir": self.out_dir,
            "inputs": [
                {
                    "role": f.role,
                    "pos": f.pos,
                    "name": f.name,
                    "path": f.path,
                    "sha256": f.sha256,
                    "size": f.size,
                    "stored": f.content is not None,
                    **({"shipped": True} if f.shipped else {}),
                    **({"ref": f.ref} if f.ref is not None else {}),
                }
                for f in self.inputs
            ],
            "outputs": [{"name": f.name, "sha256": f.sha256, "size": f.size} for f in self.outputs],
        }


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def new_run_id(now: datetime | None = None) -> str:
    now = now or datetime.now(timezone.utc)
    return f"{now:%y%m%d-%H%M%S}-{secrets.token_hex(2)}"


def versions() -> dict[str, str | None]:
    from importlib.metadata import PackageNotFoundError, version

    found: dict[str, str | None] = {}
    for name in VERSION_PACKAGES:
        try:
            found[name] = version(name)
        except PackageNotFoundError:
            found[name] = None
    found["python"] = platform.python_version()
    found["platform"] = f"{sys.platform}-{platform.machine()}"
    return found


def _jsonable(value: Any) -> Any:
    if isinstance(value, Path):
        return str(value)
    if isinstance(value, Mapping):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    return str(value)


def _file(path: Path, **kw: Any) -> FileRecord:
    data = path.read_bytes()
    return FileRecord(
        name=path.name,
        sha256=sha256(data),
        size=len(data),
        content=data if len(data) <= MAX_STORED_BYTES else None,
        path=str(path.absolute()),
        **kw,
    )


def _shipped_regions_path(stem: str) -> Path:
    from .catalog import SHIPPED_REGION_TABLES, _resource

    return _resource("allocator.data", "regions/" + SHIPPED_REGION_TABLES[stem])


def regions_reference(scenario_file: Path) -> tuple[str | None, Path, bool]:
    """(the scenario's ``regions`` value as written, the file regions_for reads, shipped?),
    the same choice as catalog.regions_for."""
    from .catalog import DEFAULT_REGION_TABLE, SHIPPED_REGION_TABLES
    from .io.inputs import load_scenario
    from .io.safe_yaml import load_yaml_file

    raw = load_yaml_file(scenario_file)
    ref = raw.get("regions") if isinstance(raw, dict) else None
    scen = load_scenario(scenario_file)
    if scen.regions is None:
        return None, _shipped_regions_path(DEFAULT_REGION_TABLE), True
    if scen.regions.name in SHIPPED_REGION_TABLES.values() and not scen.regions.exists():
        stem = {v: k for k, v in SHIPPED_REGION_TABLES.items()}[scen.regions.name]
        return str(ref), _shipped_regions_path(stem), True
    return str(ref), Path(scen.regions), False


def input_files(
    applications: str | Path | None, scenarios: Sequence[str | Path | None]
) -> list[FileRecord]:
    """The applications file, each scenario file and the region table each one reads
    (defaults resolved as the commands resolve them)."""
    from .catalog import sample_applications_path, scenario_path

    apps = Path(applications) if applications else sample_applications_path()
    files = [_file(apps, role="applications", shipped=not applications)]
    for pos, scenario in enumerate(scenarios):
        scen_file = Path(scenario) if scenario else scenario_path("baseline")
        files.append(_file(scen_file, role="scenario", pos=pos, shipped=not scenario))
        ref, regions, shipped = regions_reference(scen_file)
        files.append(_file(regions, role="regions", pos=pos, ref=ref, shipped=shipped))
    return files


def output_files(out_dir: str | Path) -> list[FileRecord]:
    """Every file of the output set in ``out_dir``, as written (the set's manifest too)."""
    out = Path(out_dir)
    return [_file(p) for p in sorted(out.iterdir(), key=lambda p: p.name) if p.is_file()]


# --- figures, read back from the output files -------------------------------------------


def _number(text: object) -> float | None:
    try:
        return float(text)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None


def _count(text: object) -> int | float | None:
    value = _number(text)
    return int(value) if value is not None and value.is_integer() else value


def _csv_rows(files: Mapping[str, bytes | None], name: str) -> list[dict[str, str]]:
    data = files.get(name)
    if data is None:
        return []
    return list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))


def _status_of(statuses: list[str]) -> str | None:
    if not statuses:
        return None
    counts: dict[str, int] = {}
    for s in statuses:
        counts[s or "none"] = counts.get(s or "none", 0) + 1
    if len(counts) == 1:
        return next(iter(counts))
    return ",".join(f"{s}={n}" for s, n in counts.items())  # optimal=5,feasible=2


def figures_of(
    command: str, files: Mapping[str, bytes | None]
) -> tuple[dict[str, Any], str | None, float | None, float | None]:
    """(figures, status, objective, gap) of a run from its output files."""
    if command == "solve":
        try:
            summary = json.loads((files.get("summary.json") or b"{}").decode("utf-8"))
        except ValueError:
            summary = {}
        keys = ("method", "status", "objective_fte", "total_awarded", "bound", "gap", "solver")
        figures = {k: summary.get(k) for k in keys}
        figures["counts"] = summary.get("counts")
        return figures, summary.get("status"), summary.get("objective_fte"), summary.get("gap")
    if command == "compare":
        rows = _csv_rows(files, "compare.csv")
        figures = {
            f"{r.get('scenario')}:{r.get('method')}": {
                "status": r.get("status"),
                "objective_fte": _number(r.get("objective_fte")),
                "total_awarded": _number(r.get("total_awarded")),
                "awarded_count": _count(r.get("awarded_count")),
                "partial_count": _count(r.get("partial_count")),
            }
            for r in rows
        }
        flips = _csv_rows(files, "flips.csv")
        figures["flips"] = len(flips)
        first = _number(rows[0].get("objective_fte")) if rows else None
        return figures, _status_of([r.get("status", "") for r in rows]), first, None
    if command == "robust":
        return _robust_figures(files)
    rows = _csv_rows(files, "sweep.csv")
    objectives = [v for v in (_number(r.get("objective_fte")) for r in rows) if v is not None]
    figures = {
        "points": len(rows),
        "without_award_set": len(rows) - len(objectives),
        "objective_fte_min": min(objectives) if objectives else None,
        "objective_fte_max": max(objectives) if objectives else None,
    }
    status = _status_of([r.get("status", "") for r in rows])
    return figures, status, figures["objective_fte_max"], None


def _robust_figures(
    files: Mapping[str, bytes | None],
) -> tuple[dict[str, Any], str | None, float | None, float | None]:
    """robust: the sample count and seed, the FTE the point optimum delivers over the samples,
    the classes, and the robust recommendation's figures (robust_summary.json); status
    optimal (a sample that is not ends the run without files), objective the point
    optimum's FTE."""
    try:
        summary = json.loads((files.get("robust_summary.json") or b"{}").decode("utf-8"))
    except ValueError:
        summary = {}
    keys = ("samples", "seed", "point_fte", "fte_mean", "fte_p10", "sample_optimum_fte_mean",
            "solver")  # fmt: skip
    figures: dict[str, Any] = {k: summary.get(k) for k in keys}
    figures["classes"] = summary.get("classes")
    rec = summary.get("recommendation")
    if isinstance(rec, dict):
        held = rec.get("held_out") or {}
        figures["recommendation"] = {
            "fte_mean": rec.get("fte_mean"),
            "fte_p10": rec.get("fte_p10"),
            "differs": rec.get("differs"),
            "held_out_point_fte_mean": held.get("point_fte_mean"),
            "held_out_recommended_fte_mean": held.get("recommended_fte_mean"),
        }
    low = summary.get("cvar")
    if isinstance(low, dict):
        figures["cvar"] = {
            k: low.get(k)
            for k in ("alpha", "cvar", "point_cvar", "recommended_cvar", "fte_mean", "differs")
        }
    status = "optimal" if summary else None
    return figures, status, summary.get("point_fte"), None


# --- recording --------------------------------------------------------------------------


@contextlib.contextmanager
def suppressed() -> Iterator[None]:
    """No recording inside (``rerun`` repeats a recorded run without recording it again)."""
    token = _SUPPRESS.set(True)
    try:
        yield
    finally:
        _SUPPRESS.reset(token)


def _warn_once(message: str) -> None:
    global _WARNED
    if _WARNED:
        return
    _WARNED = True
    with contextlib.suppress(Exception):
        print(f"warning: {message}", file=sys.stderr, flush=True)


def _click_params() -> dict[str, Any]:
    try:
        import click

        ctx = click.get_current_context(silent=True)
    except Exception:
        return {}
    return dict(ctx.params) if ctx is not None else {}


def _value_text(value: Any) -> str:
    """A --set value as it can be typed again (none, true/false, exact numbers)."""
    if value is None:
        return "none"
    if isinstance(value, bool):
        return "true" if value else "false"
    return repr(value)


def _argv(command: str, params: Mapping[str, Any]) -> list[str]:
    """The command line of a run, rebuilt from its parameters (the same for a run started
    from a shell, a test or the Python API)."""
    argv = [command]
    if command == "compare":
        argv += [str(s) for s in params.get("scenarios") or ()]
    for name, value in params.items():
        if name in ("scenarios", "quiet") or value is None or value is False:
            continue
        flag = FLAGS.get(name, "--" + name.replace("_", "-"))
        if name == "sets":
            for key, values in value:
                argv += ["--set", f"{key}={','.join(_value_text(v) for v in values)}"]
        elif name == "xlsx":
            argv.append("--xlsx" if value else "--no-xlsx")
        elif value is True:
            argv.append(flag)
        else:
            argv += [flag, str(value)]
    return argv


def record(
    command: str,
    out_dir: str | Path,
    *,
    applications: str | Path | None = None,
    scenarios: Sequence[str | Path | None] = (None,),
    options: Mapping[str, Any] | None = None,
    timings: Mapping[str, float] | None = None,
    params: Mapping[str, Any] | None = None,
) -> str | None:
    """Record a finished run whose files are in ``out_dir``; its run id, or None when it was
    not recorded (one warning on stderr a process; never raises). ``params``: the command's
    click parameters (default: the current click context's); ``options`` override them
    (e.g. the solver actually used where --solver was left out)."""
    if _SUPPRESS.get():
        return None
    path = db_path()
    try:
        raw = dict(params if params is not None else _click_params())
        raw.update(options or {})
        inputs = input_files(applications, list(scenarios) or [None])
        outputs = output_files(out_dir)
        figures, status, objective, gap = figures_of(command, {f.name: f.content for f in outputs})
        scen_param = INPUT_PARAMS.get(command, "scenario")
        opts = {
            k: _jsonable(v)
            for k, v in raw.items()
            if k not in ("applications", "out", "quiet", scen_param)
        }
        stems = [Path(f.path).stem for f in inputs if f.role == "scenario"]
        display = {**raw, "applications": applications, "out": str(out_dir)}
        display[scen_param] = list(scenarios) if command == "compare" else scenarios[0]
        now = datetime.now(timezone.utc)
        row = {
            "created_utc": now.replace(tzinfo=None),
            "command": command,
            "argv": json.dumps(_argv(command, display)),
            "scenario": ",".join(stems),
            "status": status,
            "objective": _number(objective),
            "gap": _number(gap),
            "options": json.dumps(opts, sort_keys=True),
            "figures": json.dumps(_jsonable(figures)),
            "timings": json.dumps({k: round(float(v), 6) for k, v in (timings or {}).items()}),
            "versions": json.dumps(versions()),
            "out_dir": str(Path(out_dir).absolute()),
        }
        return _write(path, now, row, inputs, outputs)
    except Exception as exc:
        _warn_once(f"run not recorded in the run history {path}: {_one_line(exc)}")
        return None


def _one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split()) or type(exc).__name__
    return text if len(text) <= 300 else text[:297] + "..."


def _write(
    path: Path,
    now: datetime,
    row: dict[str, Any],
    inputs: list[FileRecord],
    outputs: list[FileRecord],
) -> str:
    with connect(path) as con:
        for _ in range(20):
            run_id = new_run_id(now)
            taken = con.execute("SELECT 1 FROM runs WHERE run_id = ?", [run_id]).fetchone()
            if not taken:
                break
        con.execute("BEGIN TRANSACTION")
        try:
            con.execute(
                f"INSERT INTO runs (run_id, {', '.join(row)}) VALUES (?{', ?' * len(row)})",
                [run_id, *row.values()],
            )
            for f in inputs:
                con.execute(
                    "INSERT INTO inputs VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    [
                        run_id,
                        f.role,
                        f.pos,
                        f.name,
                        f.path,
                        f.ref,
                        f.shipped,
                        f.sha256,
                        f.size,
                        f.content,
                    ],
                )
            for f in outputs:
                con.execute(
                    "INSERT INTO outputs VALUES (?, ?, ?, ?, ?)",
                    [run_id, f.name, f.sha256, f.size, f.content],
                )
            con.execute("COMMIT")
        except BaseException:
            with contextlib.suppress(Exception):
                con.execute("ROLLBACK")
            raise
    return run_id


# --- reading ----------------------------------------------------------------------------

_RUN_COLUMNS = (
    "run_id, created_utc, command, argv, scenario, status, objective, gap, options, figures, "
    "timings, versions, out_dir"
)


def _run_from_row(row: Sequence[Any]) -> Run:
    (run_id, created, command, argv, scenario, status, objective, gap, options, figures,
     timings, vers, out_dir) = row  # fmt: skip
    return Run(
        run_id=run_id,
        created_utc=created,
        command=command,
        argv=json.loads(argv),
        scenario=scenario or "",
        status=status,
        objective=objective,
        gap=gap,
        options=json.loads(options),
        figures=json.loads(figures),
        timings=json.loads(timings),
        versions=json.loads(vers),
        out_dir=out_dir,
    )


def list_runs(path: Path | None = None, command: str | None = None) -> list[Run]:
    """Every recorded run, oldest first (no files)."""
    with connect(path, read_only=True) as con:
        where, args = ("WHERE command = ?", [command]) if command else ("", [])
        rows = con.execute(
            f"SELECT {_RUN_COLUMNS} FROM runs {where} ORDER BY created_utc, run_id", args
        ).fetchall()
    return [_run_from_row(r) for r in rows]


def get_run(run_id: str, path: Path | None = None, *, contents: bool = False) -> Run:
    """One run with its input and output records (bytes too when ``contents``); ``run_id``
    may be any unique prefix of an id. HistoryError when there is no such run."""
    blob = "content" if contents else "NULL"
    with connect(path, read_only=True) as con:
        ids = [
            r[0]
            for r in con.execute(
                "SELECT run_id FROM runs WHERE starts_with(run_id, ?) ORDER BY run_id", [run_id]
            ).fetchall()
        ]
        if not ids:
            raise HistoryError(f"no run {run_id!r} in {path or db_path()}")
        if len(ids) > 1 and run_id not in ids:
            shown = ", ".join(ids[:5]) + (", ..." if len(ids) > 5 else "")
            raise HistoryError(f"{run_id!r} names {len(ids)} runs ({shown}): give more of the id")
        found = run_id if run_id in ids else ids[0]
        run = _run_from_row(
            con.execute(f"SELECT {_RUN_COLUMNS} FROM runs WHERE run_id = ?", [found]).fetchone()
        )
        for name, fpath, role, pos, ref, shipped, digest, size, content in con.execute(
            f"SELECT name, path, role, pos, ref, shipped, sha256, size, {blob} FROM inputs "
            "WHERE run_id = ? ORDER BY pos, CASE role WHEN 'applications' THEN 0 "
            "WHEN 'scenario' THEN 1 ELSE 2 END",
            [found],
        ).fetchall():
            run.inputs.append(
                FileRecord(
                    name=name,
                    sha256=digest,
                    size=size,
                    content=_bytes(content),
                    role=role,
                    pos=pos,
                    path=fpath,
                    ref=ref,
                    shipped=shipped,
                )
            )
        for name, digest, size, content in con.execute(
            f"SELECT name, sha256, size, {blob} FROM outputs WHERE run_id = ? ORDER BY name",
            [found],
        ).fetchall():
            run.outputs.append(
                FileRecord(name=name, sha256=digest, size=size, content=_bytes(content))
            )
        if not contents:  # say whether the bytes are there without reading them
            stored = {
                (r[0], r[1])
                for r in con.execute(
                    "SELECT role, pos FROM inputs WHERE run_id = ? AND content IS NOT NULL",
                    [found],
                ).fetchall()
            }
            for f in run.inputs:
                f.content = b"" if (f.role, f.pos) in stored else None
    return run


def _bytes(value: Any) -> bytes | None:
    return None if value is None else bytes(value)


# --- comparing --------------------------------------------------------------------------


def _flat(value: Any, prefix: str = "") -> dict[str, Any]:
    if isinstance(value, dict):
        flat: dict[str, Any] = {}
        for k, v in value.items():
            flat.update(_flat(v, f"{prefix}{k}."))
        return flat
    return {prefix.rstrip("."): value}


def _changed(label: str, a: Mapping[str, Any], b: Mapping[str, Any]) -> list[str]:
    lines = []
    for key in sorted(set(a) | set(b), key=str):
        if key not in b:
            lines.append(f"{label} {key}: {a[key]!r} -> (absent)")
        elif key not in a:
            lines.append(f"{label} {key}: (absent) -> {b[key]!r}")
        elif a[key] != b[key]:
            lines.append(f"{label} {key}: {a[key]!r} -> {b[key]!r}")
    return lines


def diff_runs(a: Run, b: Run) -> list[str]:
    """What differs between two recorded runs, one line each (empty: nothing)."""
    lines = _changed("", {"command": a.command}, {"command": b.command})
    lines = [line.lstrip() for line in lines]

    by_slot_a = {f"{f.role}[{f.pos}]": f for f in a.inputs}
    by_slot_b = {f"{f.role}[{f.pos}]": f for f in b.inputs}
    for slot in sorted(set(by_slot_a) | set(by_slot_b)):
        fa, fb = by_slot_a.get(slot), by_slot_b.get(slot)
        if fa is None or fb is None:
            one = fa or fb
            side = "only in " + (a.run_id if fa else b.run_id)
            lines.append(f"input {slot}: {one.name} {one.sha256[:12]} ({side})")  # type: ignore[union-attr]
        elif fa.sha256 != fb.sha256:
            lines.append(f"input {slot}: {fa.name} {fa.sha256[:12]} -> {fb.name} {fb.sha256[:12]}")
    lines += _changed("option", a.options, b.options)
    lines += _changed("figure", _flat(a.figures), _flat(b.figures))
    lines += _changed("version", a.versions, b.versions)
    oa = {f.name: f.sha256 for f in a.outputs}
    ob = {f.name: f.sha256 for f in b.outputs}
    for name in sorted(set(oa) | set(ob)):
        if name not in ob:
            lines.append(f"output {name}: only in {a.run_id}")
        elif name not in oa:
            lines.append(f"output {name}: only in {b.run_id}")
        elif oa[name] != ob[name]:
            lines.append(f"output {name}: {oa[name][:12]} -> {ob[name][:12]}")
    return lines


def diff_outputs(recorded: Sequence[FileRecord], out_dir: str | Path) -> list[str]:
    """How the files in ``out_dir`` differ from the recorded ones (empty: byte-identical)."""
    now = {f.name: f for f in output_files(out_dir)}
    then = {f.name: f for f in recorded}
    lines = []
    for name in sorted(set(now) | set(then)):
        if name not in now:
            lines.append(f"{name}: recorded, not written now")
        elif name not in then:
            lines.append(f"{name}: written now, not in the recorded run")
        elif now[name].sha256 != then[name].sha256:
            old, new = then[name], now[name]
            lines.append(
                f"{name}: differs (recorded {old.size:,} bytes sha256 {old.sha256[:12]}, "
                f"now {new.size:,} bytes sha256 {new.sha256[:12]})"
            )
    return lines


# --- staging a recorded run's inputs (rerun) --------------------------------------------


def _content(f: FileRecord) -> bytes:
    """The recorded bytes of an input, or the original file's when they were too large to
    store and the file is unchanged."""
    if f.content is not None:
        return f.content
    original = Path(f.path)
    try:
        data = original.read_bytes()
    except OSError:
        data = None
    if data is None or sha256(data) != f.sha256:
        raise HistoryError(
            f"{f.role} {f.name}: its {f.size:,} bytes were over the {MAX_STORED_BYTES:,}-byte "
            f"limit and not stored, and {original} is gone or changed since"
        )
    return data


def _plain_relative(ref: str | None) -> bool:
    if not ref:
        return False
    p = Path(ref)
    return not p.is_absolute() and ".." not in p.parts


def stage_inputs(run: Run, directory: Path) -> tuple[str, list[str], list[str]]:
    """Write the run's recorded input files under ``directory`` so that the command reads
    them as it read the originals (file names kept: compare names runs by scenario file
    stem). Returns (applications path, scenario paths, notes). ``run``: read with
    ``contents=True``."""
    from .io.safe_yaml import load_yaml_file

    notes: list[str] = []
    by_slot = {(f.role, f.pos): f for f in run.inputs}
    apps = by_slot[("applications", 0)]
    apps_path = directory / "applications" / apps.name
    apps_path.parent.mkdir(parents=True)
    apps_path.write_bytes(_content(apps))
    scenario_paths = []
    pos = 0
    while ("scenario", pos) in by_slot:
        scen, regions = by_slot[("scenario", pos)], by_slot.get(("regions", pos))
        scen_dir = directory / f"scenario-{pos}"
        scen_path = scen_dir / scen.name
        scen_dir.mkdir(parents=True)
        scen_path.write_bytes(_content(scen))
        if regions is not None:
            same_shipped = False
            if regions.shipped:
                with contextlib.suppress(OSError):
                    same_shipped = sha256(Path(regions.path).read_bytes()) == regions.sha256
            if not same_shipped:
                data = _content(regions)
                if _plain_relative(regions.ref) and not regions.shipped:
                    target = scen_dir / str(regions.ref)
                    target.parent.mkdir(parents=True, exist_ok=True)
                    target.write_bytes(data)
                else:  # an absolute path, one outside the scenario's folder, or a changed
                    # shipped table: the scenario is pointed at the recorded bytes
                    target = directory / f"regions-{pos}" / regions.name
                    target.parent.mkdir(parents=True)
                    target.write_bytes(data)
                    _repoint(scen_path, target, load_yaml_file)
                    notes.append(
                        f"scenario {scen.name}: regions read from the recorded copy of "
                        f"{regions.name} (the scenario's file rewritten for the rerun)"
                    )
        scenario_paths.append(str(scen_path))
        pos += 1
    return str(apps_path), scenario_paths, notes


def _repoint(scenario_file: Path, regions_file: Path, load: Any) -> None:
    import yaml

    data = load(scenario_file)
    data["regions"] = str(regions_file.absolute())
    scenario_file.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
