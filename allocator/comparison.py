"""Scenario comparison (CONTRACT.md, "Scenario comparison"): the board's side-by-side view.

``compare_runs`` solves every scenario with method ``optimal`` and also runs ``fcfs`` and
``greedy`` under the first, then returns the rows of ``compare.csv`` (one per run) and of
``flips.csv`` (one per application whose scale differs between any two runs).

Choices the contract leaves open, kept here and in the README:

- run order: the first scenario's ``optimal``, ``fcfs``, ``greedy``, then every further
  scenario's ``optimal``, in the order given;
- ``theme:<t>`` columns for every theme (``allocator.domain.THEMES``); ``year:<y>`` for the
  union of the runs' funding years (a year outside a scenario's window has spend 0 there:
  an application spending in it is ineligible); ``region:<r>`` for the union of the runs'
  region tables (sorted), then ``region:NL`` (national applications): a region that is not
  in a scenario's table is empty in that scenario's row;
- every euro figure is a sum of whole cents exactly as ``allocator solve`` writes it
  (``results.summary``, ``by_theme``, ``by_year``, ``by_region``);
- ``fte_per_capita_gini``: the plain (unweighted) Gini coefficient over the regions of the
  run's table of x_r = awarded FTE in r / inhabitants of r, sum_ij |x_i - x_j| / (2 n^2
  mean x); national applications left out; empty when nothing is awarded in any region;
- a run without an award set (infeasible, no solution) is a row with its status and empty
  figures; its column in ``flips.csv`` is empty and it takes no part in finding flips;
- two scales differ when they are more than ``SCALE_TOLERANCE`` apart;
- ``regions.csv`` (``region_rows``): per run and region of its table, the Zvw award (the
  run's ``region:<r>`` figure) beside the social domain's SPUK amounts (allocator/social.py:
  EUR 100M in 2027 and in 2028 by population over that table, whole euros), their sum and
  each per inhabitant; a run without an award set has empty Zvw and combined figures.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass

import pandas as pd

from . import results
from .domain import NATIONAL_REGION, THEMES, Application, RegionTable, RunOptions, Scenario
from .engine import Allocation, allocate
from .social import SOCIAL_BUDGET_EUR, distribute, per_region

SCALE_TOLERANCE = 1e-9
"""Two scales of one application differ when they are further apart than this."""
FIXED_COLUMNS = [
    "scenario", "method", "status", "objective_fte", "total_awarded", "awarded_count",
    "partial_count",
]  # fmt: skip
GINI_COLUMN = "fte_per_capita_gini"
REGION_COLUMNS = [
    "scenario", "method", "region", "name", "population",
    *(f"social:{year}" for year in sorted(SOCIAL_BUDGET_EUR)), "social_total",
    "social_per_inhabitant", "zvw_awarded", "zvw_per_inhabitant", "combined",
    "combined_per_inhabitant",
]  # fmt: skip
"""regions.csv: euros (whole euros for social, cents for the Zvw awards), per inhabitant to
four decimals (social.per_region)."""


@dataclass
class Run:
    """One run of a comparison: the scenario's label (file stem), method and allocation."""

    scenario: str
    method: str
    alloc: Allocation

    @property
    def label(self) -> str:
        return f"{self.scenario}:{self.method}"

    @property
    def solved(self) -> bool:
        return self.alloc.result.status.has_solution


def gini(values: Sequence[float]) -> float | None:
    """Plain Gini coefficient: sum_ij |x_i - x_j| / (2 n^2 mean); None when the mean is 0."""
    n = len(values)
    total = math.fsum(values)
    if n == 0 or total <= 0:
        return None
    diffs = math.fsum(abs(a - b) for a in values for b in values)
    return diffs / (2 * n * total)


def fte_per_capita(alloc: Allocation) -> dict[str, float]:
    """Awarded FTE per inhabitant of every region of the run's table (national left out)."""
    fte = dict.fromkeys(alloc.regions.population, 0.0)
    parts: dict[str, list[float]] = {code: [] for code in fte}
    for app, award in zip(alloc.applications, alloc.result.awards):
        if app.region != NATIONAL_REGION and app.region in parts:
            parts[app.region].append(award.awarded_fte)
    return {code: math.fsum(parts[code]) / alloc.regions.population[code] for code in parts}


def solve_runs(
    applications: list[Application],
    scenarios: list[tuple[str, Scenario]],
    regions_for_scenario: Callable[[Scenario], RegionTable] | None = None,
    options: RunOptions | None = None,
    workers: int | None = 1,
) -> list[Run]:
    """Every run of a comparison, in the order of compare.csv. ``workers``: processes
    (None: all cores; 1: solved here, in order)."""
    from .catalog import regions_for

    if not scenarios:
        raise ValueError("compare needs at least one scenario")
    labels = [label for label, _ in scenarios]
    twice = sorted({label for label in labels if labels.count(label) > 1})
    if twice:
        raise ValueError(
            f"two scenarios have the same name {', '.join(twice)}: give each its own (a file's "
            'stem, or Scenario.replace(..., name="..."))'
        )
    region_of = regions_for_scenario or regions_for
    base = options or RunOptions()
    tasks: list[_Task] = []
    for k, (label, scenario) in enumerate(scenarios):
        regions = region_of(scenario)
        methods = ["optimal", "fcfs", "greedy"] if k == 0 else ["optimal"]
        for method in methods:
            opts = RunOptions.model_validate({**base.model_dump(), "method": method})
            tasks.append((label, method, scenario, opts, regions))
    workers = max(1, min(workers or os.cpu_count() or 1, len(tasks)))
    if workers == 1:
        allocs = [_solve_task(applications, task) for task in tasks]
    else:
        import multiprocessing

        methods = multiprocessing.get_all_start_methods()
        context = multiprocessing.get_context("fork" if "fork" in methods else "spawn")
        with ProcessPoolExecutor(workers, mp_context=context) as pool:
            allocs = list(pool.map(_solve_task, [applications] * len(tasks), tasks))
    return [Run(label, method, alloc) for (label, method, *_), alloc in zip(tasks, allocs)]


_Task = tuple[str, str, Scenario, RunOptions, RegionTable]
"""One run to solve: (scenario label, method, scenario, options, region table)."""


def _solve_task(applications: list[Application], task: _Task) -> Allocation:
    _, _, scenario, options, regions = task
    return allocate(applications, scenario, options, regions=regions)


def _region_codes(runs: list[Run]) -> list[str]:
    codes = sorted({code for run in runs for code in run.alloc.regions.population})
    return [*codes, NATIONAL_REGION]


def _years(runs: list[Run]) -> list[int]:
    return sorted({year for run in runs for year in run.alloc.scenario.years})


def compare_row(run: Run, years: list[int], regions: list[str]) -> results.Row:
    """The compare.csv row of one run (money in EUR, FTE in full-time equivalents)."""
    alloc = run.alloc
    row: results.Row = dict.fromkeys(FIXED_COLUMNS)
    row.update(scenario=run.scenario, method=run.method, status=alloc.result.status.value)
    for theme in THEMES:
        row[f"theme:{theme}"] = None
    for year in years:
        row[f"year:{year}"] = None
    for code in regions:
        row[f"region:{code}"] = None
    row[GINI_COLUMN] = None
    if not run.solved:
        return row
    summary = results.summary(alloc)
    counts = summary["counts"]
    row.update(
        objective_fte=summary["objective_fte"],
        total_awarded=summary["total_awarded"],
        awarded_count=counts["awarded"] + counts["partial"],
        partial_count=counts["partial"],
    )
    for theme_row in results.by_theme(alloc):
        row[f"theme:{theme_row['theme']}"] = theme_row["awarded_amount"]
    for year in years:
        row[f"year:{year}"] = 0.0
    for year_row in results.by_year(alloc):
        row[f"year:{year_row['year']}"] = year_row["spend"]
    for region_row in results.by_region(alloc):
        row[f"region:{region_row['region']}"] = region_row["awarded_amount"]
    row[GINI_COLUMN] = gini(list(fte_per_capita(alloc).values()))
    return row


def compare_frame(runs: list[Run]) -> pd.DataFrame:
    years, regions = _years(runs), _region_codes(runs)
    rows = [compare_row(run, years, regions) for run in runs]
    columns = [
        *FIXED_COLUMNS,
        *(f"theme:{t}" for t in THEMES),
        *(f"year:{y}" for y in years),
        *(f"region:{r}" for r in regions),
        GINI_COLUMN,
    ]
    return pd.DataFrame(rows, columns=columns, dtype=object)


def region_rows(runs: Sequence[Run]) -> list[results.Row]:
    """regions.csv: per run (compare.csv's order) and per region of the run's table (its
    order), the Zvw award beside the social domain's SPUK amounts (REGION_COLUMNS)."""
    out: list[results.Row] = []
    for run in runs:
        alloc = run.alloc
        zvw = None
        if run.solved:
            zvw = {r["region"]: r["awarded_amount"] for r in results.by_region(alloc)}
        for row in per_region(alloc.regions, distribute(alloc.regions), zvw):
            full: results.Row = dict.fromkeys(REGION_COLUMNS)
            full.update(row, scenario=run.scenario, method=run.method)
            out.append(full)
    return out


def flips_frame(runs: list[Run]) -> pd.DataFrame:
    """One row per application (input order) whose scale differs between two solved runs."""
    columns = ["application_id", *(run.label for run in runs)]
    if not runs:
        return pd.DataFrame(columns=columns)
    scales = [
        {w.application_id: w.scale for w in run.alloc.result.awards} if run.solved else None
        for run in runs
    ]
    rows = []
    for app in runs[0].alloc.applications:
        app_id = app.application_id
        values = [None if s is None else s[app_id] for s in scales]
        known = [v for v in values if v is not None]
        if known and max(known) - min(known) > SCALE_TOLERANCE:
            rows.append({"application_id": app_id, **dict(zip(columns[1:], values))})
    return pd.DataFrame(rows, columns=columns, dtype=object)


def compare_runs(
    applications: list[Application],
    scenarios: list[tuple[str, Scenario]],
    regions_for_scenario: Callable[[Scenario], RegionTable] | None = None,
    options: RunOptions | None = None,
    workers: int | None = 1,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(compare.csv rows, flips.csv rows) for ``scenarios``: (label, Scenario) pairs, the
    label being the file stem. ``regions_for_scenario`` gives each scenario's region table
    (default: catalog.regions_for); ``options`` the solver options (method is set here)."""
    runs = solve_runs(applications, scenarios, regions_for_scenario, options, workers)
    return compare_frame(runs), flips_frame(runs)


def frame_rows(frame: pd.DataFrame) -> list[results.Row]:
    """A frame's rows as plain dicts with None for empty cells (for the CSV/XLSX writers)."""
    out = []
    for record in frame.to_dict(orient="records"):
        out.append(
            {
                str(k): None if isinstance(v, float) and math.isnan(v) else v
                for k, v in record.items()
            }
        )
    return out


def flip_worth(runs: list[Run], app_id: str) -> tuple[float, float]:
    """(largest minus smallest awarded FTE, same for euros) of one application over the
    solved runs: what its flip is worth."""
    fte, eur = [], []
    for run in runs:
        if not run.solved:
            continue
        for w in run.alloc.result.awards:
            if w.application_id == app_id:
                fte.append(w.awarded_fte)
                eur.append(w.awarded_amount_eur)
                break
    if not fte:
        return 0.0, 0.0
    return max(fte) - min(fte), max(eur) - min(eur)
