"""What every solver backend offers, and what it hands back (our own types only)."""

from __future__ import annotations

import abc
import enum
from dataclasses import dataclass

import numpy as np

from ..domain import RunOptions, SolveStatus
from ..model.mip import SEMICONTINUOUS, LinearModel
from ..model.reduce import dual_bound, relaxation
from ..solution import LpSolution

FEASIBILITY_TOL = 1e-7
"""Primal feasibility tolerance asked of the solvers, in model units (EUR 1,000): EUR 0.0001."""


class SolverFailed(RuntimeError):
    """A solver ended in a state we cannot use (neither a solution nor a proof of none): the
    message is one line for the user, naming the solver, the step and its status."""


class Feature(str, enum.Enum):
    INTEGER_VARIABLES = "integer_variables"
    TIME_LIMIT = "time_limit"
    GAP_LIMIT = "gap_limit"
    WARM_START = "warm_start"
    SEMICONTINUOUS = "semicontinuous"  # columns in {0} u [lb, ub]
    LP_DUALS = "lp_duals"  # solve_relaxation gives reduced costs


@dataclass
class RawSolution:
    """A backend's answer in our terms. ``values`` is None unless status has a solution."""

    status: SolveStatus
    values: np.ndarray | None = None
    objective: float | None = None
    bound: float | None = None
    message: str = ""

    @property
    def gap(self) -> float | None:
        if self.objective is None or self.bound is None:
            return None
        return abs(self.bound - self.objective) / max(abs(self.bound), 1e-9)


class Backend(abc.ABC):
    """One solver stack. Subclasses are the only code that imports a solver library."""

    name: str = ""
    description: str = ""
    features: frozenset[Feature] = frozenset()
    proves_bound: bool = True
    """Does solve() hand back the solver's own proven dual bound? False: RawSolution.bound is
    always None and a status ``optimal`` is only the solver's word that it stopped within
    options.mip_rel_gap (the engine then checks it against our own LP bound, lp_bound)."""

    @classmethod
    @abc.abstractmethod
    def available(cls) -> bool:
        """True when the library behind this backend can be imported."""

    @abc.abstractmethod
    def solve(
        self, model: LinearModel, options: RunOptions, start: np.ndarray | None = None
    ) -> RawSolution:
        """Solve ``model`` (a maximisation) and map the outcome to our status. ``start`` is a
        feasible column vector to begin from (used only with Feature.WARM_START)."""

    def solve_relaxation(self, model: LinearModel) -> LpSolution | None:
        """Optimal LP solution with reduced costs, None if infeasible (Feature.LP_DUALS)."""
        raise NotImplementedError(f"{self.name} does not give LP reduced costs")

    def relaxation_duals(self, model: LinearModel) -> list[np.ndarray] | None:
        """Row duals of ``model``'s LP relaxation (our ``model``, a maximisation), as
        candidates: any vector gives a proven bound (reduce.dual_bound), so a backend unsure
        of its library's sign convention may offer several. None: none to be had (an
        infeasible or unsolved LP, or no duals from this library)."""
        if Feature.LP_DUALS not in self.features:
            return None
        lp = self.solve_relaxation(relaxation(model))
        return None if lp is None else [lp.row_duals]

    def lp_bound(self, model: LinearModel) -> float | None:
        """A proven upper bound on every solution of ``model`` from its LP relaxation (weak
        duality, model/reduce.py: round-off in the LP cannot make it wrong); None when this
        backend cannot give one."""
        candidates = self.relaxation_duals(model)
        if not candidates:
            return None
        bounds = [
            dual_bound(model, _as_lp(y)).value
            for y in candidates
            if y is not None and len(y) == model.num_rows and np.all(np.isfinite(y))
        ]
        bounds = [b for b in bounds if np.isfinite(b)]
        return min(bounds) if bounds else None

    def lp_session(self, model: LinearModel, hint: object | None = None) -> LpSession:
        """Keep the LP ``model`` loaded for many re-solves that change only bounds
        (Feature.LP_DUALS). ``hint``: from LpSession.hint of a related LP, where to start."""
        return RebuildLpSession(self, model)

    def solve_small(
        self,
        model: LinearModel,
        options: RunOptions,
        start: np.ndarray | None = None,
        abs_gap: float | None = None,
    ) -> RawSolution:
        """Solve a small model left by reduced-cost fixing, one of many in a row (a backend
        may tune itself for that). ``abs_gap``: optimal once within this much (objective
        units) of the proven bound, instead of options.mip_rel_gap of this model's own
        objective (the caller knows the objective of the whole). By default solve() with
        the gap as a relative one where the backend has no absolute gap."""
        return self.solve(model, options, start=start)

    def check_supported(self, model: LinearModel) -> None:
        """Refuse a model that uses column kinds this backend cannot express."""
        if Feature.SEMICONTINUOUS not in self.features and (model.col_kind == SEMICONTINUOUS).any():
            raise ValueError(f"{self.name} has no semi-continuous columns; build the model without")


class LpSession(abc.ABC):
    """An LP kept loaded in a backend; each solve sets all bounds afresh and starts from the
    same point (the first optimal basis), so no result depends on the solves before it."""

    @abc.abstractmethod
    def solve(
        self, col_lb: np.ndarray, col_ub: np.ndarray, row_ub: np.ndarray | None = None
    ) -> LpSolution | None:
        """Optimal solution with reduced costs under these bounds; None when infeasible."""

    def resolve(self, col_lb: np.ndarray, col_ub: np.ndarray) -> LpSolution | None:
        """As solve, but from wherever the last solve ended (a sequence of solves that each
        add to the bounds before, e.g. a dive); by default the same as solve."""
        return self.solve(col_lb, col_ub)

    def hint(self, cols: np.ndarray, rows: np.ndarray) -> object | None:
        """Where the last solve ended, for an LP over these columns and rows of this one
        (its restriction, model/compact.py): passed to Backend.lp_session. None: no hint.
        Only a starting point: the LP it starts is solved to optimality all the same."""
        return None


class RebuildLpSession(LpSession):
    def __init__(self, backend: Backend, model: LinearModel):
        self.backend, self.model = backend, model

    def solve(
        self, col_lb: np.ndarray, col_ub: np.ndarray, row_ub: np.ndarray | None = None
    ) -> LpSolution | None:
        from dataclasses import replace

        changed = replace(self.model, col_lb=col_lb, col_ub=col_ub)
        if row_ub is not None:
            changed = replace(changed, row_ub=row_ub)
        return self.backend.solve_relaxation(changed)


def _as_lp(row_duals: np.ndarray) -> LpSolution:
    """An LpSolution holding only row duals (all dual_bound reads)."""
    empty = np.zeros(0)
    return LpSolution(0.0, empty, empty, np.asarray(row_duals, dtype=np.float64))
