"""HiGHS through its own Python API (highspy): the matrix is passed in one call."""

from __future__ import annotations

import contextlib
import ctypes
import importlib.util
import math
import os
import sys
from collections.abc import Iterator
from types import ModuleType
from typing import TYPE_CHECKING, Any

import numpy as np

from .. import progress
from ..domain import RunOptions, SolveStatus
from ..model.mip import CONTINUOUS, LinearModel
from ..solution import LpSolution
from .base import FEASIBILITY_TOL, Backend, Feature, LpSession, RawSolution, SolverFailed

if TYPE_CHECKING:
    from highspy import Highs  # highspy has no type information: Any to mypy


class HighsBackend(Backend):
    name = "highs"
    description = "HiGHS MIP via highspy, model passed as arrays (fastest measured)"
    features = frozenset(
        {
            Feature.INTEGER_VARIABLES,
            Feature.TIME_LIMIT,
            Feature.GAP_LIMIT,
            Feature.WARM_START,
            Feature.SEMICONTINUOUS,
            Feature.LP_DUALS,
        }
    )

    @classmethod
    def available(cls) -> bool:
        return importlib.util.find_spec("highspy") is not None

    def solve(
        self, model: LinearModel, options: RunOptions, start: np.ndarray | None = None
    ) -> RawSolution:
        return _run(_load_mip(model, options), start, _reports(model))

    def solve_small(
        self,
        model: LinearModel,
        options: RunOptions,
        start: np.ndarray | None = None,
        abs_gap: float | None = None,
    ) -> RawSolution:
        h = _load_mip(model, options)
        if abs_gap is not None:
            h.setOptionValue("mip_rel_gap", 0.0)
            h.setOptionValue("mip_abs_gap", max(abs_gap, 1e-9))
        for name, value in SMALL_MODEL_OPTIONS.items():
            h.setOptionValue(name, value)
        if model.num_cols > ROOT_REDUCED_COST_MAX_COLS:
            h.setOptionValue("mip_heuristic_run_root_reduced_cost", False)
        return _run(h, start, _reports(model))

    def lp_session(self, model: LinearModel, hint: object | None = None) -> LpSession:
        return HighsLpSession(model, hint)

    def solve_relaxation(self, model: LinearModel) -> LpSolution | None:
        import highspy

        return _lp_solution(_load(model, threads=1), highspy)


SMALL_MODEL_OPTIONS: dict[str, object] = {
    "presolve": "off",
    "mip_heuristic_run_rins": False,
    "mip_heuristic_run_rens": False,
    "mip_heuristic_run_feasibility_jump": False,
}
ROOT_REDUCED_COST_MAX_COLS = 400
"""For the small models of explain.py (most columns nearly fixed, the optimum within a few FTE
of the LP bound) presolve and most sub-MIP heuristics cost more than they find; the root
reduced-cost sub-MIP pays off below ~400 columns only. Measured per variant on generated
submissions: 500 applications (~120 columns) 0.074 s with it off, 0.046 s on; 5,000
applications (~950 columns) 0.176 s on, 0.112 s off (bench/README.md)."""


class HighsLpSession(LpSession):
    """One HiGHS instance holding an LP and its first optimal basis; each solve starts from
    that basis (dual simplex, a few pivots), each resolve from where the last one ended. A
    first LP without an optimal basis (e.g. infeasible): each solve from scratch."""

    def __init__(self, model: LinearModel, hint: object | None = None):
        import highspy

        self.h = _load(model, threads=1)
        if hint is not None:  # a basis of a related LP; HiGHS mends one that does not fit
            self.h.setBasis(hint)
        self.h.run()
        optimal = self.h.getModelStatus() == highspy.HighsModelStatus.kOptimal
        self.basis = self.h.getBasis() if optimal else None  # None: each solve from scratch
        self.cols = np.arange(model.num_cols, dtype=np.int32)
        self.row_lb = _finite(model.row_lb)
        self.row_ub = _finite(model.row_ub)
        self.loaded_ub = self.row_ub.copy()  # row upper bounds now in the HiGHS instance

    def solve(
        self, col_lb: np.ndarray, col_ub: np.ndarray, row_ub: np.ndarray | None = None
    ) -> LpSolution | None:
        import highspy

        h = self.h
        h.changeColsBounds(len(self.cols), self.cols, col_lb, col_ub)
        upper = self.row_ub if row_ub is None else _finite(row_ub)
        for k in np.flatnonzero(upper != self.loaded_ub):  # highspy changes rows one by one
            h.changeRowBounds(int(k), float(self.row_lb[k]), float(upper[k]))
        self.loaded_ub = upper.copy()
        if self.basis is not None:
            h.setBasis(self.basis)
        else:
            h.clearSolver()
        return _lp_solution(h, highspy)

    def resolve(self, col_lb: np.ndarray, col_ub: np.ndarray) -> LpSolution | None:
        import highspy

        self.h.changeColsBounds(len(self.cols), self.cols, col_lb, col_ub)
        return _lp_solution(self.h, highspy)

    def hint(self, cols: np.ndarray, rows: np.ndarray) -> object | None:
        import highspy

        basis = self.h.getBasis()
        if not basis.valid:
            return None
        col_status, row_status = basis.col_status, basis.row_status  # copies: take them once
        restricted = highspy.HighsBasis()
        restricted.col_status = [col_status[j] for j in cols.tolist()]
        restricted.row_status = [row_status[k] for k in rows.tolist()]
        restricted.valid = True
        hint: object = restricted  # opaque to the caller: passed back to lp_session only
        return hint


def _lp_solution(h: Highs, highspy: ModuleType) -> LpSolution | None:
    """Run the loaded LP; its optimal solution, None when infeasible."""
    h.run()
    status = h.getModelStatus()
    if status == highspy.HighsModelStatus.kModelEmpty:  # no columns: x = () if the rows hold
        if not _empty_rows_hold(h):
            return None
        rows = h.getNumRow()
        return LpSolution(0.0, np.zeros(0), np.zeros(0), np.zeros(rows))
    if status == highspy.HighsModelStatus.kInfeasible:
        return None
    if status != highspy.HighsModelStatus.kOptimal:
        raise SolverFailed(
            f"HiGHS could not solve the LP relaxation (status: {h.modelStatusToString(status)}); "
            "numbers of very different sizes (an fte or a cost near the input limits?) can "
            "cause this"
        )
    solution = h.getSolution()
    return LpSolution(
        objective=h.getInfo().objective_function_value,
        values=np.asarray(solution.col_value),
        reduced_costs=np.asarray(solution.col_dual),
        row_duals=np.asarray(solution.row_dual),
    )


def _run(h: Highs, start: np.ndarray | None, report: bool = False) -> RawSolution:
    """Run HiGHS on its loaded model, from ``start`` if given, and map the outcome;
    ``report``: send the MIP's incumbent and bound to allocator.progress while it runs."""
    import highspy

    if report:
        h.cbMipInterrupt.subscribe(_report_mip)
    with _silence_stdout():  # HiGHS 1.12 printf()s a debug line for some new solutions
        if start is not None:
            solution = highspy.HighsSolution()
            solution.col_value = start.tolist()
            solution.value_valid = True
            h.setSolution(solution)
        h.run()
    return _result(h, highspy)


def _reports(model: LinearModel) -> bool:
    """Is anyone listening for this MIP's progress (allocator.progress)?"""
    return progress.active() and bool(np.any(model.col_kind != CONTINUOUS))


def _report_mip(event: Any) -> None:  # highspy's HighsCallbackEvent
    """HiGHS's MIP interrupt callback: its incumbent and bound (FTE) to allocator.progress."""
    data = event.data_out
    best, bound = float(data.mip_primal_bound), float(data.mip_dual_bound)
    progress.mip(best if math.isfinite(best) else None, bound if math.isfinite(bound) else None)


_LIBC = ctypes.CDLL(None)


def _finite(bounds: np.ndarray) -> np.ndarray:
    """Our infinities as HiGHS's."""
    import highspy

    inf = highspy.kHighsInf
    return np.where(np.isposinf(bounds), inf, np.where(np.isneginf(bounds), -inf, bounds))


@contextlib.contextmanager
def _silence_stdout() -> Iterator[None]:
    """Send the C library's stdout to /dev/null for a moment (Python's own is flushed first)."""
    sys.stdout.flush()
    saved = os.dup(1)
    try:
        with open(os.devnull, "wb") as null:
            os.dup2(null.fileno(), 1)
            try:
                yield
            finally:
                _LIBC.fflush(None)  # C's buffered stdout goes to /dev/null, not out later
    finally:
        os.dup2(saved, 1)
        os.close(saved)


def _load(model: LinearModel, threads: int) -> Highs:
    """A HiGHS instance holding ``model`` (passed as arrays in one call), options set."""
    import highspy

    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    h.setOptionValue("threads", threads)
    h.setOptionValue("random_seed", 0)
    h.setOptionValue("primal_feasibility_tolerance", FEASIBILITY_TOL)
    h.setOptionValue("mip_feasibility_tolerance", FEASIBILITY_TOL)
    start, index, value = model.csc()
    h.passModel(
        model.num_cols,
        model.num_rows,
        len(value),
        1,  # column-wise matrix
        -1,  # maximise
        0.0,
        model.col_obj,
        model.col_lb,
        model.col_ub,
        _finite(model.row_lb),
        _finite(model.row_ub),
        start,
        index,
        value,
        model.col_kind.astype(np.int32),  # our kinds are HiGHS's HighsVarType codes
    )
    return h


def _load_mip(model: LinearModel, options: RunOptions) -> Highs:
    h = _load(model, threads=options.threads)
    h.setOptionValue("mip_rel_gap", options.mip_rel_gap)
    h.setOptionValue("mip_abs_gap", 1e-9)
    if options.time_limit_s is not None:
        h.setOptionValue("time_limit", float(options.time_limit_s))
        if options.time_limit_s < PRESOLVE_S_PER_COL * model.num_cols:
            h.setOptionValue("presolve", "off")  # presolve is not cut short by time_limit
    return h


PRESOLVE_S_PER_COL = 1e-3
"""Under a time limit shorter than this many seconds per column, HiGHS runs without
presolve: one presolve pass does not look at the clock. Measured on 100,000 generated
applications (60,314 columns, ~6,000 eligible; 2 busy cores): time_limit 3 s took 69 s with
presolve (one pass of 66 s, which removed 20% of the columns), 6.7 s without."""


def _empty_rows_hold(h: Highs) -> bool:
    """A model without columns: every row's activity is 0; does 0 lie within each?"""
    lp = h.getLp()
    lower, upper = np.asarray(lp.row_lower_), np.asarray(lp.row_upper_)
    return bool(np.all(lower <= FEASIBILITY_TOL) and np.all(upper >= -FEASIBILITY_TOL))


def _result(h: Highs, highspy: ModuleType) -> RawSolution:
    status = h.getModelStatus()
    info = h.getInfo()
    ms = highspy.HighsModelStatus
    has_solution = info.primal_solution_status == 2  # kSolutionStatusFeasible
    values = np.asarray(h.getSolution().col_value) if has_solution else None
    objective = info.objective_function_value if has_solution else None
    bound = info.mip_dual_bound if np.isfinite(info.mip_dual_bound) else None
    if status == ms.kModelEmpty:  # no columns (every one fixed before): x = () if rows hold
        if not _empty_rows_hold(h):
            return RawSolution(SolveStatus.infeasible, message="HiGHS: infeasible")
        return RawSolution(SolveStatus.optimal, np.zeros(0), 0.0, 0.0)
    if status == ms.kOptimal:
        return RawSolution(
            SolveStatus.optimal, values, objective, bound if bound is not None else objective
        )
    if status in (ms.kInfeasible,):
        return RawSolution(SolveStatus.infeasible, message="HiGHS: infeasible")
    if status in (ms.kTimeLimit, ms.kIterationLimit, ms.kSolutionLimit, ms.kInterrupt):
        text = h.modelStatusToString(status)
        if has_solution:
            return RawSolution(SolveStatus.feasible, values, objective, bound, f"HiGHS: {text}")
        return RawSolution(SolveStatus.no_solution, bound=bound, message=f"HiGHS: {text}")
    return RawSolution(SolveStatus.error, message=f"HiGHS: {h.modelStatusToString(status)}")
