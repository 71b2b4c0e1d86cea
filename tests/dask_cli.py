"""A real Dask cluster on loopback for the tests and the benchmark: one ``dask scheduler``
and N ``dask worker`` processes started from this interpreter's environment (the ``dask``
command next to sys.executable), as a user would start them on a cluster.

The scheduler listens on a port the system picks (``--port 0``) and writes its address to a
scheduler file; each worker reads that file, runs one thread, under a nanny (the default of
``dask worker``: a killed worker process is started again). Every process runs in its own
session, so teardown ends it and its children (SIGTERM, then SIGKILL) and nothing else.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
START_TIMEOUT_S = 90.0
"""How long the scheduler and the workers may take to come up (a busy 2-core machine)."""


def dask_command() -> Path | None:
    """The ``dask`` command of this environment, None when distributed is not installed."""
    found = Path(sys.executable).parent / "dask"
    return found if found.exists() else None


class DaskCliCluster:
    """``with DaskCliCluster(tmp, workers=2) as cluster:`` -> cluster.address, .client()."""

    def __init__(
        self,
        directory: Path,
        workers: int = 2,
        nanny: bool = True,
        env: dict[str, str] | None = None,
    ):
        self.directory = Path(directory)
        self.workers = workers
        self.nanny = nanny
        self.env = dict(env or {})  # for the scheduler and the workers (Dask config)
        self.procs: list[subprocess.Popen[bytes]] = []
        self.logs: list[Path] = []
        self.address = ""

    # ---- start and stop ---------------------------------------------------------------

    def __enter__(self) -> DaskCliCluster:
        try:
            self.start()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _spawn(self, name: str, args: list[str]) -> None:
        dask = dask_command()
        if dask is None:
            raise RuntimeError("the dask command is not installed (pip install distributed)")
        log = self.directory / f"{name}.log"
        self.logs.append(log)
        env = {**os.environ, **self.env}
        # the workers unpickle test helpers by module name (tests.test_robust_dask)
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
        with open(log, "wb") as out:
            self.procs.append(
                subprocess.Popen(
                    [str(dask), *args],
                    cwd=ROOT,
                    env=env,
                    stdout=out,
                    stderr=subprocess.STDOUT,
                    start_new_session=True,
                )
            )

    def start(self) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        scheduler_file = self.directory / "scheduler.json"
        self._spawn(
            "scheduler",
            ["scheduler", "--host", "127.0.0.1", "--port", "0", "--no-dashboard",
             "--scheduler-file", str(scheduler_file)],
        )  # fmt: skip
        deadline = time.monotonic() + START_TIMEOUT_S
        while not scheduler_file.exists():
            self._check_alive(deadline, "the scheduler did not write its address")
            time.sleep(0.1)
        while not self.address:
            try:
                self.address = json.loads(scheduler_file.read_text(encoding="utf-8"))["address"]
            except (ValueError, KeyError):  # being written
                self._check_alive(deadline, "the scheduler file stayed unreadable")
                time.sleep(0.1)
        for k in range(self.workers):
            self._spawn(
                f"worker-{k}",
                ["worker", "--scheduler-file", str(scheduler_file), "--host", "127.0.0.1",
                 "--nthreads", "1", "--nworkers", "1", "--name", f"worker-{k}",
                 "--no-dashboard", "--local-directory", str(self.directory / f"w{k}"),
                 "--nanny" if self.nanny else "--no-nanny"],
            )  # fmt: skip
        self.wait_for_workers(self.workers, deadline)

    def stop(self) -> None:
        for proc in self.procs:
            if proc.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.pid, signal.SIGTERM)
        end = time.monotonic() + 10
        for proc in self.procs:
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.wait(max(0.1, end - time.monotonic()))
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(proc.pid, signal.SIGKILL)  # the session: a nanny's worker child too
            proc.wait()
        self.procs.clear()

    def _check_alive(self, deadline: float, what: str) -> None:
        dead = [p for p in self.procs if p.poll() is not None]
        if dead or time.monotonic() > deadline:
            raise RuntimeError(f"{what}; logs:\n{self.log_text()}")

    def log_text(self) -> str:
        return "\n".join(
            f"--- {log.name}\n{log.read_text(encoding='utf-8', errors='replace')[-3000:]}"
            for log in self.logs
            if log.exists()
        )

    # ---- talking to it ------------------------------------------------------------------

    def client(self) -> Any:
        from distributed import Client

        return Client(self.address, timeout=30)

    def worker_pids(self) -> dict[str, int]:
        """Worker address -> the pid of the process that runs its tasks."""
        with self.client() as client:
            return dict(client.run(os.getpid))

    def wait_for_workers(self, count: int, deadline: float | None = None) -> None:
        deadline = deadline or time.monotonic() + START_TIMEOUT_S
        with self.client() as client:
            while len(client.nthreads()) < count:
                self._check_alive(deadline, f"fewer than {count} workers came up")
                time.sleep(0.2)
