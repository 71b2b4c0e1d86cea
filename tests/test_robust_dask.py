"""allocator robust on a real Dask cluster: a ``dask scheduler`` and two ``dask worker``
processes started from the command line on loopback (tests/dask_cli.py), byte for byte the
local run, and workers killed mid-run (SIGKILL on the worker process; its nanny starts it
again) losing and duplicating nothing.

Skipped where distributed is not installed, except under CI (CI=1), where they must run.
"""

from __future__ import annotations

import itertools
import os
import signal
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from allocator.catalog import shipped_regions
from allocator.executor import run_map
from allocator.io.inputs import load_scenario, load_submission
from allocator.robust import render, run_robust

from .dask_cli import DaskCliCluster, dask_command
from .test_robust import _run, _same_files, _small_files


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DaskCliCluster]:
    if dask_command() is None:
        if os.environ.get("CI"):
            pytest.fail("CI: the dask command is missing (pip install -e '.[dev]')")
        pytest.skip("distributed is not installed")
    with DaskCliCluster(tmp_path_factory.mktemp("dask"), workers=2) as started:
        yield started


@pytest.fixture
def ready(cluster: DaskCliCluster) -> DaskCliCluster:
    """The cluster with both workers up (a test before may have killed one)."""
    cluster.wait_for_workers(2)
    return cluster


def test_cli_cluster_gives_the_same_bytes(tmp_path: Path, ready: DaskCliCluster) -> None:
    apps, scen = _small_files(tmp_path, "wide")
    local, remote = tmp_path / "local", tmp_path / "dask"
    _run(apps, scen, local, "--samples", "12", "--seed", "3", "--workers", "2")
    _run(apps, scen, remote, "--samples", "12", "--seed", "3", "--dask", ready.address)
    _same_files(local, remote)


def _counted_once(progress: list[int], total: int) -> None:
    """Progress from 0 to ``total``, rising at every call: each item counted once."""
    assert progress[0] == 0 and progress[-1] == total
    assert all(a < b for a, b in itertools.pairwise(progress))


def _killer(cluster: DaskCliCluster, at: int, killed: list[int]):  # type: ignore[no-untyped-def]
    """A progress callback that SIGKILLs one worker process once ``at`` items are done."""
    pids = sorted(cluster.worker_pids().values())

    def progress(done: int, total: int) -> None:
        if done >= at and not killed:
            os.kill(pids[-1], signal.SIGKILL)
            killed.append(pids[-1])

    return progress


def test_robust_with_a_worker_killed_mid_run_is_byte_identical(
    tmp_path: Path, ready: DaskCliCluster
) -> None:
    apps_file, scen_file = _small_files(tmp_path, "wide")
    apps = load_submission(apps_file, shipped_regions()).applications
    scenario = load_scenario(scen_file)
    samples = 40
    local = run_robust(apps, scenario, samples, 8, workers=1)
    killed: list[int] = []
    seen: list[int] = []
    kill = _killer(ready, 6, killed)

    def progress(done: int, total: int) -> None:
        seen.append(done)
        kill(done, total)

    remote = run_robust(apps, scenario, samples, 8, dask_address=ready.address, progress=progress)
    assert killed  # a worker process was killed while samples were left
    _counted_once(seen, samples)
    assert render(local) == render(remote)
    ready.wait_for_workers(2)  # its nanny started it again
    assert killed[0] not in ready.worker_pids().values()


class _SlowSquare:
    """x -> (x * x, the pid that computed it), slowly enough for a kill to land mid-run."""

    def __init__(self, seconds: float):
        self.seconds = seconds

    def __call__(self, x: int) -> tuple[int, int]:
        time.sleep(self.seconds)
        return x * x, os.getpid()


@pytest.mark.parametrize("count", [60, 400])  # one item a task; blocks of 12 a task
def test_run_map_with_a_worker_killed_mid_run_loses_and_duplicates_nothing(
    ready: DaskCliCluster, count: int
) -> None:
    items = list(range(count))
    killed: list[int] = []
    counted: list[int] = []
    kill = _killer(ready, count // 6, killed)

    def progress(done: int, total: int) -> None:
        counted.append(done)
        kill(done, total)

    seconds = 3.0 / count  # about 1.5 s of work for each of the two workers
    found = run_map(_SlowSquare(seconds), items, dask_address=ready.address, progress=progress)
    assert killed
    assert [square for square, _ in found] == [x * x for x in items]
    _counted_once(counted, len(items))
    assert len({pid for _, pid in found}) >= 2  # both workers took part


class _DiesOnce:
    """Squares; the worker computing item ``at`` dies the first time (a marker file says it
    happened), as a worker process crashing inside a task."""

    def __init__(self, marker: Path, at: int):
        self.marker, self.at = marker, at

    def __call__(self, x: int) -> int:
        time.sleep(0.05)
        if x == self.at and not self.marker.exists():
            self.marker.write_text("died", encoding="utf-8")
            os._exit(1)
        return x * x


def test_a_worker_dying_in_a_task_loses_and_duplicates_nothing(
    tmp_path: Path, ready: DaskCliCluster
) -> None:
    marker = tmp_path / "died"
    items = list(range(30))
    counted: list[int] = []
    found = run_map(
        _DiesOnce(marker, 7),
        items,
        dask_address=ready.address,
        progress=lambda done, total: counted.append(done),
    )
    assert marker.exists()  # a worker did die
    assert found == [x * x for x in items]
    _counted_once(counted, len(items))


def test_sweep_on_the_cluster_writes_the_same_file(tmp_path: Path, ready: DaskCliCluster) -> None:
    """sweep goes through the same executor as robust: --dask gives the local bytes."""
    import subprocess
    import sys

    def sweep(out: Path, *extra: str) -> None:
        done = subprocess.run(
            [sys.executable, "-m", "allocator.cli", "sweep", "-q", "--set", "impact_bar=9,17,35",
             "--set", "theme_budgets.ai=200e6,275e6", "-o", str(out), *extra],
            capture_output=True, text=True,
        )  # fmt: skip
        assert done.returncode == 0, done.stderr

    sweep(tmp_path / "local", "--workers", "2")
    sweep(tmp_path / "dask", "--dask", ready.address)
    local = (tmp_path / "local" / "sweep.csv").read_bytes()
    assert local == (tmp_path / "dask" / "sweep.csv").read_bytes()
    assert local.count(b"\n") == 1 + 6  # header and every point
