"""allocator robust in the run history: recorded with its figures, listed, shown, and rerun
byte-identical (locally, also where the recorded run used a Dask cluster)."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from allocator import history
from allocator.cli import main

from .test_history import _files, _invoke
from .test_robust import _small_files


def test_robust_recorded_listed_shown_and_rerun_byte_identical(db: Path, tmp_path: Path) -> None:
    apps, scen = _small_files(tmp_path, "wide")
    out = tmp_path / "out"
    args = ["robust", "-a", str(apps), "-s", str(scen), "--samples", "6", "--seed", "2"]
    assert _invoke(*args, "--workers", "1", "-q", "--out", str(out)).exit_code == 0
    listed = _invoke("runs", "list", "--command", "robust").output.splitlines()
    assert len(listed) == 1
    fields = listed[0].split()
    run_id = fields[0]
    assert fields[3:6] == ["robust", "small", "optimal"]
    run = history.get_run(run_id)
    assert run.argv == [
        "robust", "--applications", str(apps), "--scenario", str(scen), "--samples", "6",
        "--seed", "2", "--workers", "1", "--out", str(out),
    ]  # fmt: skip
    assert run.options == {
        "dask_address": None, "samples": 6, "seed": 2, "workers": 1, "cvar_alpha": None
    }  # fmt: skip
    assert run.figures["samples"] == 6 and run.figures["seed"] == 2
    assert run.figures["solver"] == "highs"
    assert run.objective == pytest.approx(run.figures["point_fte"])
    assert set(run.figures["classes"]) == {"core", "borderline", "exterior"}
    assert set(run.figures["recommendation"]) >= {"fte_mean", "fte_p10", "differs"}
    assert {"total", "point", "samples", "recommendation"} <= set(run.timings)
    assert {f.name for f in run.outputs} >= {
        "robust.csv", "robust_summary.json", "robust_recommendation.csv"
    }  # fmt: skip
    shown = _invoke("runs", "show", run_id)
    assert "recommendation.fte_mean" in shown.output
    again = tmp_path / "again"
    rerun = _invoke("rerun", run_id, "--out", str(again))
    assert rerun.exit_code == 0, rerun.output
    assert _files(again) == _files(out)


def test_a_dask_run_is_rerun_here(db: Path, tmp_path: Path) -> None:
    """A run recorded with --dask (its cluster long gone) reruns locally, byte-identical."""
    apps, scen = _small_files(tmp_path, "wide")
    out = tmp_path / "out"
    params = {
        "applications": str(apps),
        "scenario": str(scen),
        "samples": 4,
        "seed": 9,
        "workers": None,
        "dask_address": "tcp://127.0.0.1:1",
        "out": str(out),
        "cvar_alpha": None,
        "quiet": True,
    }
    args = ["robust", "-a", str(apps), "-s", str(scen), "--samples", "4", "--seed", "9"]
    assert _invoke(*args, "-q", "--out", str(out)).exit_code == 0  # recorded too: fine
    run_id = history.record(
        "robust", out, applications=str(apps), scenarios=[str(scen)], params=params
    )
    assert run_id is not None
    run = history.get_run(run_id)
    assert "--dask" in run.argv and run.argv[run.argv.index("--dask") + 1] == "tcp://127.0.0.1:1"
    again = tmp_path / "again"
    rerun = CliRunner().invoke(main, ["rerun", run_id, "--out", str(again)])
    assert rerun.exit_code == 0, rerun.output
    assert "not on the recorded Dask cluster" in rerun.output
    assert _files(again) == _files(out)


def test_a_cvar_run_is_recorded_and_rerun(db: Path, tmp_path: Path) -> None:
    apps, scen = _small_files(tmp_path, "wide")
    out = tmp_path / "out"
    args = ["robust", "-a", str(apps), "-s", str(scen), "--samples", "5", "--cvar", "0.2"]
    assert _invoke(*args, "--workers", "1", "-q", "--out", str(out)).exit_code == 0
    run = history.get_run(_invoke("runs", "list").output.split()[0])
    assert run.argv[run.argv.index("--cvar") + 1] == "0.2"
    assert run.figures["cvar"]["alpha"] == 0.2
    again = tmp_path / "again"
    assert _invoke("rerun", run.run_id, "--out", str(again)).exit_code == 0
    assert _files(again) == _files(out)
