"""The run history (CONTRACT.md, "Run history"): solve, compare and sweep recorded in DuckDB;
runs list/show/diff; rerun byte-identical from the stored inputs, and naming what differs;
two processes writing at once; a store that cannot be written only warns."""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner

from allocator import history
from allocator.catalog import sample_applications_path, scenario_path
from allocator.cli import main

PROVINCES = Path(__file__).resolve().parents[1] / "allocator" / "data" / "regions" / "provinces.csv"


def _invoke(*args: str):  # type: ignore[no-untyped-def]
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def _files(directory: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(directory.iterdir()) if p.is_file()}


def _ids(output: str) -> list[str]:
    return [line.split()[0] for line in output.splitlines() if line.strip()]


def test_default_path_is_per_user(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv(history.DB_ENV, str(tmp_path / "x.duckdb"))
    assert history.db_path() == tmp_path / "x.duckdb"
    monkeypatch.delenv(history.DB_ENV)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    assert history.db_path() == tmp_path / "data" / "allocator" / "runs.duckdb"
    monkeypatch.delenv("XDG_DATA_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    expected = tmp_path / "home" / ".local" / "share" / "allocator" / "runs.duckdb"
    assert history.db_path() == expected


def test_solve_recorded_listed_shown_diffed_and_rerun_byte_identical(
    db: Path, tmp_path: Path
) -> None:
    first, second = tmp_path / "first", tmp_path / "second"
    assert _invoke("solve", "-q", "--out", str(first)).exit_code == 0
    assert _invoke("solve", "-q", "--no-xlsx", "--out", str(second)).exit_code == 0
    assert db.is_file()

    listed = _invoke("runs", "list")
    assert listed.exit_code == 0
    lines = listed.output.splitlines()
    assert len(lines) == 2
    run_a, run_b = _ids(listed.output)
    fields = lines[0].split()
    assert fields[0] == run_a and fields[3] == "solve" and fields[4] == "baseline"
    assert fields[5] == "optimal" and fields[6] == "20,949.316"

    shown = _invoke("runs", "show", run_a)
    assert shown.exit_code == 0
    sample = hashlib.sha256(sample_applications_path().read_bytes()).hexdigest()
    scen = hashlib.sha256(scenario_path("baseline").read_bytes()).hexdigest()
    provinces = hashlib.sha256(PROVINCES.read_bytes()).hexdigest()
    for digest in (sample, scen, provinces):
        assert digest in shown.output
    for name, data in _files(first).items():
        assert name in shown.output and hashlib.sha256(data).hexdigest() in shown.output
    for word in ("highspy", "ortools", "pulp", "allocator 0.1", "objective_fte", "timings"):
        assert word in shown.output

    run = history.get_run(run_a, contents=True)
    assert {(f.role, f.pos) for f in run.inputs} == {
        ("applications", 0), ("scenario", 0), ("regions", 0),
    }  # fmt: skip
    assert all(f.content is not None for f in run.inputs)
    assert {f.name: f.content for f in run.outputs} == _files(first)
    assert run.options["solver"] and run.options["xlsx"] is True
    assert run.versions["highspy"] and "python" in run.versions
    assert run.figures["objective_fte"] == pytest.approx(20949.316, abs=1e-3)
    assert run.status == "optimal" and run.gap is not None and "solve" in run.timings

    diffed = _invoke("runs", "diff", run_a, run_b)
    assert diffed.exit_code == 0
    assert "option xlsx: True -> False" in diffed.output
    assert "output awards.xlsx: only in " + run_a in diffed.output
    assert "input " not in diffed.output  # the same files
    prefix = next(run_a[:n] for n in range(1, 19) if not run_b.startswith(run_a[:n]))
    assert "no differences" in _invoke("runs", "diff", run_a, prefix).output  # a unique prefix

    again = tmp_path / "again"
    rerun = _invoke("rerun", run_a, "--out", str(again))
    assert rerun.exit_code == 0, rerun.output
    assert "byte-identical" in rerun.output
    assert _files(again) == _files(first)
    assert len(_ids(_invoke("runs", "list").output)) == 2  # a rerun is not recorded


def test_rerun_names_the_file_that_differs(db: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert _invoke("solve", "-q", "--out", str(out)).exit_code == 0
    (run_id,) = _ids(_invoke("runs", "list").output)
    tampered = b"tampered\n"
    with history.connect(db) as con:
        con.execute(
            "UPDATE outputs SET content = ?, sha256 = ?, size = ? "
            "WHERE run_id = ? AND name = 'awards.csv'",
            [tampered, hashlib.sha256(tampered).hexdigest(), len(tampered), run_id],
        )
    result = CliRunner().invoke(main, ["rerun", run_id, "--out", str(tmp_path / "again")])
    assert result.exit_code == 1
    assert "awards.csv: differs" in result.output
    assert "summary.json" not in result.output  # only what differs is named


def test_rerun_reads_the_recorded_inputs_not_the_changed_originals(
    db: Path, tmp_path: Path
) -> None:
    """A scenario with its own region table (relative path) and applications copied to a
    folder of the user's; the originals then change or vanish: rerun still reproduces."""
    mine = tmp_path / "mine"
    (mine / "tables").mkdir(parents=True)
    shutil.copy(PROVINCES, mine / "tables" / "provinces-copy.csv")
    apps = mine / "apps.csv"
    shutil.copy(sample_applications_path(), apps)
    scen = mine / "my-scenario.yaml"
    scen.write_text(
        scenario_path("baseline").read_text(encoding="utf-8")
        + "\nregions: tables/provinces-copy.csv\n",
        encoding="utf-8",
    )
    out = tmp_path / "out"
    result = _invoke("solve", "-q", "-a", str(apps), "-s", str(scen), "--out", str(out))
    assert result.exit_code == 0, result.output
    (run_id,) = _ids(_invoke("runs", "list").output)
    run = history.get_run(run_id)
    regions = next(f for f in run.inputs if f.role == "regions")
    assert regions.ref == "tables/provinces-copy.csv" and not regions.shipped
    assert "my-scenario" in _invoke("runs", "list").output

    scen.write_text("name: changed\n", encoding="utf-8")
    apps.write_text("garbage\n", encoding="utf-8")
    shutil.rmtree(mine / "tables")
    again = tmp_path / "again"
    rerun = _invoke("rerun", run_id, "--out", str(again))
    assert rerun.exit_code == 0, rerun.output
    assert _files(again) == _files(out)


def test_compare_and_sweep_recorded_and_rerun(db: Path, tmp_path: Path) -> None:
    apps = tmp_path / "apps.csv"  # a small synthetic submission: quick solves
    assert _invoke("generate", "--n", "60", "--seed", "7", "--out", str(apps)).exit_code == 0
    cmp_out, sweep_out = tmp_path / "cmp", tmp_path / "sweep"
    baseline, bar9 = str(scenario_path("baseline")), str(scenario_path("bar-9"))
    args = ["compare", baseline, bar9, "-a", str(apps), "--workers", "1", "-q"]
    assert _invoke(*args, "--out", str(cmp_out)).exit_code == 0
    args = ["sweep", "--set", "theme_budgets.ai=150e6,275e6", "-a", str(apps), "--workers", "1"]
    assert _invoke(*args, "-q", "--out", str(sweep_out)).exit_code == 0
    listed = _invoke("runs", "list").output.splitlines()
    assert [line.split()[3] for line in listed] == ["compare", "sweep"]
    assert listed[0].split()[4] == "baseline,bar-9"
    assert "optimal=2" in listed[0] and "feasible=2" in listed[0]
    cmp_id, sweep_id = _ids("\n".join(listed))
    assert _ids(_invoke("runs", "list", "--command", "sweep").output) == [sweep_id]

    cmp_run = history.get_run(cmp_id)
    assert [f.name for f in cmp_run.inputs if f.role == "scenario"] == [
        "baseline.yaml", "bar-9.yaml",
    ]  # fmt: skip
    assert cmp_run.figures["baseline:optimal"]["status"] == "optimal"
    sweep_run = history.get_run(sweep_id)
    assert sweep_run.options["sets"] == [["theme_budgets.ai", [150e6, 275e6]]]
    assert sweep_run.figures["points"] == 2
    assert "--set" in sweep_run.argv

    for run_id, original in ((cmp_id, cmp_out), (sweep_id, sweep_out)):
        again = tmp_path / f"again-{run_id}"
        rerun = _invoke("rerun", run_id, "--out", str(again))
        assert rerun.exit_code == 0, rerun.output
        assert _files(again) == _files(original)


def test_unwritable_store_only_warns_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder", encoding="utf-8")
    monkeypatch.setenv(history.DB_ENV, str(blocker / "runs.duckdb"))
    monkeypatch.setattr(history, "_WARNED", False)
    out = tmp_path / "out"
    result = CliRunner().invoke(main, ["solve", "-q", "--out", str(out)])
    assert result.exit_code == 0
    assert result.stderr.count("warning: run not recorded in the run history") == 1
    assert (out / "awards.csv").is_file()
    assert history.record("solve", out, params={}) is None  # again: no second warning
    assert history.record("solve", out, params={}) is None


def test_unwritable_store_warning_on_stderr(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / "summary.json").write_text("{}", encoding="utf-8")
    not_a_db = tmp_path / "junk.duckdb"
    not_a_db.write_bytes(b"this is not a DuckDB file" * 100)
    monkeypatch.setenv(history.DB_ENV, str(not_a_db))
    monkeypatch.setattr(history, "_WARNED", False)
    assert history.record("solve", out, params={}) is None
    assert history.record("solve", out, params={}) is None
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.count("warning: run not recorded") == 1


def test_store_locked_too_long_only_warns(
    db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / "summary.json").write_text('{"status": "optimal"}', encoding="utf-8")
    assert history.record("solve", out, params={})
    holder = subprocess.Popen(
        [sys.executable, "-c", _HOLD.format(db=str(db))], stdout=subprocess.PIPE, text=True
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "locked"
        monkeypatch.setattr(history, "LOCK_WAIT_S", 0.3)
        assert history.record("solve", out, params={}) is None
        assert "locked by another process" in capsys.readouterr().err
        monkeypatch.setattr(history, "LOCK_WAIT_S", 10.0)  # the holder lets go after ~2 s
        assert history.record("solve", out, params={})
    finally:
        holder.wait(timeout=30)
    assert len(history.list_runs(db)) == 2


_HOLD = """
import duckdb, sys, time
con = duckdb.connect({db!r})
print("locked", flush=True)
time.sleep(2)
con.close()
"""

_WRITER = """
import sys, time
from pathlib import Path
from allocator import history
out, start, tag = Path(sys.argv[1]), float(sys.argv[2]), sys.argv[3]
while time.time() < start:
    time.sleep(0.005)
ids = [history.record("solve", out, params={{"writer": tag, "n": n}}) for n in range({n})]
print(" ".join(str(i) for i in ids))
"""


def test_two_processes_writing_at_once(db: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / "summary.json").write_text(
        '{"status": "optimal", "objective_fte": 1.5}', encoding="utf-8"
    )
    (out / "awards.csv").write_bytes(os.urandom(200_000))  # a write that takes a while
    import time

    start = f"{time.time() + 3:.3f}"  # both start together, after their imports
    script = textwrap.dedent(_WRITER.format(n=5))
    writers = [
        subprocess.Popen(
            [sys.executable, "-c", script, str(out), start, tag],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for tag in ("a", "b")
    ]
    results = [w.communicate(timeout=120) for w in writers]
    for writer, (stdout, stderr) in zip(writers, results):
        assert writer.returncode == 0, stderr
        assert "warning" not in stderr, stderr
        assert "None" not in stdout.split()
    ids = [i for stdout, _ in results for i in stdout.split()]
    assert len(ids) == 10 and len(set(ids)) == 10

    runs = history.list_runs(db)  # the store opens, and every record is there, whole
    assert sorted(r.run_id for r in runs) == sorted(ids)
    assert sorted((r.options["writer"], r.options["n"]) for r in runs) == [
        (w, n) for w in "ab" for n in range(5)
    ]
    awards = (out / "awards.csv").read_bytes()
    for run_id in ids:
        run = history.get_run(run_id, contents=True)
        assert {f.name: f.content for f in run.outputs}["awards.csv"] == awards
        assert {f.role for f in run.inputs} == {"applications", "scenario", "regions"}
    with history.connect(db) as con:  # and it still takes writes
        assert con.execute("SELECT count(*) FROM runs").fetchone() == (10,)


def test_large_inputs_are_hashed_not_stored(
    db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    apps = tmp_path / "apps.csv"
    shutil.copy(sample_applications_path(), apps)
    monkeypatch.setattr(history, "MAX_STORED_BYTES", 10_000)  # the sample is ~49 kB
    out = tmp_path / "out"
    assert _invoke("solve", "-q", "-a", str(apps), "--out", str(out)).exit_code == 0
    (run_id,) = _ids(_invoke("runs", "list").output)
    run = history.get_run(run_id, contents=True)
    stored = {f.role: f.content is not None for f in run.inputs}
    assert stored == {"applications": False, "scenario": True, "regions": True}
    assert "NOT stored (too large)" in _invoke("runs", "show", run_id).output
    assert _invoke("rerun", run_id, "--out", str(tmp_path / "r1")).exit_code == 0
    apps.write_text("changed\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["rerun", run_id, "--out", str(tmp_path / "r2")])
    assert result.exit_code == 2
    assert "apps.csv" in result.stderr and "not stored" in result.stderr


def test_empty_or_missing_store_and_unknown_run(db: Path) -> None:
    result = CliRunner().invoke(main, ["runs", "list"])
    assert result.exit_code == 0 and result.stdout == ""
    assert "no runs recorded" in result.stderr
    assert not db.exists()  # reading does not create it
    result = CliRunner().invoke(main, ["runs", "show", "nope"])
    assert result.exit_code == 2 and "no run history" in result.stderr
    result = CliRunner().invoke(main, ["rerun", "nope", "--out", "x"])
    assert result.exit_code == 2
    assert _invoke("runs", "path").output.strip() == str(db)
