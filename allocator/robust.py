"""Uncertain FTE: which awards hold whatever the true figures (CONTRACT.md, "Uncertain FTE").

Every FTE figure is an estimate ("order of magnitude", says the report behind the policy).
``robust`` draws N scenarios of the true FTE of every eligible application, solves each one
exactly (method optimal: the same problem and gap as ``allocator solve``, by a model each
worker builds once, allocator/robust_solver.py) and reports per application the share of
samples in which it is funded at any scale (core >= 0.9, exterior <= 0.1, else borderline),
and the distribution of the FTE that the point-estimate optimum's award set delivers under
the sampled values (sum of scale_i * sampled fte_i).

The robust recommendation (Recommendation: robust_recommendation.csv, and ``recommendation``
in robust_summary.json): the award set with the highest expected FTE under the sampling
distribution below (an award set's FTE is linear in the figures, so that is the exact optimum
at each application's expected FTE, which ``expected_fte`` gives in closed form: no sampling
error), against the point optimum on the samples and on N held-out ones; with ``--cvar
SHARE``, also the award set with the highest mean over the worst SHARE of the samples
(CvarSet, ``cvar`` in the summary).

Uncertainty per application
---------------------------
``fte_low`` and ``fte_high`` (optional columns) are an 80% interval: the true figure lies
below fte_low with probability 10% and above fte_high with probability 10%. Where an end is
missing, it comes from a DEFAULT SPREAD PER MODEL PLAN, by the plan's theme as a proxy for how
mature the use case is (an ASSUMPTION: the seeds give no intervals, only "order of magnitude";
documented per plan in models/README.md, "Uncertain FTE"):

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
byte-identical files locally and on a Dask cluster. Held-out sample k (the recommendation's
check) uses SeedSequence(seed, spawn_key=(k, 1)): never a sample of any run.

Eligibility is judged on the point estimates (the application as submitted): a sample changes
the objective only, never which applications may be funded or the budget rows.
"""

from __future__ import annotations

import math
import os
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
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
HELD_OUT_KEY = 1
"""Held-out sample k: SeedSequence(seed, spawn_key=(k, HELD_OUT_KEY)), never one of the
samples (spawn_key (k,)) of any run."""


class NoPointOptimum(RuntimeError):
    """The point-estimate problem has no proven optimum (infeasible, no solution, or the
    solver failed): there is no award set to assess."""


def intervals(
    applications: list[Application], themes: Mapping[str, str]
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


def expected_fte(fte: np.ndarray, low: np.ndarray, high: np.ndarray) -> np.ndarray:
    """The mean of ``sample_fte``'s distribution per application, in closed form (no
    sampling): with Z standard normal, Phi its distribution function and phi its density,
    a log-normal piece f * exp(t Z) on one side of 0 has E[f exp(tZ); Z < 0] =
    f exp(t^2 / 2) Phi(-t) and E[f exp(tZ); Z > 0] = f exp(t^2 / 2) Phi(t); the linear
    pieces (an end of 0) integrate to f (Phi(0) - Phi(-c) + (phi(-c) - phi(0)) / c) below
    and h phi(0) / c above (c = Z80). Exactly ``fte`` where fte_low == fte == fte_high."""
    fte, low, high = (np.asarray(v, dtype=np.float64) for v in (fte, low, high))
    c = Z80
    unit = NormalDist()
    cdf, pdf = np.vectorize(unit.cdf, otypes=[float]), np.vectorize(unit.pdf, otypes=[float])
    positive = fte > 0
    safe = np.where(positive, fte, 1.0)
    with np.errstate(divide="ignore"):
        t_low = np.where(positive & (low > 0), np.log(safe / np.where(low > 0, low, 1.0)), 0.0) / c
        t_high = np.where(positive, np.log(np.where(positive, high, 1.0) / safe), 0.0) / c
    below = np.where(
        positive & (low > 0),
        fte * np.exp(t_low**2 / 2) * cdf(-t_low),
        np.where(
            positive,  # low == 0 < fte: max(0, fte (1 + z / c)) for z < 0
            fte * (cdf(0.0) - cdf(-c) + (pdf(-c) - pdf(0.0)) / c),
            0.0,  # fte == 0: 0 below
        ),
    )
    above = np.where(
        positive,
        fte * np.exp(t_high**2 / 2) * cdf(t_high),
        high * pdf(0.0) / c,  # fte == 0 < high: high z / c for z > 0 (0 where high == 0)
    )
    return np.where((low == fte) & (high == fte), fte, below + above)


def sample_normals(seed: int, k: int, n: int, held_out: bool = False) -> np.ndarray:
    """The n standard normals of sample k (SeedSequence(seed).spawn(...)[k]); ``held_out``:
    those of its held-out twin (SeedSequence(seed, spawn_key=(k, 1)))."""
    key = (k, HELD_OUT_KEY) if held_out else (k,)
    rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=key))
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

    def fte(self, k: int, held_out: bool = False) -> np.ndarray:
        """Sample k's FTE per application (``held_out``: its held-out twin, module
        docstring)."""
        z = sample_normals(self.seed, k, self.problem.n, held_out)
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
    recommendation: Recommendation | None = None
    cvar_set: CvarSet | None = None
    timings_s: dict[str, float] = field(default_factory=dict)  # not in the files

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
            **(
                {"recommendation": self.recommendation.summary(self)}
                if self.recommendation is not None
                else {}
            ),
            **({"cvar": self.cvar_set.summary(self)} if self.cvar_set is not None else {}),
        }

    @property
    def point_scale(self) -> np.ndarray:
        return self.point.scales()


@dataclass
class Recommendation:
    """The robust recommendation: the award set that maximises the expected FTE under the
    sampling distribution. A fixed award set's FTE is linear in the FTE figures, so its
    expected FTE is its FTE at the per-application expected figures (``expected_fte``, closed
    form): the recommendation is the exact optimum (the whole pipeline, status checked) of the
    point problem with fte replaced by those. Its expected FTE is never below the point set's
    (``expected_fte`` in the summary, exact); the samples and as many held-out samples (drawn
    apart, module docstring) show the spread of both sets."""

    scale: np.ndarray  # problem order, as awarded (whole cents)
    fte_expected: np.ndarray  # problem order: expected FTE per application (closed form)
    fte_mean: np.ndarray  # problem order: mean of the sampled FTE per application
    delivered: np.ndarray  # per sample: FTE this award set delivers
    held_out_point: np.ndarray  # per held-out sample: FTE of the point award set
    held_out_recommended: np.ndarray  # ... of this award set
    objective_fte: float  # scale @ fte_expected: this set's expected FTE

    def changes(self, point_scale: np.ndarray) -> list[tuple[int, str]]:
        """(application index, how) where this set differs from the point optimum, in
        problem order: ``recommended_only``, ``point_only`` or ``scale`` (both fund it)."""
        found = []
        for i, (p, r) in enumerate(zip(point_scale, self.scale)):
            if (p > 0) != (r > 0):
                found.append((i, "recommended_only" if r > 0 else "point_only"))
            elif abs(float(p) - float(r)) > SCALE_DIFFERS:
                found.append((i, "scale"))
        return found

    def summary(self, result: RobustResult) -> dict[str, Any]:
        point = result.point_scale
        ids = result.app_ids
        changes = self.changes(point)
        point_fte = float(point @ result.point.problem.fte)
        rec_mean = _mean(self.delivered, self.objective_fte)
        point_mean = _mean(result.delivered, point_fte)
        point_expected = float(point @ self.fte_expected)
        return {
            "method": "the award set with the highest expected FTE under the sampling "
            "distribution (the exact optimum at each application's expected FTE, in closed form)",
            "status": "optimal",
            "expected_fte": self.objective_fte,
            "point_expected_fte": point_expected,
            "gain_expected": self.objective_fte - point_expected,
            "fte_mean": rec_mean,
            "fte_p10": float(np.percentile(self.delivered, 10)),
            "fte_min": float(self.delivered.min()),
            "fte_max": float(self.delivered.max()),
            "gain_mean": rec_mean - point_mean,
            "gain_p10": float(np.percentile(self.delivered, 10))
            - float(np.percentile(result.delivered, 10)),
            "held_out": {
                "samples": len(self.held_out_point),
                "point_fte_mean": _mean(self.held_out_point, point_fte),
                "point_fte_p10": float(np.percentile(self.held_out_point, 10)),
                "recommended_fte_mean": _mean(self.held_out_recommended, self.objective_fte),
                "recommended_fte_p10": float(np.percentile(self.held_out_recommended, 10)),
            },
            "awarded": int((self.scale > 0).sum()),
            "differs": len(changes),
            "funded_only_by_recommendation": [
                ids[i] for i, h in changes if h == "recommended_only"
            ],
            "funded_only_by_point": [ids[i] for i, h in changes if h == "point_only"],
            "scaled_differently": [ids[i] for i, h in changes if h == "scale"],
        }

    def rows(self, result: RobustResult) -> list[dict[str, Any]]:
        """robust_recommendation.csv: one row per eligible application, by application_id."""
        how = dict(self.changes(result.point_scale))
        rows = [
            {
                "application_id": a,
                "fte": float(f),
                "fte_expected": float(e),
                "fte_sample_mean": float(m),
                "point_scale": float(p),
                "recommended_scale": float(r),
                "funded_share": float(sh),
                "change": how.get(i, ""),
            }
            for i, (a, f, e, m, p, r, sh) in enumerate(
                zip(
                    result.app_ids,
                    result.point.problem.fte,
                    self.fte_expected,
                    self.fte_mean,
                    result.point_scale,
                    self.scale,
                    result.funded_share,
                )
            )
        ]
        if result.cvar_set is not None:  # --cvar: its award set in one more column
            for row, c in zip(rows, result.cvar_set.scale):
                row["cvar_scale"] = float(c)
        return rows


RECOMMENDATION_COLUMNS = [
    "application_id",
    "fte",
    "fte_expected",
    "fte_sample_mean",
    "point_scale",
    "recommended_scale",
    "funded_share",
    "change",
]
SCALE_DIFFERS = 1e-9
"""Two scales of one application differ beyond this: the sets differ there."""


def recommend(
    problem: AllocationProblem,
    options: RunOptions,
    solver: SampleSolver,
    samples: int,
) -> Recommendation:
    """The expected-FTE optimum (Recommendation), solved exactly; NoPointOptimum when that
    solve ends otherwise than optimal."""
    from .engine import _optimal
    from .feasibility import whole_cents

    base = problem.fte
    fte_expected = expected_fte(base, solver.low, solver.high)  # exactly fte at zero width
    status, scale, _, extra = _optimal(replace(problem, fte=fte_expected), options, {})
    if status is not SolveStatus.optimal or scale is None:
        raise NoPointOptimum(
            f"the robust recommendation (the optimum at the expected FTE) ended "
            f"{status.value}, not optimal: {extra.get('message', '')}"
        )
    scale, _ = whole_cents(problem, np.asarray(scale, dtype=np.float64))
    shift = np.zeros(problem.n)
    delivered = np.empty(samples)
    held_point, held_rec = np.empty(samples), np.empty(samples)
    point = solver.point_scale
    for k in range(samples):  # in sample order: the same sums wherever the samples ran
        sampled = solver.fte(k)
        shift += sampled - base
        delivered[k] = float(scale @ sampled)
        held = solver.fte(k, held_out=True)
        held_point[k], held_rec[k] = float(point @ held), float(scale @ held)
    return Recommendation(
        scale=scale,
        fte_expected=fte_expected,
        fte_mean=base + shift / samples,  # exactly fte where every sample is fte
        delivered=delivered,
        held_out_point=held_point,
        held_out_recommended=held_rec,
        objective_fte=float(scale @ fte_expected),
    )


CVAR_MAX_ENTRIES = 5_000_000
"""--cvar builds one MIP holding every sample (samples x eligible applications entries): at
most this many (bench/README.md: 1,000 samples x 299 applications solve in ~30 s)."""


@dataclass
class CvarSet:
    """The award set with the highest CVaR: the mean FTE over the worst ``alpha`` share of the
    samples (Rockafellar-Uryasev: max t - sum_k max(0, t - X_k) / (alpha N) over t and the
    award set, X_k the set's FTE in sample k), solved exactly in one MIP that holds every
    sample; the scenario's secondary objectives are not applied to it."""

    alpha: float
    scale: np.ndarray  # problem order, as awarded (whole cents)
    delivered: np.ndarray  # per sample

    def summary(self, result: RobustResult) -> dict[str, Any]:
        point, ids = result.point_scale, result.app_ids
        rec = result.recommendation
        changes = [
            i for i, (p, c) in enumerate(zip(point, self.scale))
            if (p > 0) != (c > 0) or abs(float(p) - float(c)) > SCALE_DIFFERS
        ]  # fmt: skip
        return {
            "alpha": self.alpha,
            "method": f"the award set with the highest mean FTE over the worst {self.alpha:g} "
            "of the samples (CVaR), one exact MIP over all samples",
            "status": "optimal",
            "cvar": cvar(self.delivered, self.alpha),
            "point_cvar": cvar(result.delivered, self.alpha),
            "recommended_cvar": None if rec is None else cvar(rec.delivered, self.alpha),
            "expected_fte": None if rec is None else float(self.scale @ rec.fte_expected),
            "fte_mean": float(np.mean(self.delivered)),
            "fte_p10": float(np.percentile(self.delivered, 10)),
            "differs": len(changes),
            "differs_from_point": [ids[i] for i in changes],
        }


def cvar(values: np.ndarray, alpha: float) -> float:
    """The mean of the worst ``alpha`` share of ``values`` (a fraction of the last one where
    alpha x N is not whole): the CVaR of the formula in CvarSet."""
    ordered = np.sort(np.asarray(values, dtype=np.float64))
    m = alpha * len(ordered)
    whole = min(len(ordered), math.floor(m + 1e-9))  # alpha x N whole up to round-off
    total = math.fsum(ordered[:whole])
    if whole < len(ordered) and m - whole > 1e-9:
        total += (m - whole) * float(ordered[whole])
    return total / m


def _check_cvar(samples: int, n: int, alpha: float) -> None:
    if not 0 < alpha <= 1:
        raise ValueError("the CVaR share must lie in (0, 1]")
    if samples * n > CVAR_MAX_ENTRIES:
        raise ValueError(
            f"--cvar over {samples:,} samples x {n:,} applications is one MIP of "
            f"{samples * n:,} entries, over the limit of {CVAR_MAX_ENTRIES:,}"
        )


def cvar_set(
    problem: AllocationProblem,
    options: RunOptions,
    solver: SampleSolver,
    samples: int,
    alpha: float,
) -> CvarSet:
    """The CVaR award set (CvarSet); NoPointOptimum when its solve ends otherwise than
    optimal, ValueError when the MIP would be larger than CVAR_MAX_ENTRIES."""
    from .backends import Feature, get_backend
    from .feasibility import snap_scales, whole_cents
    from .model.mip import CONTINUOUS, build_mip
    from .model.problem import ConstraintInfo

    _check_cvar(samples, problem.n, alpha)
    backend = get_backend(options.solver)
    base = build_mip(problem, semicontinuous=Feature.SEMICONTINUOUS in backend.features)
    names = ["cvar:t"] + [f"cvar:shortfall:{k}" for k in range(samples)]
    lower = np.concatenate(([-np.inf], np.zeros(samples)))
    model, cols = base.with_columns(names, lower, np.inf, CONTINUOUS)
    t_col, short = cols[0], cols[1:]
    rows, columns, values = [], [], []
    for k in range(samples):  # shortfall_k >= t - fte_k . s
        fte = solver.fte(k)
        nz = np.flatnonzero(fte)
        rows.append(np.full(len(nz) + 2, k))
        columns.append(np.concatenate((base.scale_col[nz], [t_col, short[k]])))
        values.append(np.concatenate((fte[nz], [-1.0, 1.0])))
    infos = [ConstraintInfo(f"cvar:{k}", "cvar", str(k)) for k in range(samples)]
    model = model.with_rows(
        infos, 0.0, np.inf, np.concatenate(rows), np.concatenate(columns), np.concatenate(values)
    )
    objective = np.zeros(model.num_cols)
    objective[t_col] = 1.0
    objective[short] = -1.0 / (alpha * samples)
    raw = backend.solve(replace(model, col_obj=objective), options)
    if raw.status is not SolveStatus.optimal or raw.values is None:
        raise NoPointOptimum(
            f"the CVaR award set ended {raw.status.value}, not optimal: {raw.message}"
        )
    scale = snap_scales(problem, raw.values[model.scale_col], model.choices(raw.values))
    scale, _ = whole_cents(problem, scale)
    delivered = np.array([float(scale @ solver.fte(k)) for k in range(samples)])
    return CvarSet(alpha, scale, delivered)


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
    recommended: bool = True,
    cvar_alpha: float | None = None,
) -> RobustResult:
    """The point-estimate optimum, then ``samples`` exact solves of sampled FTE values (see
    the module docstring) and, with ``recommended``, the robust recommendation
    (Recommendation); with ``cvar_alpha``, the CVaR award set too (CvarSet). Raises NoPointOptimum when the point problem has no proven
    optimum or a sample's solve ends otherwise than optimal."""
    from .catalog import model_plans
    from .executor import run_map

    if samples < 1:
        raise ValueError("samples must be at least 1")
    options = RunOptions.model_validate(
        {**(options or RunOptions()).model_dump(), "method": "optimal", "time_limit_s": None}
    )
    plans = plans if plans is not None else model_plans()
    t0 = time.perf_counter()
    point = allocate(applications, scenario, options, regions=regions, plans=plans)
    t1 = time.perf_counter()
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
    if cvar_alpha is not None:
        _check_cvar(samples, problem.n, cvar_alpha)  # before the long part, not after it
    found = run_map(solver, range(samples), workers, dask_address, progress)
    t2 = time.perf_counter()
    funded = np.zeros(problem.n, dtype=np.int64)
    for flags, _, _ in found:
        funded += flags
    recommendation = recommend(problem, options, solver, samples) if recommended else None
    t3 = time.perf_counter()
    lowest = None
    if cvar_alpha is not None:
        lowest = cvar_set(problem, options, solver, samples, cvar_alpha)
    timings = {"point": t1 - t0, "samples": t2 - t1, "recommendation": t3 - t2}
    if lowest is not None:
        timings["cvar"] = time.perf_counter() - t3
    return RobustResult(
        point=point,
        samples=samples,
        seed=seed,
        funded_share=funded / samples,
        delivered=np.array([d for _, d, _ in found], dtype=np.float64),
        optima=np.array([o for _, _, o in found], dtype=np.float64),
        from_file=from_file,
        recommendation=recommendation,
        cvar_set=lowest,
        timings_s=timings,
    )


def render(result: RobustResult) -> dict[str, bytes]:
    """The files of a robust run: robust.csv, robust_summary.json and (with a
    recommendation) robust_recommendation.csv."""
    from .io.outputs import render_csv, render_json

    files = {
        "robust.csv": render_csv(result.rows(), ["application_id", "funded_share", "class"]),
        "robust_summary.json": render_json(result.summary()),
    }
    if result.recommendation is not None:
        columns = RECOMMENDATION_COLUMNS + (["cvar_scale"] if result.cvar_set else [])
        files["robust_recommendation.csv"] = render_csv(result.recommendation.rows(result), columns)
    return files
