"""OR-Tools' model builder (C++ model held in memory), solved by SCIP or by HiGHS."""

from __future__ import annotations

import importlib.util
from types import ModuleType
from typing import TYPE_CHECKING, Any

import numpy as np

from ..domain import RunOptions, SolveStatus
from ..model.mip import LinearModel
from .base import FEASIBILITY_TOL, Backend, Feature, RawSolution
from .highs import _silence_stdout

if TYPE_CHECKING:
    from ortools.linear_solver.python.model_builder import Model, Solver
    from ortools.linear_solver.python.model_builder import SolveStatus as Status


class _OrToolsBackend(Backend):
    engine = ""
    features = frozenset({Feature.INTEGER_VARIABLES, Feature.TIME_LIMIT, Feature.GAP_LIMIT})

    @classmethod
    def available(cls) -> bool:
        if importlib.util.find_spec("ortools") is None:
            return False
        from ortools.linear_solver.python import model_builder as mb

        return bool(mb.Solver(cls.engine).solver_is_supported())

    def solve(
        self, model: LinearModel, options: RunOptions, start: np.ndarray | None = None
    ) -> RawSolution:
        self.check_supported(model)
        from ortools.linear_solver.python import model_builder as mb

        m = _build(mb, model, model.col_integer)
        solver = mb.Solver(self.engine)
        if options.time_limit_s is not None:
            solver.set_time_limit_in_seconds(options.time_limit_s)
        solver.set_solver_specific_parameters(self.parameters(options))
        with _silence_stdout():  # OR-Tools' HiGHS may printf() debug lines
            status = solver.solve(m)
        return self.result(solver, status, m, mb)

    def relaxation_duals(self, model: LinearModel) -> list[np.ndarray] | None:
        """None: the model builder's dual_values are no duals here (OR-Tools 9.x hands back
        the row activities from HiGHS and zeros from SCIP for the sample's LP relaxation), so
        no bound of ours can come from them; the engine asks an LP backend instead."""
        return None

    def parameters(self, options: RunOptions) -> str:
        raise NotImplementedError

    def result(self, solver: Solver, status: Status, m: Model, mb: ModuleType) -> RawSolution:
        st = mb.SolveStatus
        if status in (st.OPTIMAL, st.FEASIBLE):
            values = np.array(solver.values(m.get_variables()), dtype=np.float64)
            objective = float(solver.objective_value)
            bound = float(solver.best_objective_bound) if self.proves_bound else None
            if bound is not None and not np.isfinite(bound):
                bound = None
            if status == st.OPTIMAL:
                return RawSolution(SolveStatus.optimal, values, objective, bound)
            return RawSolution(
                SolveStatus.feasible, values, objective, bound, "OR-Tools: stopped early"
            )
        if status == st.INFEASIBLE:
            return RawSolution(SolveStatus.infeasible, message="OR-Tools: infeasible")
        if status == st.NOT_SOLVED:
            return RawSolution(
                SolveStatus.no_solution, message="OR-Tools: no solution before the limit"
            )
        return RawSolution(SolveStatus.error, message=f"OR-Tools: solver status {status.name}")


def _build(mb: ModuleType, model: LinearModel, integer: np.ndarray) -> Model:
    """``model`` in OR-Tools' model builder, columns integer where ``integer`` says."""
    m: Model = mb.Model()
    # OR-Tools' stub types the array arguments as ndarray[float64, ...] (a dtype in the shape
    # slot), which no array satisfies: the helper is used untyped
    helper: Any = m.helper
    helper.add_var_array_with_bounds(
        model.col_lb.astype(np.float64), model.col_ub.astype(np.float64), integer, "x"
    )
    variables = [m.var_from_index(j) for j in range(model.num_cols)]
    for j in np.flatnonzero(model.col_obj):
        helper.set_var_objective_coefficient(int(j), float(model.col_obj[j]))
    helper.set_maximize(True)
    start, index, value = model.csr()
    for k in range(model.num_rows):
        helper.add_linear_constraint()
        lo, hi = model.row_lb[k], model.row_ub[k]
        helper.set_constraint_lower_bound(k, float(lo) if np.isfinite(lo) else -np.inf)
        helper.set_constraint_upper_bound(k, float(hi) if np.isfinite(hi) else np.inf)
        s, e = start[k], start[k + 1]
        helper.add_terms_to_constraint(k, [variables[j] for j in index[s:e]], value[s:e].tolist())
    return m


SCIP_RELATIVE_FEASTOL = 1e-9
SCIP_EPSILONS = (1e-11, 1e-9)
"""numerics/epsilon and numerics/sumepsilon: SCIP's defaults (1e-9, 1e-6) are meant for
feastol 1e-6. With feastol 1e-9 and sumepsilon left at 1e-6, SCIP 9 (OR-Tools 9.15) called an
award set of 38,520.2 FTE optimal, bound included, where 38,522.3 FTE is feasible (verified;
HiGHS, CBC agree): a 1,000-application shape of issue 13's family, tests/test_shapes_exact.py.
Kept as epsilon <= sumepsilon <= feastol."""


class OrToolsScipBackend(_OrToolsBackend):
    name = "ortools-scip"
    description = "OR-Tools model builder with SCIP (independent of HiGHS)"
    engine = "scip"

    def parameters(self, options: RunOptions) -> str:
        return "\n".join(
            [
                f"limits/gap = {options.mip_rel_gap!r}",
                "limits/absgap = 1e-9",
                # SCIP's tolerance is relative to the row's size: 1e-9 of EUR 600M is EUR 0.6
                f"numerics/feastol = {SCIP_RELATIVE_FEASTOL!r}",
                # ... and its other tolerances below it (SCIP_EPSILONS)
                f"numerics/epsilon = {SCIP_EPSILONS[0]!r}",
                f"numerics/sumepsilon = {SCIP_EPSILONS[1]!r}",
                f"parallel/maxnthreads = {options.threads}",
                "randomization/randomseedshift = 0",
            ]
        )


class OrToolsHighsBackend(_OrToolsBackend):
    name = "ortools-highs"
    description = "OR-Tools model builder with its bundled HiGHS"
    engine = "highs"
    # OR-Tools hands back HiGHS's incumbent as its "best bound" when HiGHS stops within a gap
    # (20,526 on the sample at --gap 0.5, whose optimum is 20,949): not a proof
    proves_bound = False

    def parameters(self, options: RunOptions) -> str:
        return "\n".join(
            [
                "output_flag = false",
                "log_to_console = false",
                f"mip_rel_gap = {options.mip_rel_gap!r}",
                "mip_abs_gap = 1e-9",
                f"primal_feasibility_tolerance = {FEASIBILITY_TOL!r}",
                f"mip_feasibility_tolerance = {FEASIBILITY_TOL!r}",
                f"threads = {options.threads}",
                "random_seed = 0",
            ]
        )
