"""Exact model reductions from an LP relaxation: reduced-cost fixing and a start solution.

For a maximisation with LP optimum U and reduced costs d (d_j <= 0 at a lower bound,
d_j >= 0 at an upper bound), every feasible x satisfies obj(x) <= U + d_j (x_j - x*_j) for
each single column j. Given a feasible award set worth L, a column whose move would cost
more than U - L can only lead to worse award sets, so it is fixed:
- an application at 0 in the LP with -d_j * min_scale_j > U - L stays at 0;
- an all-or-nothing application at 1 with d_j > U - L stays at 1.
The optimum over the reduced model is the optimum of the full model (the tests compare with
backends that do not reduce, and with brute force).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

import numpy as np

from .mip import CONTINUOUS, INTEGER, MONEY_UNIT_EUR, SEMICONTINUOUS, LinearModel
from .problem import AllocationProblem

LP_TOL = 1e-9
MARGIN_REL = 1e-6
"""Extra room on U - L for LP round-off: fixing is only done with a clear margin."""


@dataclass(frozen=True)
class LpSolution:
    objective: float
    values: np.ndarray
    reduced_costs: np.ndarray


def relaxation(model: LinearModel) -> LinearModel:
    """The LP relaxation: every column continuous, semi-continuous ones from 0."""
    semi = model.col_kind == SEMICONTINUOUS
    return replace(
        model,
        col_kind=np.full(model.num_cols, CONTINUOUS, dtype=np.int8),
        col_lb=np.where(semi, 0.0, model.col_lb),
    )


def lp_guided_order(problem: AllocationProblem, model: LinearModel, lp: LpSolution) -> list[int]:
    """Applications the LP funds fully first, then by LP value and reduced cost, then id."""
    s = lp.values[model.scale_col]
    d = lp.reduced_costs[model.scale_col]
    return sorted(range(problem.n), key=lambda i: (-round(s[i], 9), -d[i], problem.app_ids[i]))


def start_vector(model: LinearModel, problem: AllocationProblem, scale: np.ndarray) -> np.ndarray:
    """A full column vector for an award set given as scales (helper columns filled in)."""
    x = np.zeros(model.num_cols)
    x[model.scale_col] = scale
    separate = model.choice_col != model.scale_col
    x[model.choice_col[separate]] = (scale[separate] > 0).astype(float)
    if model.total_col is not None:
        x[model.total_col] = float(problem.cost_eur @ scale) / MONEY_UNIT_EUR
    for col, members in model.exempt_cols.items():
        x[col] = float(problem.region_let_off(members, scale))
    return x


def is_feasible(model: LinearModel, x: np.ndarray, tol: float = 1e-6) -> bool:
    """Does ``x`` keep every bound and row of ``model`` (integrality not checked)?"""
    semi_zero = (model.col_kind == SEMICONTINUOUS) & (np.abs(x) <= tol)
    if np.any((x < model.col_lb - tol) & ~semi_zero) or np.any(x > model.col_ub + tol):
        return False
    activity = model.activity(x)
    return bool(np.all(activity >= model.row_lb - tol) and np.all(activity <= model.row_ub + tol))


def fix_by_reduced_cost(
    model: LinearModel,
    problem: AllocationProblem,
    lp: LpSolution,
    lower_bound: float,
) -> tuple[LinearModel, int]:
    """A copy of ``model`` with the bounds every better solution keeps: with delta = U - L,
    moving s_i by t against its reduced cost d_i costs |d_i| t, so
    - at 0: s_i <= delta / |d_i| (fixed at 0 when that is below min_scale);
    - at 1: s_i >= 1 - delta / d_i, and it stays chosen when d_i > delta.

    ``lp`` is the LP relaxation of ``model`` itself (with its bounds). Applications whose own
    bounds are already set (locks, a forced or removed application) are left as they are.
    Returns the model and how many applications were fixed."""
    delta = lp.objective - lower_bound + MARGIN_REL * max(1.0, abs(lp.objective))
    s = lp.values[model.scale_col]
    d = lp.reduced_costs[model.scale_col]
    separate = model.choice_col != model.scale_col
    dz = np.where(separate, lp.reduced_costs[model.choice_col], 0.0)
    m = problem.min_scale
    # an application whose own bounds the restriction set is left as the restriction has it
    free = (model.col_lb[model.scale_col] <= 0) & (model.col_lb[model.choice_col] <= 0)
    free &= (model.col_ub[model.scale_col] >= 1) & (model.col_ub[model.choice_col] >= 1)
    tiny = 1e-12
    # leaving 0 means z_i = 1 too, leaving 1 for 0 means z_i = 0 too: both terms count
    enter = np.maximum(-dz, 0.0)  # cost of z_i from 0 to 1
    leave = np.maximum(dz, 0.0)  # cost of z_i from 1 to 0
    at_zero = free & (s <= LP_TOL) & (np.minimum(d, 0.0) * m - enter < -tiny)
    at_one = free & (s >= 1 - LP_TOL) & (np.maximum(d, 0.0) + leave > tiny)
    reach = np.where(  # highest scale still worth it
        at_zero, (delta - enter) / np.maximum(-d, tiny), 1.0
    )
    floor = np.where(at_one, 1.0 - delta / np.maximum(d, tiny), 0.0)  # lowest scale if chosen
    zero = at_zero & (reach < m)
    shrink = at_zero & ~zero & (reach < 1.0)
    stay = at_one & (np.maximum(d, 0.0) + leave > delta)
    lb, ub = model.col_lb.copy(), model.col_ub.copy()
    sc = model.scale_col
    lb[sc[zero]] = 0.0
    ub[sc[zero]] = 0.0
    ub[model.choice_col[zero & separate]] = 0.0
    ub[sc[shrink]] = np.maximum(reach[shrink], m[shrink])
    lb[sc[stay]] = np.where(m[stay] >= 1.0, 1.0, np.maximum(m[stay], floor[stay]))
    lb[model.choice_col[stay & separate]] = 1.0
    return replace(model, col_lb=lb, col_ub=ub), int(zero.sum() + (stay & (m >= 1.0)).sum())


DIVE_TOL = 1e-6
"""An integer column within this of an integer counts as integral (the backends' feasibility
tolerance)."""


def rounding_dive(
    model: LinearModel,
    solve: Callable[[np.ndarray, np.ndarray], LpSolution | None],
    up_from: float = 0.5,
) -> np.ndarray | None:
    """A solution of ``model`` (its integer columns integral) found by diving: solve the LP
    relaxation, fix every fractional integer column at an integer (up where its fraction is
    at least ``up_from``, else down), solve again, until the LP solution is integral. ``solve(col_lb, col_ub)`` solves the relaxation of ``model``
    with these bounds. None when a rounding leaves the LP infeasible. At most one LP per
    integer column (each round fixes at least one); on the small models of explain.py it
    takes a handful and lands within a few hundredths of an FTE of the optimum."""
    integer = np.flatnonzero(model.col_kind == INTEGER)
    lb, ub = model.col_lb.copy(), model.col_ub.copy()
    while True:
        lp = solve(lb, ub)
        if lp is None:
            return None
        x = lp.values[integer]
        below = np.floor(x + DIVE_TOL)
        nearest = np.where(x - below >= up_from, below + 1.0, below)
        fractional = np.abs(x - np.round(x)) > DIVE_TOL
        if not fractional.any():
            values = lp.values.copy()
            values[integer] = nearest
            return values
        cols = integer[fractional]
        lb[cols] = ub[cols] = nearest[fractional]
