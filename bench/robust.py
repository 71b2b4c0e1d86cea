"""Benchmark of `allocator robust` (issue 12): samples on a local process pool and on a real
Dask cluster, per-solve time, scheduler overhead, and the extrapolation to 100,000 samples.

    python bench/robust.py                          # 1,000 samples x 500 applications
    python bench/robust.py --samples 200 --size 500 --per-solve 50

Submission: `allocator generate --n SIZE --seed 2026` (shipped provinces), scenario
scenarios/baseline.yaml (the command's default), seed 1. Steps:

(a) the whole command, `allocator robust -a FILE --samples N --seed 1 -q --out DIR` as a new
    process on the process pool (all cores), start to files written (ALLOCATOR_RUNS_DB on a
    temporary file); and the map of the N samples alone (executor.run_map, pool), in process;
(b) the same on a Dask cluster started from the command line (`dask scheduler` and 2
    `dask worker --nthreads 1` processes on loopback, tests/dask_cli.py; its start is not
    timed): the whole command with `--dask ADDRESS` and the map alone, and the files of (a)
    and (b) compared byte for byte; the map once more on a cluster whose workers run with
    their statistical profiler off (DASK_DISTRIBUTED__WORKER__PROFILE__ENABLED=False);
(c) per-solve time: --per-solve samples solved one after the other in this process (one
    worker's model, built before the clock starts), wall and CPU; Dask's overhead: 2,000
    tasks of one item that do nothing (client.map as run_map submits them), wall per task
    and the scheduler's CPU per task (read on the scheduler before and after) and this
    process's (the client's); the same per sample for the samples' own run; and what Dask
    costs per sample on this machine, (Dask map wall x workers - samples x per-solve) /
    samples (the scheduler, the client and the nannies share the 2 cores with the workers).

The extrapolation to N = 100,000 samples on W workers:
    T(W) = max(N t / W, tasks x s, tasks x c) + setup + recommendation x N / samples,
t the per-solve time, tasks = N / (samples a task: executor.dask_items_per_task(N, W)),
s and c the scheduler's and the client's CPU per task (each handles tasks one at a time: a
floor however many workers there are), setup = the whole command minus its map and its
recommendation (point solve, files, process start), the recommendation = its solve (as
here) + N x the re-draws of one sample (three draws a sample in the client, serial). The assumption: one core
per worker as fast as one core here, the same submission, the scheduler's and the client's
per-task cost as measured here, no network cost beyond loopback's.

Results on stdout and in bench/results/robust.md and robust.json (not in git).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
RESULTS = HERE / "results"
SEED = 1
NOOP_TASKS = 2000
NO_PROFILER = {"DASK_DISTRIBUTED__WORKER__PROFILE__ENABLED": "False"}
EXTRAPOLATE_SAMPLES = 100_000
EXTRAPOLATE_WORKERS = (16, 64, 256)

sys.path.insert(0, str(ROOT))  # tests/dask_cli.py: the command-line cluster


def _noop(x: int) -> int:
    return x


def _cpu() -> float:
    return time.process_time()


def timed_dask_map(fn: Any, items: range, address: str) -> tuple[list[Any], dict[str, float]]:
    """run_map on Dask: its results, and per task: wall, scheduler CPU and client (this
    process) CPU."""
    from distributed import Client

    from allocator.executor import run_map

    with Client(address) as client:
        s0 = client.run_on_scheduler(_cpu)
        c0, w0 = time.process_time(), time.perf_counter()
        found = run_map(fn, items, dask_address=address)
        wall, client_cpu = time.perf_counter() - w0, time.process_time() - c0
        scheduler_cpu = client.run_on_scheduler(_cpu) - s0
    n = len(items)
    return found, {
        "wall_s": wall,
        "scheduler_cpu_per_sample_s": scheduler_cpu / n,
        "client_cpu_per_sample_s": client_cpu / n,
    }


def noop_tasks(address: str, count: int) -> dict[str, float]:
    """``count`` tasks of one item each that do nothing (client.map, as run_map submits
    them): wall, scheduler CPU and client CPU per task."""
    from distributed import Client, as_completed

    with Client(address) as client:
        s0 = client.run_on_scheduler(_cpu)
        c0, w0 = time.process_time(), time.perf_counter()
        futures = client.map(_noop, range(count), pure=False)
        for future in as_completed(futures):
            future.result()
        wall, client_cpu = time.perf_counter() - w0, time.process_time() - c0
        scheduler_cpu = client.run_on_scheduler(_cpu) - s0
    return {
        "wall_per_task_s": wall / count,
        "scheduler_cpu_per_task_s": scheduler_cpu / count,
        "client_cpu_per_task_s": client_cpu / count,
    }


def load() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def submission(size: int) -> Path:
    from allocator.catalog import shipped_regions
    from allocator.generate import generate_rows, rows_to_csv

    RESULTS.mkdir(exist_ok=True)
    path = RESULTS / f"robust_apps_{size}.csv"
    if not path.exists():
        path.write_text(rows_to_csv(generate_rows(size, shipped_regions(), seed=2026)))
    return path


def whole_command(apps: Path, samples: int, out: Path, *extra: str) -> float:
    """Seconds for `allocator robust` as a new process, start to exit (status 0)."""
    allocator = Path(sys.executable).parent / "allocator"
    with tempfile.TemporaryDirectory() as tmp:
        env = {**os.environ, "ALLOCATOR_RUNS_DB": str(Path(tmp) / "runs.duckdb")}
        args = [str(allocator), "robust", "-a", str(apps), "--samples", str(samples)]
        args += ["--seed", str(SEED), "-q", "--out", str(out), *extra]
        t0 = time.perf_counter()
        subprocess.run(args, check=True, env=env)
        return time.perf_counter() - t0


def solver_for(apps: Path) -> tuple[Any, Any]:
    """(SampleSolver, point Allocation) as run_robust builds them."""
    from allocator.catalog import model_plans, regions_for, scenario_path
    from allocator.domain import RunOptions
    from allocator.engine import allocate
    from allocator.io.inputs import load_scenario, load_submission
    from allocator.robust import SampleSolver, intervals

    scenario = load_scenario(scenario_path("baseline"))
    regions = regions_for(scenario)
    applications = load_submission(apps, regions).applications
    options = RunOptions()
    plans = model_plans()
    point = allocate(applications, scenario, options, regions=regions, plans=plans)
    problem = point.problem
    by_id = {a.application_id: a for a in applications}
    eligible = [by_id[a] for a in problem.app_ids]
    low, high, _ = intervals(
        eligible, {a.application_id: plans[a.use_case].theme for a in eligible}
    )
    return SampleSolver(problem, options, low, high, SEED, point.scales()), point


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--samples", type=int, default=1000)
    parser.add_argument("--size", type=int, default=500)
    parser.add_argument("--per-solve", type=int, default=200, help="samples for (c)")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    args = parser.parse_args()

    from allocator.executor import dask_items_per_task, run_map
    from allocator.robust import recommend
    from tests.dask_cli import DaskCliCluster

    apps = submission(args.size)
    n, workers = args.samples, args.workers
    figures: dict[str, Any] = {"samples": n, "size": args.size, "workers": workers}
    figures["load_start"] = load()
    print(f"load average at the start: {figures['load_start']}", flush=True)
    work = Path(tempfile.mkdtemp(prefix="bench-robust-"))
    try:
        # (c) per-solve time, one worker's model
        solver, point = solver_for(apps)
        figures["eligible"] = point.problem.n
        solver.model()
        ks = range(args.per_solve)
        w0, c0 = time.perf_counter(), time.process_time()
        paths: dict[str, int] = {}
        for k in ks:
            answer = solver.model().solve(solver.fte(k))
            paths[answer.path] = paths.get(answer.path, 0) + 1
        per_solve = (time.perf_counter() - w0) / len(ks)
        figures["per_solve_s"] = per_solve
        figures["per_solve_cpu_s"] = (time.process_time() - c0) / len(ks)
        figures["per_solve_paths"] = paths
        print(f"(c) per solve: {per_solve:.4f} s wall, {figures['per_solve_cpu_s']:.4f} s CPU "
              f"({paths})", flush=True)  # fmt: skip
        t0 = time.perf_counter()
        recommend(point.problem, solver.options, solver, n)
        figures["recommendation_s"] = time.perf_counter() - t0
        t0 = time.perf_counter()
        for k in range(n):  # what recommend draws per sample: the sample twice, its twin once
            solver.fte(k)
            solver.fte(k)
            solver.fte(k, held_out=True)
        figures["redraw_per_sample_s"] = (time.perf_counter() - t0) / n

        # (a) process pool
        out_pool = work / "pool"
        figures["pool_command_s"] = whole_command(apps, n, out_pool, "--workers", str(workers))
        print(f"(a) allocator robust, pool of {workers}: {figures['pool_command_s']:.1f} s",
              flush=True)  # fmt: skip
        fresh, _ = solver_for(apps)
        t0 = time.perf_counter()
        pool_found = run_map(fresh, range(n), workers)
        figures["pool_map_s"] = time.perf_counter() - t0
        print(f"(a) map alone: {figures['pool_map_s']:.1f} s "
              f"({n / figures['pool_map_s']:.1f} samples/s)", flush=True)  # fmt: skip

        # (b) Dask, 2 command-line workers
        with DaskCliCluster(work / "dask", workers=workers) as cluster:
            out_dask = work / "dask-out"
            figures["dask_command_s"] = whole_command(apps, n, out_dask, "--dask", cluster.address)
            print(f"(b) allocator robust --dask, {workers} workers: "
                  f"{figures['dask_command_s']:.1f} s", flush=True)  # fmt: skip
            fresh, _ = solver_for(apps)
            dask_found, timing = timed_dask_map(fresh, range(n), cluster.address)
            figures["dask_map_s"] = timing["wall_s"]
            figures["dask_scheduler_cpu_per_sample_s"] = timing["scheduler_cpu_per_sample_s"]
            figures["dask_client_cpu_per_sample_s"] = timing["client_cpu_per_sample_s"]
            figures["dask_items_per_task"] = dask_items_per_task(n, workers)
            print(f"(b) map alone: {figures['dask_map_s']:.1f} s "
                  f"({n / figures['dask_map_s']:.1f} samples/s)", flush=True)  # fmt: skip
            noop = noop_tasks(cluster.address, NOOP_TASKS)
        # the same with the workers' statistical profiler off (a Dask setting: it samples the
        # task thread's stack every 10 ms, on the cores the solves use)
        with DaskCliCluster(work / "dask-np", workers=workers, env=NO_PROFILER) as cluster:
            fresh, _ = solver_for(apps)
            t0 = time.perf_counter()
            run_map(fresh, range(n), dask_address=cluster.address)
            figures["dask_map_no_profiler_s"] = time.perf_counter() - t0
            print(f"(b) map alone, profiler off: {figures['dask_map_no_profiler_s']:.1f} s",
                  flush=True)  # fmt: skip
            figures["dask_noop_task_s"] = noop["wall_per_task_s"]
            figures["dask_scheduler_cpu_per_task_s"] = noop["scheduler_cpu_per_task_s"]
            figures["dask_client_cpu_per_task_s"] = noop["client_cpu_per_task_s"]
        same_files = all(
            (out_pool / p.name).read_bytes() == p.read_bytes() for p in out_dask.iterdir()
        ) and sorted(p.name for p in out_pool.iterdir()) == sorted(
            p.name for p in out_dask.iterdir()
        )
        same_map = all(
            (a[0] == b[0]).all() and a[1:] == b[1:] for a, b in zip(pool_found, dask_found)
        )
        figures["identical_files"] = same_files
        figures["identical_results"] = same_map
        figures["dask_vs_pool_throughput"] = figures["pool_map_s"] / figures["dask_map_s"]
        figures["dask_no_profiler_vs_pool_throughput"] = (
            figures["pool_map_s"] / figures["dask_map_no_profiler_s"]
        )
        figures["dask_cost_per_sample_s"] = max(
            0.0, (figures["dask_map_s"] * workers - n * per_solve) / n
        )
        figures["load_end"] = load()
    finally:
        shutil.rmtree(work, ignore_errors=True)

    # the point solve, files and process start: the whole command minus its map and its
    # recommendation (which the extrapolation scales with the samples)
    setup = max(
        0.0, figures["pool_command_s"] - figures["pool_map_s"] - figures["recommendation_s"]
    )
    figures["setup_s"] = setup
    figures["extrapolation"] = {}
    for w in EXTRAPOLATE_WORKERS:
        per_task = dask_items_per_task(EXTRAPOLATE_SAMPLES, w)
        tasks = -(-EXTRAPOLATE_SAMPLES // per_task)
        compute = EXTRAPOLATE_SAMPLES * per_solve / w
        scheduler = tasks * figures["dask_scheduler_cpu_per_task_s"]
        client = tasks * figures["dask_client_cpu_per_task_s"]
        redraws = figures["redraw_per_sample_s"]
        recommendation = figures["recommendation_s"] - n * redraws + EXTRAPOLATE_SAMPLES * redraws
        figures["extrapolation"][w] = {
            "items_per_task": per_task,
            "tasks": tasks,
            "compute_s": compute,
            "scheduler_s": scheduler,
            "client_s": client,
            "recommendation_s": recommendation,
            "total_s": max(compute, scheduler, client) + setup + recommendation,
        }
    lines = report(figures)
    print("\n".join(lines))
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "robust.md").write_text("\n".join(lines) + "\n")
    (RESULTS / "robust.json").write_text(json.dumps(figures, indent=2) + "\n")


def report(f: dict[str, Any]) -> list[str]:
    n, w = f["samples"], f["workers"]
    lines = [
        f"load average {f['load_start']} at the start, {f['load_end']} at the end",
        f"submission: generated {f['size']} applications ({f['eligible']} eligible), "
        f"{n} samples, {w} workers",
        "",
        "| what | seconds | samples/s |",
        "|---|---|---|",
        f"| (a) `allocator robust`, process pool, whole command | {f['pool_command_s']:.1f} | "
        f"{n / f['pool_command_s']:.1f} |",
        f"| (a) map of the samples alone, pool | {f['pool_map_s']:.1f} | "
        f"{n / f['pool_map_s']:.1f} |",
        f"| (b) `allocator robust --dask`, {w} `dask worker` processes, whole command | "
        f"{f['dask_command_s']:.1f} | {n / f['dask_command_s']:.1f} |",
        f"| (b) map of the samples alone, Dask | {f['dask_map_s']:.1f} | "
        f"{n / f['dask_map_s']:.1f} |",
        f"| (b) the same, the workers' profiler off | {f['dask_map_no_profiler_s']:.1f} | "
        f"{n / f['dask_map_no_profiler_s']:.1f} |",
        f"| (c) one solve, one core (wall / CPU) | {f['per_solve_s']:.4f} / "
        f"{f['per_solve_cpu_s']:.4f} | |",
        f"| (c) Dask, per task of one no-op item ({NOOP_TASKS} tasks): wall / scheduler CPU / "
        f"client CPU | {f['dask_noop_task_s'] * 1e3:.2f} / "
        f"{f['dask_scheduler_cpu_per_task_s'] * 1e3:.2f} / "
        f"{f['dask_client_cpu_per_task_s'] * 1e3:.2f} ms | |",
        f"| (c) Dask, the samples' run ({f['dask_items_per_task']} samples a task), per sample: "
        f"scheduler CPU / client CPU | {f['dask_scheduler_cpu_per_sample_s'] * 1e3:.2f} / "
        f"{f['dask_client_cpu_per_sample_s'] * 1e3:.2f} ms | |",
        f"| (c) Dask's cost per sample on this machine ((map x workers - samples x solve) / "
        f"samples) | {f['dask_cost_per_sample_s'] * 1e3:.2f} ms | |",
        f"| recommendation (mean FTE solve and {n} x 3 re-draws) | {f['recommendation_s']:.2f} | |",
        f"| of which re-draws, per sample | {f['redraw_per_sample_s'] * 1e3:.3f} ms | |",
        "",
        f"Dask throughput / pool throughput (maps): {f['dask_vs_pool_throughput']:.3f}, "
        f"profiler off {f['dask_no_profiler_vs_pool_throughput']:.3f}; whole commands "
        f"{f['pool_command_s'] / f['dask_command_s']:.3f}; files "
        f"byte-identical: {f['identical_files']}; per-sample results identical: "
        f"{f['identical_results']}",
        "",
        f"| workers | samples a task | tasks | {EXTRAPOLATE_SAMPLES:,} samples: compute s | "
        "scheduler s | client s | recommendation s | total s |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for workers, e in f["extrapolation"].items():
        lines.append(
            f"| {workers} | {e['items_per_task']} | {e['tasks']:,} | {e['compute_s']:.0f} | "
            f"{e['scheduler_s']:.1f} | {e['client_s']:.1f} | {e['recommendation_s']:.0f} | "
            f"{e['total_s']:.0f} |"
        )
    return lines


if __name__ == "__main__":
    main()
