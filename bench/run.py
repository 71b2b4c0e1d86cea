"""Benchmark: read, build, solve and write times per solver stack, and the whole process.

    python bench/run.py                      # 300, 1000, 5000, 20000 applications
    python bench/run.py --sizes 5000 --solvers highs

Instances: SYNTHETIC submissions from `allocator generate` (seed 2026) on 38 synthetic
regions (the 38 IZA regions have no public population table), with every constraint family
on: ceiling, 3 theme budgets, 3 years with carry-over, 38 region caps, exclusive groups,
partial scaling. Results go to stdout and bench/results/ (not in git).
"""

from __future__ import annotations

import argparse
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results"
SCENARIO = """name: bench-all-families
ceiling: 600000000
theme_budgets: {ai: 275000000, digital_hybrid: 275000000, medtech: 50000000}
year_budgets: {2027: 250000000, 2028: 250000000, 2029: 100000000}
carry_over: true
impact_bar: 17
region_max_factor: 1.5
regions: regions38.csv
"""


def make_inputs(n: int) -> tuple[Path, Path]:
    from allocator.generate import generate_rows, regions_to_csv, rows_to_csv, synthetic_regions

    RESULTS.mkdir(exist_ok=True)
    table = synthetic_regions(38)
    (RESULTS / "regions38.csv").write_text(regions_to_csv(table))
    scenario = RESULTS / "scenario.yaml"
    scenario.write_text(SCENARIO)
    apps = RESULTS / f"apps_{n}.csv"
    if not apps.exists():
        apps.write_text(rows_to_csv(generate_rows(n, table, seed=2026)))
    return apps, scenario


def in_process(
    apps: Path, scenario: Path, solver: str, time_limit: float
) -> dict[str, float | str]:
    from allocator.catalog import regions_for
    from allocator.domain import RunOptions
    from allocator.engine import allocate
    from allocator.io.inputs import load_scenario, load_submission
    from allocator.run_output import write_run

    t0 = time.perf_counter()
    scen = load_scenario(scenario)
    regions = regions_for(scen)
    sub = load_submission(apps, regions)
    t_read = time.perf_counter() - t0
    alloc = allocate(
        sub.applications, scen, RunOptions(solver=solver, time_limit_s=time_limit), regions=regions
    )
    t1 = time.perf_counter()
    write_run(alloc, RESULTS / f"out_{solver}_{len(sub.applications)}")
    t_write = time.perf_counter() - t1
    tm = alloc.timings_s
    r = alloc.result
    return {
        "read": t_read,
        "build": tm.get("eligibility_and_rows", 0) + tm.get("build", 0) + tm.get("reduce", 0),
        "solve": tm.get("solve", 0),
        "write": t_write,
        "status": r.status.value,
        "fte": r.objective_fte or 0.0,
        "gap": r.gap if r.gap is not None else float("nan"),
    }


def whole_process(apps: Path, scenario: Path, repeats: int) -> float:
    """Median wall time of `allocator solve` from process start to files written."""
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        subprocess.run(
            [sys.executable, "-m", "allocator.cli", "solve", "-q", "-a", str(apps), "-s", str(scenario),
             "-o", str(RESULTS / "out_cli")],
            check=True,
        )  # fmt: skip
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", type=int, nargs="+", default=[300, 1000, 5000, 20000])
    parser.add_argument(
        "--solvers",
        nargs="+",
        default=["highs", "ortools-highs", "ortools-scip", "pulp-highs", "pulp-cbc"],
    )
    parser.add_argument("--time-limit", type=float, default=120.0)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()

    lines = [
        f"machine: {platform.processor() or platform.machine()}, {platform.system()}, Python {platform.python_version()}",
        "",
        "| n | solver | read s | build s | solve s | write s | status | FTE | gap |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    print("\n".join(lines), flush=True)
    process_lines = [
        "",
        "| n | `allocator solve` process start to files written (median of runs), s |",
        "|---|---|",
    ]
    for n in args.sizes:
        apps, scenario = make_inputs(n)
        for solver in args.solvers:
            r = in_process(apps, scenario, solver, args.time_limit)
            line = (
                f"| {n} | {solver} | {r['read']:.2f} | {r['build']:.2f} | {r['solve']:.2f} | {r['write']:.2f} "
                f"| {r['status']} | {r['fte']:.3f} | {r['gap']:.1e} |"
            )
            lines.append(line)
            print(line, flush=True)
        process_lines.append(f"| {n} | {whole_process(apps, scenario, args.repeats):.2f} |")
        print(process_lines[-1], flush=True)
    (RESULTS / "latest.md").write_text("\n".join(lines + process_lines) + "\n")


if __name__ == "__main__":
    main()
