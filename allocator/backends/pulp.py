"""PuLP: the model rebuilt as PuLP expressions and solved by CBC or by HiGHS (highspy)."""

from __future__ import annotations

import importlib.util

import numpy as np

from ..domain import RunOptions, SolveStatus
from ..model.mip import LinearModel
from .base import Backend, Feature, RawSolution


class _PulpBackend(Backend):
    features = frozenset({Feature.INTEGER_VARIABLES, Feature.TIME_LIMIT, Feature.GAP_LIMIT})

    @classmethod
    def available(cls) -> bool:
        return importlib.util.find_spec("pulp") is not None

    def make_solver(self, pulp, options: RunOptions):  # type: ignore[no-untyped-def]
        raise NotImplementedError

    def solve(
        self, model: LinearModel, options: RunOptions, start: np.ndarray | None = None
    ) -> RawSolution:
        self.check_supported(model)
        import pulp

        prob = pulp.LpProblem("allocation", pulp.LpMaximize)
        xs = [
            prob.add_variable(
                f"x{j}",
                lowBound=float(model.col_lb[j]) if np.isfinite(model.col_lb[j]) else None,
                upBound=float(model.col_ub[j]) if np.isfinite(model.col_ub[j]) else None,
                cat=pulp.LpInteger if model.col_integer[j] else pulp.LpContinuous,
            )
            for j in range(model.num_cols)
        ]
        prob.setObjective(
            pulp.LpAffineExpression([(xs[j], float(c)) for j, c in enumerate(model.col_obj) if c])
        )
        start, index, value = model.csr()
        for k, info in enumerate(model.rows):
            s, e = start[k], start[k + 1]
            expr = pulp.LpAffineExpression(
                [(xs[j], float(v)) for j, v in zip(index[s:e], value[s:e])]
            )
            lo, hi = model.row_lb[k], model.row_ub[k]
            name = f"c{k}"  # PuLP/CBC mangle ':' in names; our registry keeps the real name
            if np.isfinite(hi):
                prob.addConstraint(expr <= float(hi), name=name + "_ub")
            if np.isfinite(lo):
                prob.addConstraint(expr >= float(lo), name=name + "_lb")
            del info
        solver = self.make_solver(pulp, options)
        prob.solve(solver)
        return _result(pulp, prob, xs)


def _result(pulp, prob, xs) -> RawSolution:  # type: ignore[no-untyped-def]
    status = prob.status
    sol_status = prob.sol_status
    has_solution = sol_status in (pulp.LpSolutionOptimal, pulp.LpSolutionIntegerFeasible)
    if status == pulp.LpStatusInfeasible or sol_status == pulp.LpSolutionInfeasible:
        return RawSolution(SolveStatus.infeasible, message="PuLP: infeasible")
    if not has_solution:
        if status == pulp.LpStatusNotSolved:
            return RawSolution(SolveStatus.no_solution, message="PuLP: not solved before the limit")
        return RawSolution(SolveStatus.error, message=f"PuLP: {pulp.LpStatus[status]}")
    values = np.array([v.varValue if v.varValue is not None else 0.0 for v in xs], dtype=np.float64)
    objective = float(pulp.value(prob.objective) or 0.0)
    if sol_status == pulp.LpSolutionOptimal:
        return RawSolution(SolveStatus.optimal, values, objective, objective)
    # PuLP does not hand back the dual bound of a stopped MIP: gap unknown
    return RawSolution(SolveStatus.feasible, values, objective, None, "PuLP: stopped at the limit")


class PulpCbcBackend(_PulpBackend):
    name = "pulp-cbc"
    description = "PuLP with CBC from cbcbox (independent of HiGHS and SCIP)"

    @classmethod
    def available(cls) -> bool:
        if not super().available():
            return False
        import pulp

        return bool(pulp.COIN_CMD(msg=False).available())

    def make_solver(self, pulp, options: RunOptions):  # type: ignore[no-untyped-def]
        return pulp.COIN_CMD(
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

    def make_solver(self, pulp, options: RunOptions):  # type: ignore[no-untyped-def]
        return pulp.HiGHS(
            msg=False,
            timeLimit=options.time_limit_s,
            gapRel=options.mip_rel_gap,
            gapAbs=1e-9,
            threads=options.threads,
            primal_feasibility_tolerance=1e-9,
            mip_feasibility_tolerance=1e-9,
            random_seed=0,
        )
