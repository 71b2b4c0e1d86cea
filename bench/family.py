"""Benchmark family of issue 13: `allocator solve` over a sampled grid of submission shapes.

    python bench/family.py                       # 6 shapes per size + the issue's named shape
    python bench/family.py --sizes 300 1000 --per-size 3
    python bench/family.py --only-named          # just the issue's named worst shape

Grid (issue 13, "What to build" 1):
  oversubscription  0.8, 1.5, 3.5, 20, 150   (total request / ceiling, `allocator generate`)
  size              300, 1,000, 5,000, 20,000
  scalable share    0%, 55%, 100%            (min_scale < 1; redrawn here, see below)
  exclusive groups  off / on                 (on: 15% of applications in pairs)
  carry-over        off / on
  regions           12 (shipped provinces) / 40 (synthetic)
  impact bar        0, 9, 17, 35

The full grid has 5 * 3 * 2 * 2 * 2 * 4 = 480 shapes per size; it is SAMPLED, seeded: per size
each factor's levels are tiled to --per-size points and shuffled independently (a Latin-
hypercube-like design, so every level of every factor shows up about equally often), plus
the issue's named shape (20,000 and 5,000 applications of ordinary-sized projects: 150x,
bar 9, carry-over, 40 regions, 60% scalable, 15% in exclusive groups).

Shapes the generator has no option for are made by post-processing its rows here (nothing in
allocator/ changes): the scalable share redraws min_scale (scalable: uniform 0.30-0.90 in
steps of 0.05, as the generator draws it; otherwise 1); exclusive groups "off" blanks the
column, "on" pairs applications of the same use case and region (as the generator does, but
up to the given share: the generator's own pairing reaches only ~1% at 20,000).

Every point is the whole process, `allocator solve -q --no-xlsx -a FILE -s SCEN -o OUT`,
timed with time.perf_counter from start to exit, with ALLOCATOR_RUNS_DB pointing at a
temporary file (the per-step timings are read back from that run history: *solve* is the
backend's time, *build* eligibility + rows + MIP arrays + reduction). The status must be
optimal. Results: bench/results/family.csv (not in git) and a table on stdout.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results"
WORK = RESULTS / "family"

OVERSUBSCRIPTION = (0.8, 1.5, 3.5, 20.0, 150.0)
SIZES = (300, 1000, 5000, 20000)
SCALABLE = (0.0, 0.55, 1.0)
GROUPS = (0.0, 0.15)
CARRY = (False, True)
REGIONS = (12, 40)
BARS = (0, 9, 17, 35)


@dataclass(frozen=True)
class Shape:
    n: int
    oversubscription: float
    scalable: float  # share of applications with min_scale < 1
    groups: float  # share of applications in exclusive pairs
    carry_over: bool
    regions: int  # 12: shipped provinces; otherwise synthetic
    bar: float
    seed: int
    named: bool = False

    @property
    def key(self) -> str:
        return (
            f"n{self.n}-x{self.oversubscription:g}-s{round(self.scalable * 100)}"
            f"-g{round(self.groups * 100)}-c{int(self.carry_over)}-r{self.regions}-b{self.bar:g}"
            f"-seed{self.seed}"
        )

    def describe(self) -> str:
        return (
            f"{self.oversubscription:g}x, bar {self.bar:g}, {round(self.scalable * 100)}% scalable, "
            f"groups {round(self.groups * 100)}%, carry-over {'on' if self.carry_over else 'off'}, "
            f"{self.regions} regions" + (" (named)" if self.named else "")
        )


def named_shape(n: int, seed: int) -> Shape:
    """Issue 13's slow shape: ordinary-sized projects, ~150x the ceiling."""
    return Shape(n, 150.0, 0.60, 0.15, True, 40, 9, seed, named=True)


def sample_shapes(sizes: list[int], per_size: int, seed: int) -> list[Shape]:
    """Per size: each factor's levels tiled to ``per_size`` and shuffled independently."""
    rng = np.random.default_rng(seed)
    shapes: list[Shape] = []
    for n in sizes:
        columns = []
        for levels in (OVERSUBSCRIPTION, SCALABLE, GROUPS, CARRY, REGIONS, BARS):
            start = int(rng.integers(len(levels)))  # which levels get the extra copies
            tiled = [levels[(start + k) % len(levels)] for k in range(per_size)]
            columns.append([tiled[j] for j in rng.permutation(per_size)])
        for k in range(per_size):
            ov, sc, gr, co, rg, bar = (col[k] for col in columns)
            shapes.append(Shape(n, ov, sc, gr, co, rg, bar, seed=seed * 1000 + n % 997 + k))
    return shapes


# --- inputs ---------------------------------------------------------------------------


def region_table(count: int):  # type: ignore[no-untyped-def]
    from allocator.catalog import shipped_regions
    from allocator.generate import synthetic_regions

    return shipped_regions("provinces") if count == 12 else synthetic_regions(count)


def _redraw_scalable(rows: list[dict[str, object]], share: float, rng: np.random.Generator) -> None:
    n = len(rows)
    scalable = rng.random(n) < share
    drawn = np.round(rng.uniform(0.3, 0.9, size=n) * 20) / 20
    for i, row in enumerate(rows):
        row["min_scale"] = float(drawn[i]) if scalable[i] else 1.0


def _pair_groups(rows: list[dict[str, object]], share: float, rng: np.random.Generator) -> None:
    """Blank the generator's groups; pair applications of one use case and region until
    ``share`` of all applications are in a pair."""
    for row in rows:
        row["exclusive_group"] = ""
    if share <= 0:
        return
    target = round(share * len(rows))
    by_key: dict[tuple, list[int]] = {}
    for i in rng.permutation(len(rows)).tolist():
        row = rows[i]
        by_key.setdefault((row["use_case"], row["region"]), []).append(i)
    keys = sorted(by_key, key=str)
    paired = 0
    group = 0
    # round robin over the keys, one pair a key a pass, so pairs spread over use cases/regions
    pos = dict.fromkeys(keys, 0)
    while paired + 2 <= target:
        progress = False
        for key in keys:
            members = by_key[key]
            p = pos[key]
            if p + 2 <= len(members) and paired + 2 <= target:
                group += 1
                for i in members[p : p + 2]:
                    rows[i]["exclusive_group"] = f"G{group:05d}"
                pos[key] = p + 2
                paired += 2
                progress = True
        if not progress:
            break


SCENARIO = """name: family-{key}
ceiling: 600000000
theme_budgets: {{ai: 275000000, digital_hybrid: 275000000, medtech: 50000000}}
year_budgets: {{2027: 250000000, 2028: 250000000, 2029: 100000000}}
carry_over: {carry}
impact_bar: {bar}
region_max_factor: 1.5
regions: {regions}
"""


def make_inputs(shape: Shape) -> tuple[Path, Path]:
    from allocator.generate import generate_rows, regions_to_csv, rows_to_csv

    WORK.mkdir(parents=True, exist_ok=True)
    table = region_table(shape.regions)
    if shape.regions == 12:
        regions_ref = "provinces.csv"  # the shipped table (catalog.regions_for)
    else:
        regions_ref = f"regions{shape.regions}.csv"
        path = WORK / regions_ref
        if not path.exists():
            path.write_text(regions_to_csv(table))
    scenario = WORK / f"{shape.key}.yaml"
    scenario.write_text(
        SCENARIO.format(
            key=shape.key,
            carry="true" if shape.carry_over else "false",
            bar=shape.bar,
            regions=regions_ref,
        )
    )
    apps = WORK / f"{shape.key}.csv"
    if not apps.exists():
        rows = generate_rows(
            shape.n, table, seed=shape.seed, oversubscription=shape.oversubscription
        )
        rng = np.random.default_rng(shape.seed + 7)
        _redraw_scalable(rows, shape.scalable, rng)
        _pair_groups(rows, shape.groups, rng)
        apps.write_text(rows_to_csv(rows))
    return apps, scenario


# --- one point ------------------------------------------------------------------------


@dataclass
class Point:
    n: int
    oversubscription: float
    scalable: float
    groups: float
    carry_over: bool
    regions: int
    bar: float
    seed: int
    named: bool
    wall_s: float
    exit_code: int
    status: str
    gap: float | None
    objective_fte: float | None
    eligible: int | None
    read_s: float | None
    build_s: float | None
    solve_s: float | None
    write_s: float | None


def _last_timings(db: Path) -> dict[str, float]:
    from allocator import history

    try:
        runs = history.list_runs(db, command="solve")
    except Exception:  # the timings are a bonus, the wall time is the figure
        return {}
    return runs[-1].timings if runs else {}


def run_point(shape: Shape, db: Path, timeout: float) -> Point:
    apps, scenario = make_inputs(shape)
    out = WORK / "out"
    cmd = [
        sys.executable, "-m", "allocator.cli", "solve", "-q", "--no-xlsx",
        "-a", str(apps), "-s", str(scenario), "-o", str(out),
    ]  # fmt: skip
    env = dict(os.environ, ALLOCATOR_RUNS_DB=str(db))
    summary_path = out / "summary.json"
    if summary_path.exists():
        summary_path.unlink()
    t0 = time.perf_counter()
    try:
        proc = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=timeout)
        wall = time.perf_counter() - t0
        code = proc.returncode
    except subprocess.TimeoutExpired:
        wall, code, proc = time.perf_counter() - t0, -1, None
    status, gap, obj, eligible = "timeout" if code == -1 else f"exit {code}", None, None, None
    if code != -1 and summary_path.exists():
        s = json.loads(summary_path.read_text())
        status, gap, obj = s.get("status", status), s.get("gap"), s.get("objective_fte")
        counts = s.get("counts", {})
        eligible = sum(v for k, v in counts.items() if k != "ineligible") if counts else None
    elif proc is not None and code != 0:
        print(proc.stderr[-2000:], file=sys.stderr)
    tm = _last_timings(db) if code == 0 else {}
    build = None
    if tm:
        build = sum(tm.get(k, 0.0) for k in ("eligibility_and_rows", "build", "reduce"))
    return Point(
        **{k: v for k, v in asdict(shape).items()},
        wall_s=wall,
        exit_code=code,
        status=status,
        gap=gap,
        objective_fte=obj,
        eligible=eligible,
        read_s=tm.get("read"),
        build_s=build,
        solve_s=tm.get("solve"),
        write_s=tm.get("write"),
    )


def _shape_of(p: Point) -> str:
    return Shape(
        p.n, p.oversubscription, p.scalable, p.groups, p.carry_over, p.regions, p.bar, p.seed,
        p.named,
    ).describe()  # fmt: skip


def _f(x: float | None, fmt: str = ".2f") -> str:
    return "-" if x is None else format(x, fmt)


def table(points: list[Point]) -> str:
    lines = [
        "| n | points | optimal | worst s | median s | best s | worst: solve s | shape of the worst |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for n in sorted({p.n for p in points}):
        ps = [p for p in points if p.n == n]
        walls = [p.wall_s for p in ps]
        worst = max(ps, key=lambda p: p.wall_s)
        best = min(walls)
        ok = sum(p.status == "optimal" for p in ps)
        lines.append(
            f"| {n:,} | {len(ps)} | {ok}/{len(ps)} | {worst.wall_s:.2f} | "
            f"{statistics.median(walls):.2f} | {best:.2f} | {_f(worst.solve_s)} | {_shape_of(worst)} |"
        )
    return "\n".join(lines)


def points_table(points: list[Point]) -> str:
    lines = [
        "| n | shape | eligible | status | gap | wall s | read s | build s | solve s | write s |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for p in points:
        lines.append(
            f"| {p.n:,} | {_shape_of(p)} | {_f(p.eligible, 'd')} | {p.status} | {_f(p.gap, '.1e')} | "
            f"{p.wall_s:.2f} | {_f(p.read_s)} | {_f(p.build_s)} | {_f(p.solve_s)} | {_f(p.write_s)} |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=list(SIZES))
    parser.add_argument("--per-size", type=int, default=6, help="sampled shapes per size")
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--no-named", action="store_true", help="leave out the issue's shape")
    parser.add_argument("--only-named", action="store_true", help="only the issue's shape")
    parser.add_argument("--named-sizes", type=int, nargs="+", default=[5000, 20000])
    parser.add_argument("--timeout", type=float, default=120.0, help="seconds per point")
    parser.add_argument("--out", type=Path, default=RESULTS / "family.csv")
    args = parser.parse_args()

    shapes = [] if args.only_named else sample_shapes(args.sizes, args.per_size, args.seed)
    if not args.no_named:
        shapes += [named_shape(n, args.seed) for n in args.named_sizes]
    shapes.sort(key=lambda s: (s.n, s.named))
    RESULTS.mkdir(exist_ok=True)
    print(f"load average at start: {os.getloadavg()}", flush=True)
    points: list[Point] = []
    t_all = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="family-runs-") as tmp:
        db = Path(tmp) / "runs.duckdb"
        for shape in shapes:
            p = run_point(shape, db, args.timeout)
            points.append(p)
            print(
                f"{p.n:>6} {p.wall_s:7.2f} s  solve {_f(p.solve_s):>6}  {p.status:<8} "
                f"gap {_f(p.gap, '.1e'):>8}  {shape.describe()}",
                flush=True,
            )
    with args.out.open("w", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(asdict(points[0])))
        writer.writeheader()
        for p in points:
            writer.writerow(asdict(p))
    print(
        f"\nwhole family: {time.perf_counter() - t_all:.0f} s; load average at end: {os.getloadavg()}"
    )
    print(f"results: {args.out}\n")
    print(table(points))
    print()
    print(points_table(points))
    bad = [p for p in points if p.status != "optimal"]
    if bad:
        print(f"\nNOT OPTIMAL: {len(bad)} point(s)", file=sys.stderr)


if __name__ == "__main__":
    main()
