"""Benchmark of `allocator solve --explain`: every eligible application's forced/removed loss
and every budget cap's shadow price, by re-solve.

    python bench/explain.py                 # the shipped sample, then 500 and 1,000 generated
    python bench/explain.py --sizes 5000

Generated submissions use `allocator generate` (seed 2026) on the shipped provinces under
scenarios/baseline.yaml. Results go to stdout and bench/results/explain.md.
"""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results"


def run(path: Path, label: str, workers: int) -> str:
    from allocator.catalog import regions_for, scenario_path
    from allocator.engine import allocate
    from allocator.explain import explain
    from allocator.io.inputs import load_scenario, load_submission

    scenario = load_scenario(scenario_path("baseline"))
    regions = regions_for(scenario)
    apps = load_submission(path, regions).applications
    t0 = time.perf_counter()
    alloc = allocate(apps, scenario, regions=regions)
    t1 = time.perf_counter()
    ex = explain(alloc, workers=workers)
    t2 = time.perf_counter()
    eligible = len(ex.applications)
    return (
        f"| {label} | {len(apps)} | {eligible} | {int(ex.timings_s['count'])} | {workers} "
        f"| {t1 - t0:.2f} | {t2 - t1:.2f} | {(t2 - t1) / max(1, ex.timings_s['count']) * workers:.3f} |"
    )


def main() -> None:
    from allocator.catalog import sample_applications_path, shipped_regions
    from allocator.generate import generate_rows, rows_to_csv

    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", type=int, nargs="*", default=[500, 1000])
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    args = parser.parse_args()
    RESULTS.mkdir(exist_ok=True)
    lines = [
        "| submission | applications | eligible | re-solves | workers | solve s | explain s | s per re-solve per core |",
        "|---|---|---|---|---|---|---|---|",
    ]
    print("\n".join(lines), flush=True)
    lines.append(run(sample_applications_path(), "shipped sample", args.workers))
    print(lines[-1], flush=True)
    for n in args.sizes:
        path = RESULTS / f"explain_apps_{n}.csv"
        if not path.exists():
            path.write_text(rows_to_csv(generate_rows(n, shipped_regions(), seed=2026)))
        lines.append(run(path, f"generated {n}", args.workers))
        print(lines[-1], flush=True)
    (RESULTS / "explain.md").write_text("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
