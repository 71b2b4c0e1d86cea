"""Uncertain FTE: which awards hold whatever the true figures (CONTRACT.md, "Uncertain FTE").

Every FTE figure is an estimate ("order of magnitude", says the report behind the policy).
``robust`` draws N scenarios of the true FTE of every eligible application, solves each one
exactly (method optimal, the same pipeline as ``allocator solve``) and reports per application
the share of samples in which it is funded at any scale (core >= 0.9, exterior <= 0.1, else
borderline), and the distribution of the FTE that the point-estimate optimum's award set
delivers under the sampled values (sum of scale_i * sampled fte_i).

Uncertainty per application
---------------------------
``fte_low`` and ``fte_high`` (optional columns) are an 80% interval: the true figure lies
below fte_low with probability 10% and above fte_high with probability 10%. Where an end is
missing, it comes from a DEFAULT SPREAD PER MODEL PLAN, by the plan's theme as a proxy for how
mature the use case is (an ASSUMPTION: the seeds give no intervals, only "order of magnitude"):

=============== ======================= ==================================================
theme           80% interval            why
=============== ======================= ==================================================
medtech         0.7 x fte .. 1.3 x fte  devices on the market, effects measured in practice
digital_hybrid  0.6 x fte .. 1.4 x fte  care pathways with pilots, effects partly measured
ai              0.5 x fte .. 1.5 x fte  youngest use cases, figures from "up to" estimates
=============== ======================= ==================================================

Each interval is wider below than above in relative (log) terms: applicants' estimates lean
optimistic, so a shortfall is thought likelier than a windfall of the same size.

Sampling: a split (two-piece) log-normal with its median at the point estimate fte, one
log-normal piece below fte fitted so that fte_low is the 10th percentile and one above fitted
so that fte_high is the 90th: with z standard normal and Z = 1.2816 (the 90% quantile),
fte * (fte_low / fte) ** (-z / Z) for z < 0 and fte * (fte_high / fte) ** (z / Z) for z >= 0.
So the asymmetric interval is honoured exactly, and fte_low == fte_high == fte gives exactly
fte in every sample (the factor is 1.0). A piece with an end of 0 cannot be log-normal; there
the piece is linear in z, clipped at 0 (fte_low = 0: the true figure is 0 with probability
10%). Samples are independent between applications (a correlation within a use case is not
modelled: the seeds give nothing to fit it to).

Seeds: sample k uses numpy's SeedSequence(seed).spawn(...)[k] (SeedSequence(seed,
spawn_key=(k,))), one standard normal per eligible application in application_id order; the
samples do not depend on the worker count or on where they run, so the same seed gives
byte-identical files locally and on a Dask cluster.

Eligibility is judged on the point estimates (the application as submitted): a sample changes
the objective only, never which applications may be funded or the budget rows.
"""

from __future__ import annotations

import math
import os
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from statistics import NormalDist
from typing import Any

import numpy as np

from .domain import Application, ModelPlan, RegionTable, RunOptions, Scenario, SolveStatus
from .engine import Allocation, allocate
from .model.problem import AllocationProblem
from .robust_solver import SampleModel, SampleUnsolved

Z80 = NormalDist().inv_cdf(0.9)
"""z of the 90th percentile: an 80% interval is median * factor ** (+-1) at z = +-Z80."""
DEFAULT_SPREAD: dict[str, tuple[float, float]] = {
    "medtech": (0.7, 1.3),
    "digital_hybrid": (0.6, 1.4),
    "ai": (0.5, 1.5),
}
"""Theme -> (fte_low / fte, fte_high / fte) where an application gives no interval (an
assumption, see the module docstring)."""
CORE_FROM = 0.9
EXTERIOR_UP_TO = 0.1
HISTOGRAM_BINS = 20


class NoPointOptimum(RuntimeError):
    """The point-estimate problem has no proven optimum (infeasible, no solution, or the
    solver failed): there is no award set to assess."""


def intervals(
    applications: list[Application], themes: dict[str, str]
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(low, high, from_file) per application, in the given order: the application's own
    ends where given, else DEFAULT_SPREAD of its theme (``themes``: application_id -> theme);
    from_file is True where both ends came from the application."""
    low, high, given = [], [], []
    for app in applications:
        lo_f, hi_f = DEFAULT_SPREAD[themes[app.application_id]]
        low.append(app.fte_low if app.fte_low is not None else lo_f * app.fte)
        high.append(app.fte_high if app.fte_high is not None else hi_f * app.fte)
        given.append(app.fte_low is not None and app.fte_high is not None)
    # a default end never crosses a given one: the interval always holds fte
    fte = np.array([a.fte for a in applications], dtype=np.float64)
    lo = np.minimum(np.array(low, dtype=np.float64), fte)
    hi = np.maximum(np.array(high, dtype=np.float64), fte)
    return lo, hi, np.array(given, dtype=bool)


def sample_fte(fte: np.ndarray, low: np.ndarray, high: np.ndarray, z: np.ndarray) -> np.ndarray:
    """The split log-normal of the module docstring at standard normal draws ``z``."""
    fte, low, high, z = (np.asarray(v, dtype=np.float64) for v in (fte, low, high, z))
    out = fte.copy()
    with np.errstate(divide="ignore", invalid="ignore"):
        down, up = z < 0, z > 0
        # below fte
        log_piece = down & (low > 0) & (fte > 0)
        ratio = np.where(log_piece, low / np.where(fte > 0, fte, 1.0), 1.0)
        out = np.where(log_piece, fte * np.power(ratio, np.where(log_piece, -z / Z80, 0.0)), out)
        linear = down & ~log_piece & (fte > low)  # low == 0 < fte
        out = np.where(linear, np.maximum(0.0, fte + (fte - low) * z / Z80), out)
        # above fte
        log_piece = up & (fte > 0)
        ratio = np.where(log_piece, high / np.where(fte > 0, fte, 1.0), 1.0)
        out = np.where(log_piece, fte * np.power(ratio, np.where(log_piece, z / Z80, 0.0)), out)
        linear = up & ~log_piece & (high > fte)  # fte == 0 < high
        out = np.where(linear, fte + (high - fte) * z / Z80, out)
    return out


def sample_normals(seed: int, k: int, n: int) -> np.ndarray:
    """The n standard normals of sample k (SeedSequence(seed).spawn(...)[k])."""
    rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(k,)))
    return rng.standard_normal(n)


@dataclass
class SampleSolver:
    """Solves sample k (a pure function of k): picklable, sent once to each worker, which
    builds its model once (robust_solver.SampleModel, per process and thread) and changes
    only the objective per sample."""

    problem: AllocationProblem
    options: RunOptions
    low: np.ndarray
    high: np.ndarray
    seed: int
    point_scale: np.ndarray
    _models: dict[tuple[int, int], SampleModel] = field(
        default_factory=dict, repr=False, compare=False
    )

    def __getstate__(self) -> dict[str, Any]:
        state = dict(self.__dict__)
        state["_models"] = {}  # a loaded solver does not travel: each worker builds its own
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)

    def fte(self, k: int) -> np.ndarray:
        z = sample_normals(self.seed, k, self.problem.n)
        return sample_fte(self.problem.fte, self.low, self.high, z)

    def model(self) -> SampleModel:
        """This process's and thread's model (Dask may run tasks in threads)."""
        key = (os.getpid(), threading.get_ident())
        found = self._models.get(key)
        if found is None:
            found = self._models[key] = SampleModel(self.problem, self.options, self.point_scale)
        return found

    def __call__(self, k: int) -> tuple[np.ndarray, float, float]:
        """(funded flags in problem order, FTE the point award set delivers, the sample's
        own optimum FTE)."""
        fte = self.fte(k)
        delivered = float(self.point_scale @ fte)
        if np.array_equal(fte, self.problem.fte):  # the point estimate: its optimum
            return self.point_scale > 0, delivered, delivered
        try:
            answer = self.model().solve(fte)
        except SampleUnsolved as exc:
            raise NoPointOptimum(f"sample {k}: {exc}") from None
        return answer.scale > 0, delivered, answer.objective


@dataclass
class RobustResult:
    point: Allocation
    samples: int
    seed: int
    funded_share: np.ndarray  # problem order
    delivered: np.ndarray  # per sample: FTE of the point award set
    optima: np.ndarray  # per sample: the sample's own optimum
    from_file: np.ndarray  # problem order: interval given in the file

    @property
    def app_ids(self) -> list[str]:
        return self.point.problem.app_ids

    def classes(self) -> list[str]:
        return [classify(s) for s in self.funded_share]

    def rows(self) -> list[dict[str, Any]]:
        """robust.csv: one row per eligible application, by application_id."""
        return [
            {"application_id": a, "funded_share": float(s), "class": c}
            for a, s, c in zip(self.app_ids, self.funded_share, self.classes())
        ]

    def summary(self) -> dict[str, Any]:
        """robust_summary.json (no clock time, no worker count: identical for a seed)."""
        point_fte = float(self.point_scale @ self.point.problem.fte)
        counts, edges = np.histogram(self.delivered, bins=HISTOGRAM_BINS)
        classes = self.classes()
        return {
            "samples": self.samples,
            "seed": self.seed,
            "scenario": self.point.scenario.name,
            "point_fte": point_fte,
            "fte_mean": _mean(self.delivered, point_fte),
            "fte_p10": float(np.percentile(self.delivered, 10)),
            "fte_min": float(self.delivered.min()),
            "fte_max": float(self.delivered.max()),
            "sample_optimum_fte_mean": _mean(self.optima, point_fte),
            "histogram": {
                "bin_edges": [float(e) for e in edges],
                "counts": [int(c) for c in counts],
            },
            "classes": {c: classes.count(c) for c in ("core", "borderline", "exterior")},
            "intervals": {
                "from_file": int(self.from_file.sum()),
                "default_spread": int((~self.from_file).sum()),
                "default_spread_by_theme": {t: list(f) for t, f in DEFAULT_SPREAD.items()},
                "distribution": "split log-normal, median fte, 80% interval [fte_low, fte_high]",
            },
            "method": "optimal",
            "solver": self.point.result.solver,
        }

    @property
    def point_scale(self) -> np.ndarray:
        return self.point.scales()


def classify(share: float) -> str:
    if share >= CORE_FROM:
        return "core"
    if share <= EXTERIOR_UP_TO:
        return "exterior"
    return "borderline"


def _mean(values: np.ndarray, around: float) -> float:
    """The mean, summed as differences from ``around`` (exactly ``around`` when every value
    equals it, which a plain sum / N need not give)."""
    if not len(values):
        return around
    return around + math.fsum(float(v) - around for v in values) / len(values)


def run_robust(
    applications: list[Application],
    scenario: Scenario,
    samples: int,
    seed: int,
    regions: RegionTable | None = None,
    options: RunOptions | None = None,
    plans: dict[str, ModelPlan] | None = None,
    workers: int | None = None,
    dask_address: str | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> RobustResult:
    """The point-estimate optimum, then ``samples`` exact solves of sampled FTE values (see
    the module docstring). Raises NoPointOptimum when the point problem has no proven
    optimum or a sample's solve ends otherwise than optimal."""
    from .catalog import model_plans
    from .executor import run_map

    if samples < 1:
        raise ValueError("samples must be at least 1")
    options = RunOptions.model_validate(
        {**(options or RunOptions()).model_dump(), "method": "optimal", "time_limit_s": None}
    )
    plans = plans if plans is not None else model_plans()
    point = allocate(applications, scenario, options, regions=regions, plans=plans)
    if point.result.status is not SolveStatus.optimal:
        raise NoPointOptimum(
            f"the point-estimate problem is {point.result.status.value}, not optimal: "
            f"{point.result.message}"
        )
    problem = point.problem
    by_id = {a.application_id: a for a in applications}
    eligible = [by_id[a] for a in problem.app_ids]
    themes = {a.application_id: plans[a.use_case].theme for a in eligible}
    low, high, from_file = intervals(eligible, themes)
    solver = SampleSolver(problem, options, low, high, seed, point.scales())
    found = run_map(solver, range(samples), workers, dask_address, progress)
    funded = np.zeros(problem.n, dtype=np.int64)
    for flags, _, _ in found:
        funded += flags
    return RobustResult(
        point=point,
        samples=samples,
        seed=seed,
        funded_share=funded / samples,
        delivered=np.array([d for _, d, _ in found], dtype=np.float64),
        optima=np.array([o for _, _, o in found], dtype=np.float64),
        from_file=from_file,
    )


def render(result: RobustResult) -> dict[str, bytes]:
    """The files of a robust run: robust.csv and robust_summary.json."""
    from .io.outputs import render_csv, render_json

    return {
        "robust.csv": render_csv(result.rows(), ["application_id", "funded_share", "class"]),
        "robust_summary.json": render_json(result.summary()),
    }
