"""The board's workbench figures of issue 10, whole commands timed from process start to files
written (run history recording included), on this machine:

- ``allocator compare`` of the seven shipped board scenarios on the shipped sample (target < 5 s);
- ``allocator solve --explain`` under scenarios/board-rules.yaml on the shipped sample (< 8 s);
- ``allocator sweep`` of 100 and of 1,000 points over a generated 500-application submission
  (< 20 s and < 2 minutes).

    python bench/workbench.py            # all four, once each, a markdown table on stdout
    python bench/workbench.py --only compare --repeat 3

Each figure is the median of --repeat runs; the machine's load average before each run is
printed beside it (the figures mean little on a busy machine).
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ALLOCATOR = [sys.executable, "-m", "allocator.cli"]
SEVEN = [
    "baseline",
    "bar-9",
    "bar-35",
    "board-rules",
    "original-rhythm",
    "rhythm-even",
    "regions-off",
]


def cases(work: Path) -> dict[str, tuple[str, list[str], str]]:
    submission = work / "generated-500.csv"
    scenarios = [str(ROOT / "scenarios" / f"{name}.yaml") for name in SEVEN]
    sweep = ["sweep", "-a", str(submission), "-q", "-o"]
    return {
        "compare": (
            "`allocator compare` of the 7 shipped scenarios (9 runs)",
            ["compare", *scenarios, "-q", "--out"],
            "< 5 s",
        ),
        "explain": (
            "`allocator solve --explain -s scenarios/board-rules.yaml`",
            ["solve", "--explain", "-q", "-s", str(ROOT / "scenarios/board-rules.yaml"), "-o"],
            "< 8 s",
        ),
        "sweep100": (
            "`allocator sweep` 100 points (`theme_budgets.ai=150e6:375e6:25e6` x "
            "`impact_bar=0:36:4`), generated 500 applications",
            [*sweep[:-1], "--set", "theme_budgets.ai=150e6:375e6:25e6", "--set",
             "impact_bar=0:36:4", "-o"],
            "< 20 s",
        ),
        "sweep1000": (
            "`allocator sweep` 1,000 points (`theme_budgets.ai=150e6:375e6:25e6` x "
            "`impact_bar=0:39.6:0.4`), generated 500 applications",
            [*sweep[:-1], "--set", "theme_budgets.ai=150e6:375e6:25e6", "--set",
             "impact_bar=0:39.6:0.4", "-o"],
            "< 120 s",
        ),
    }  # fmt: skip


def timed(args: list[str], out: Path, env: dict[str, str]) -> float:
    shutil.rmtree(out, ignore_errors=True)
    t0 = time.perf_counter()
    subprocess.run([*ALLOCATOR, *args, str(out)], check=True, env=env, cwd=ROOT)
    return time.perf_counter() - t0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", action="append", help="compare, explain, sweep100, sweep1000")
    parser.add_argument("--repeat", type=int, default=1)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        env = {**os.environ, "ALLOCATOR_RUNS_DB": str(work / "runs.duckdb")}
        subprocess.run(
            [*ALLOCATOR, "generate", "--n", "500", "--seed", "2026", "-o",
             str(work / "generated-500.csv")],
            check=True, env=env, capture_output=True,
        )  # fmt: skip
        print("| what | seconds (median) | load before | issue target |")
        print("|---|---|---|---|")
        for key, (what, command, target) in cases(work).items():
            if args.only and key not in args.only:
                continue
            load = os.getloadavg()[0]
            runs = [timed(command, work / key, env) for _ in range(args.repeat)]
            print(f"| {what} | {statistics.median(runs):.1f} | {load:.2f} | {target} |", flush=True)


if __name__ == "__main__":
    main()
