"""PuLP: the model rebuilt as PuLP expressions and solved by CBC or by HiGHS (highspy).

PuLP hands back no dual bound of a MIP. pulp-highs reads it from the highspy instance PuLP
keeps; pulp-cbc has none (``proves_bound`` False): its ``optimal`` is only CBC's word that it
stopped within the gap, and the engine checks that against our own LP bound (lp_bound, from
the LP relaxation's duals, which PuLP does give)."""

from __future__ import annotations

import importlib.util
import os
from functools import cache
from types import ModuleType
from typing import TYPE_CHECKING

import numpy as np

from ..domain import RunOptions, SolveStatus
from ..model.mip import LinearModel
from .base import Backend, Feature, RawSolution

if TYPE_CHECKING:  # PuLP has no type information: these are Any to mypy
    from pulp import LpConstraint, LpProblem, LpSolver, LpVariable


class _PulpBackend(Backend):
    features = frozenset({Feature.INTEGER_VARIABLES, Feature.TIME_LIMIT, Feature.GAP_LIMIT})

    @classmethod
    def available(cls) -> bool:
        return importlib.util.find_spec("pulp") is not None

    def make_solver(self, pulp: ModuleType, options: RunOptions, mip: bool = True) -> LpSolver:
        raise NotImplementedError

    def dual_bound_of(self, pulp: ModuleType, prob: LpProblem) -> float | None:
        """The solver's proven bound after a MIP solve, None when it gives none."""
        return None

    def solve(
        self, model: LinearModel, options: RunOptions, start: np.ndarray | None = None
    ) -> RawSolution:
        self.check_supported(model)
        import pulp

        prob, xs, _ = _build(pulp, model, integer=True)
        from .highs import _silence_stdout

        with _silence_stdout():  # HiGHS 1.12 printf()s a debug line for some new solutions
            prob.solve(self.make_solver(pulp, options))
        return _result(pulp, prob, xs, self.dual_bound_of(pulp, prob))

    def relaxation_duals(self, model: LinearModel) -> list[np.ndarray] | None:
        """Row duals of the LP relaxation as PuLP reports them (``pi``); PuLP's sign for a
        maximisation differs between solvers, so both signs are offered (each a valid
        bound; lp_bound keeps the lower)."""
        import pulp

        from ..model.reduce import relaxation

        prob, _, rows = _build(pulp, relaxation(model), integer=False)
        from .highs import _silence_stdout

        with _silence_stdout():
            prob.solve(self.make_solver(pulp, RunOptions(), mip=False))
        if prob.status != pulp.LpStatusOptimal:
            return None
        y = np.zeros(model.num_rows)
        for k, constraints in enumerate(rows):
            for c in constraints:
                if c.pi is None:
                    return None
                y[k] += float(c.pi)
        return [y, -y]


def _build(
    pulp: ModuleType, model: LinearModel, integer: bool
) -> tuple[LpProblem, list[LpVariable], list[list[LpConstraint]]]:
    """``model`` as a PuLP problem; its variables and, per row of ``model``, its constraints."""
    prob = pulp.LpProblem("allocation", pulp.LpMaximize)
    xs = [
        prob.add_variable(
            f"x{j}",
            lowBound=float(model.col_lb[j]) if np.isfinite(model.col_lb[j]) else None,
            upBound=float(model.col_ub[j]) if np.isfinite(model.col_ub[j]) else None,
            cat=pulp.LpInteger if integer and model.col_integer[j] else pulp.LpContinuous,
        )
        for j in range(model.num_cols)
    ]
    prob.setObjective(
        pulp.LpAffineExpression([(xs[j], float(c)) for j, c in enumerate(model.col_obj) if c])
    )
    start, index, value = model.csr()
    rows: list[list[LpConstraint]] = []
    for k in range(model.num_rows):
        s, e = start[k], start[k + 1]
        expr = pulp.LpAffineExpression([(xs[j], float(v)) for j, v in zip(index[s:e], value[s:e])])
        lo, hi = model.row_lb[k], model.row_ub[k]
        name = f"c{k}"  # PuLP/CBC mangle ':' in names; our registry keeps the real name
        made = []
        if np.isfinite(hi):
            made.append(pulp.LpConstraint(expr, pulp.LpConstraintLE, name + "_ub", float(hi)))
        if np.isfinite(lo):
            made.append(pulp.LpConstraint(expr, pulp.LpConstraintGE, name + "_lb", float(lo)))
        for c in made:
            prob.addConstraint(c)
        rows.append(made)
    return prob, xs, rows


def _result(
    pulp: ModuleType, prob: LpProblem, xs: list[LpVariable], bound: float | None
) -> RawSolution:
    status = prob.status
    sol_status = prob.sol_status
    has_solution = sol_status in (pulp.LpSolutionOptimal, pulp.LpSolutionIntegerFeasible)
    if status == pulp.LpStatusInfeasible or sol_status == pulp.LpSolutionInfeasible:
        return RawSolution(SolveStatus.infeasible, message="PuLP: infeasible")
    if not has_solution:
        if status == pulp.LpStatusNotSolved:
            return RawSolution(
                SolveStatus.no_solution, bound=bound, message="PuLP: not solved before the limit"
            )
        return RawSolution(
            SolveStatus.error, message=f"PuLP: solver status {pulp.LpStatus[status]}"
        )
    values = np.array([v.varValue if v.varValue is not None else 0.0 for v in xs], dtype=np.float64)
    objective = float(pulp.value(prob.objective) or 0.0)
    if sol_status == pulp.LpSolutionOptimal:
        # optimal within the gap asked for; the bound only where the solver proved one
        return RawSolution(SolveStatus.optimal, values, objective, bound)
    return RawSolution(SolveStatus.feasible, values, objective, bound, "PuLP: stopped at the limit")


@cache
def cbc_path() -> str | None:
    """The CBC binary cbcbox ships inside its package, found through the package (not PATH,
    which lacks the virtual environment's bin/ when allocator is run by its full path)."""
    try:
        import cbcbox

        path = cbcbox.cbc_bin_path()
    except Exception:  # no cbcbox, or one without this function
        return None
    return path if os.path.isfile(path) and os.access(path, os.X_OK) else None


class PulpCbcBackend(_PulpBackend):
    name = "pulp-cbc"
    description = "PuLP with CBC from cbcbox (independent of HiGHS and SCIP)"
    proves_bound = False  # PuLP does not read CBC's best bound back

    @classmethod
    def available(cls) -> bool:
        if not super().available():
            return False
        import pulp

        return bool(pulp.COIN_CMD(msg=False, path=cbc_path()).available())

    def make_solver(self, pulp: ModuleType, options: RunOptions, mip: bool = True) -> LpSolver:
        return pulp.COIN_CMD(
            path=cbc_path(),
            mip=mip,
            msg=False,
            timeLimit=options.time_limit_s,
            gapRel=options.mip_rel_gap,
            gapAbs=1e-9,
            threads=options.threads,
            options=["randomSeed 1", "randomCbcSeed 1", "primalTolerance 1e-9"],
        )


class PulpHighsBackend(_PulpBackend):
    name = "pulp-highs"
    description = "PuLP with HiGHS through highspy"

    @classmethod
    def available(cls) -> bool:
        if not super().available() or importlib.util.find_spec("highspy") is None:
            return False
        import pulp

        return bool(pulp.HiGHS(msg=False).available())

    def make_solver(self, pulp: ModuleType, options: RunOptions, mip: bool = True) -> LpSolver:
        return pulp.HiGHS(
            mip=mip,
            msg=False,
            timeLimit=options.time_limit_s,
            gapRel=options.mip_rel_gap,
            gapAbs=1e-9,
            threads=options.threads,
            primal_feasibility_tolerance=1e-9,
            mip_feasibility_tolerance=1e-9,
            random_seed=0,
        )

    def dual_bound_of(self, pulp: ModuleType, prob: LpProblem) -> float | None:
        """HiGHS's proven dual bound, from the highspy instance PuLP keeps (PuLP passes the
        maximisation to HiGHS as a minimisation of the negated objective)."""
        h = getattr(prob, "solverModel", None)
        if h is None:
            return None
        try:
            import highspy

            raw = float(h.getInfo().mip_dual_bound)
            sense = h.getObjectiveSense()[1]
        except Exception:  # an older PuLP or highspy without these
            return None
        if not np.isfinite(raw):
            return None
        return -raw if sense == highspy.ObjSense.kMinimize else raw
