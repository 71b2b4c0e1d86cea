"""Exact solves of one allocation problem under many FTE vectors (robust.py's samples).

A sample changes the objective only: the columns, rows and bounds are those of the point
estimate. So each worker builds the model once (``SampleModel``): the MIP arrays
(model/mip.py, explicit choice columns), the LP relaxation loaded in the solver (HiGHS: one
instance whose column costs are changed per sample) with its optimal basis at the point
estimate, and the point-estimate award set as a column vector. Per sample (``solve``):

1. the LP with the sample's costs, from the point basis: a proven bound U on every award set
   (model/reduce.py, DualBound: weak duality, so no LP tolerance can make it wrong) and what
   moving each column costs against it;
2. the point award set is feasible for every sample: its value L0 under the sample is a
   lower bound; within the gap of U it is the sample's optimum (proven by U);
3. reduced-cost fixing against a guess U - eps (only where to look), fixed columns taken
   out (model/compact.py) and three rounding dives in that small model: a solution near the
   optimum, kept where it holds every row of the full model; the best known value L;
4. reduced-cost fixing against a second guess G = U - eps' (GUESS_SOLVE) and the small MIP
   that is left solved from the best solution known, to the same relative gap as an
   ``allocator solve`` (absolute gap mip_rel_gap x L, no looser since L <= the optimum), its
   status checked: an optimum of at least G is the sample's optimum (every better award set
   keeps those fixings); below G, the model fixed against the best value known (exact: a
   value some award set reaches) is solved once more; where L is already within a few eps
   of U, that exact fixing at once;
5. scales snapped as the pipeline snaps them, and the scenario's secondary objectives (if
   any) applied as the pipeline applies them (engine._secondary).

Anything that does not end as expected (a backend without LP duals, ``reduce`` off, an LP or
small MIP that does not end optimal) falls back to the whole pipeline for that sample
(engine._optimal), whose status is checked by the caller. Each step is a function of the
sample's FTE and of what every worker builds identically (the LP restarts from the same
basis with the solver's state cleared each time; HiGHS with a fixed random seed and one
thread), so a sample's result does not depend on the samples solved before it in the same
worker, on the worker count or on where it runs.

Measured on a generated 500-application submission (299 eligible), per sample on one core:
the whole pipeline 0.6 s; this path about 0.07 s (LP 1 ms, dives 5-8 ms, the small MIP of
~200 columns the rest). bench/README.md, "Uncertainty (issue 12)".
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import numpy.typing as npt

from .domain import RunOptions, SolveStatus
from .feasibility import snap_scales
from .model.compact import Restricted, restrict
from .model.mip import LinearModel, build_mip
from .model.problem import AllocationProblem
from .model.reduce import (
    DualBound,
    best_dive,
    dual_bound,
    fix_by_reduced_cost,
    is_feasible,
    relaxation,
    start_vector,
)
from .solution import LpSolution

Floats = npt.NDArray[np.float64]

GUESS_POINT_GAP = 4.0
"""The guess of step 3 lies this many times the point estimate's LP gap (LP bound minus its
optimum) below the sample's bound U; never less than GUESS_FLOOR_REL x U. Only where the
dives look: the result is exact for any value. Tuned on generated 500- and 1,000-application
submissions and the shipped sample (a sample's LP gap is typically 1-10x the point's)."""
GUESS_FLOOR_REL = 2e-5
GUESS_SOLVE = 2.0
GUESS_GROWTH = 4.0
EXACT_WITHIN = 3.0
"""Step 4 first solves the small model fixed against a guess G = U - eps, eps =
GUESS_SOLVE x the point's LP gap (at least GUESS_FLOOR_REL x U): an optimum there of at
least G is the sample's optimum (every better award set keeps those fixings); one below G
is a solution, and the model fixed against its value is solved once more (exact); none at
all: eps grows by GUESS_GROWTH. Where the best known value lies within EXACT_WITHIN x eps of
U, it is fixed against that value at once. On the generated 500-application submission
0.081 -> 0.065 s a sample (no change on the shipped sample)."""
DIVE_UP_FROM = (0.3, 0.5, 0.15)
"""Rounding dives (model/reduce.py): an integer column rounds up from this fraction."""


class SampleUnsolved(RuntimeError):
    """A sample's solve ended otherwise than optimal (the message says how)."""


@dataclass
class SampleAnswer:
    scale: Floats  # problem order, snapped (0 or in [min_scale, 1])
    objective: float  # scale @ fte
    path: str  # "point" (the point set proven optimal), "fast" or "pipeline"


class SampleModel:
    """Everything a worker builds once for solving samples of ``problem``."""

    def __init__(self, problem: AllocationProblem, options: RunOptions, point_scale: Floats):
        from .backends import Feature, get_backend

        self.problem = problem
        self.options = options
        self.backend: Any = get_backend(options.solver)
        features = self.backend.features
        self.fast = (
            options.reduce and problem.n > 0 and {Feature.LP_DUALS, Feature.WARM_START} <= features
        )
        self.model: LinearModel = build_mip(problem)  # explicit choice columns: dives round them
        self.n_extra = self.model.num_cols - problem.n
        self.point_x = _point_vector(self.backend, self.model, problem, point_scale)
        self.lp: _CostLp | None = None
        self.point_lp_gap = 0.0
        if self.fast:
            self.lp = _CostLp(self.backend, self.model)
            at_point = self.lp.solve(self._costs(problem.fte))
            if at_point is None:  # cannot be: the point problem has an optimum
                self.fast = False
            else:
                bound = dual_bound(self.model, at_point)
                self.point_lp_gap = max(0.0, bound.value - float(point_scale @ problem.fte))

    def _costs(self, fte: Floats) -> Floats:
        return np.concatenate((np.asarray(fte, dtype=np.float64), np.zeros(self.n_extra)))

    def solve(self, fte: Floats) -> SampleAnswer:
        """The optimal award set under ``fte`` (SampleUnsolved when there is none proven)."""
        if self.fast:
            try:
                found = self._fast(fte)
            except Exception:  # any surprise: the whole pipeline decides (and is checked)
                found = None
            if found is not None:
                return found
        return self._pipeline(fte)

    # ---- the whole pipeline (engine._optimal) --------------------------------------------

    def _pipeline(self, fte: Floats) -> SampleAnswer:
        from .engine import _optimal

        status, scale, _, extra = _optimal(
            replace(self.problem, fte=np.asarray(fte, dtype=np.float64)), self.options, {}
        )
        if status is not SolveStatus.optimal or scale is None:
            raise SampleUnsolved(
                f"the solve ended {status.value}, not optimal ({extra.get('message', '')})"
            )
        scale = np.asarray(scale, dtype=np.float64)
        return SampleAnswer(scale, float(scale @ fte), "pipeline")

    # ---- the fast path (module docstring) ---------------------------------------------------

    def _fast(self, fte: Floats) -> SampleAnswer | None:
        assert self.lp is not None
        costs = self._costs(fte)
        model = replace(self.model, col_obj=costs)
        lp = self.lp.solve(costs)
        if lp is None:
            return None
        bound = dual_bound(model, lp)
        upper = bound.value
        best, lower = None, -math.inf
        if self.point_x is not None:
            best, lower = self.point_x, float(costs @ self.point_x)
        if best is not None and upper - lower <= self._gap(lower):
            return self._answer(best, fte, "point")
        x = self._dive_near(model, bound)
        if x is not None and is_feasible(model, x) and float(costs @ x) > lower:
            best, lower = x, float(costs @ x)
        if best is None:
            return None
        eps = max(GUESS_FLOOR_REL * max(1.0, abs(upper)), GUESS_SOLVE * self.point_lp_gap)
        while True:
            gap = self._gap(lower)
            if upper - lower <= gap:  # proven by the LP bound
                return self._answer(best, fte, "fast")
            guess = upper - eps
            exact = guess <= lower or upper - lower <= EXACT_WITHIN * eps
            found = self._small(model, bound, lower if exact else guess, best, gap)
            if found is None:  # the guess left no solution: look further down
                if exact:
                    return None
                eps *= GUESS_GROWTH
                continue
            value = float(costs @ found)
            if exact:
                if value < lower - gap:  # below a known solution: not an optimum
                    return None
                return self._answer(found, fte, "fast")
            if value >= guess:  # every better award set kept the fixings: the optimum
                return self._answer(found, fte, "fast")
            if value > lower:  # below the guess: fixed against the best value known next
                best, lower = found, value
            eps = upper - lower

    def _small(
        self, model: LinearModel, bound: DualBound, against: float, best: Floats, gap: float
    ) -> Floats | None:
        """Fix by reduced cost against ``against``, take the fixed columns out and solve the
        rest from ``best`` (where it keeps the fixings); the solution as full columns, None
        when the small model has none (SampleUnsolved if it ends otherwise)."""
        fixed, _ = fix_by_reduced_cost(model, self.problem, bound, against)
        small = restrict(model, fixed.col_lb, fixed.col_ub)
        if small is None:
            return None
        start = small.shrink(best) if is_feasible(fixed, best) else None
        raw = self.backend.solve_small(small.model, self.options, start=start, abs_gap=gap)
        if raw.status is SolveStatus.infeasible:
            return None
        if raw.status is not SolveStatus.optimal or raw.values is None:
            raise SampleUnsolved(f"the small model ended {raw.status.value} {raw.message}")
        return small.expand(np.asarray(raw.values, dtype=np.float64))

    def _gap(self, lower: float) -> float:
        """The absolute gap at which a solution worth ``lower`` is optimal: the relative gap
        of an ``allocator solve`` on the whole objective (no looser: lower <= the optimum)."""
        return self.options.mip_rel_gap * max(1.0, abs(lower))

    def _dive_near(self, model: LinearModel, bound: DualBound) -> Floats | None:
        upper = bound.value
        eps = max(GUESS_FLOOR_REL * max(1.0, abs(upper)), GUESS_POINT_GAP * self.point_lp_gap)
        guess, _ = fix_by_reduced_cost(model, self.problem, bound, upper - eps)
        small = restrict(model, guess.col_lb, guess.col_ub)
        if small is None:
            return None
        return _dive(self.backend, small)

    def _answer(self, x: Floats, fte: Floats, path: str) -> SampleAnswer:
        model, problem = self.model, self.problem
        scale = snap_scales(problem, x[model.scale_col], model.choices(x))
        objective = float(scale @ fte)
        if problem.secondary:  # the board's tie-breaks, as the pipeline applies them
            from .engine import _secondary

            sample = replace(problem, fte=np.asarray(fte, dtype=np.float64))
            scale = _secondary(sample, scale, objective, self.backend, self.options)
            objective = float(scale @ fte)
        return SampleAnswer(np.asarray(scale, dtype=np.float64), objective, path)


def _point_vector(
    backend: Any, model: LinearModel, problem: AllocationProblem, scale: Floats
) -> Floats | None:
    """The point award set as a column vector the model accepts (every row within 1e-6),
    None if there is none. Its awards are in whole cents, which may leave a rule over the
    total (the regional minimum) a fraction of a cent short in the model's terms; then the
    same funded set with the scales the LP gives it (integer columns fixed) stands in."""
    x = start_vector(model, problem, scale)
    if is_feasible(model, x):
        return x
    from .backends import Feature

    if Feature.LP_DUALS not in backend.features:
        return None
    integer = model.col_integer
    lb, ub = model.col_lb.copy(), model.col_ub.copy()
    lb[integer] = ub[integer] = np.round(x[integer])
    lp = backend.solve_relaxation(relaxation(replace(model, col_lb=lb, col_ub=ub)))
    if lp is None:
        return None
    y = np.asarray(lp.values, dtype=np.float64).copy()
    y[integer] = np.round(y[integer])
    return y if is_feasible(model, y) else None


def _dive(backend: Any, small: Restricted) -> Floats | None:
    """The best of the rounding dives in ``small`` (as full column vectors), None if all
    fail."""
    best = best_dive(small.model, backend.lp_session(relaxation(small.model)), DIVE_UP_FROM)
    return None if best is None else small.expand(best)


class _CostLp:
    """The LP relaxation of ``model``, loaded once; ``solve(costs)`` solves it with other
    column costs from the basis of the first solve. HiGHS: one instance, costs changed in
    place and the solver's state cleared before each solve (so no solve depends on the ones
    before it). Another backend with LP duals: the LP passed afresh each time."""

    def __init__(self, backend: Any, model: LinearModel):
        self.backend = backend
        self.model = relaxation(model)
        self.h: Any = None
        self.basis: Any = None
        if backend.name == "highs":
            from .backends.highs import _load

            self.h = _load(self.model, threads=1)
            self.cols = np.arange(self.model.num_cols, dtype=np.int32)

    def solve(self, costs: Floats) -> LpSolution | None:
        if self.h is None:
            found: LpSolution | None = self.backend.solve_relaxation(
                replace(self.model, col_obj=costs)
            )
            return found
        import highspy

        from .backends.highs import _lp_solution

        h = self.h
        h.clearSolver()
        h.changeColsCost(len(self.cols), self.cols, costs)
        if self.basis is not None:
            h.setBasis(self.basis)
        lp: LpSolution | None = _lp_solution(h, highspy)
        if self.basis is None and lp is not None:
            self.basis = h.getBasis()
        return lp
