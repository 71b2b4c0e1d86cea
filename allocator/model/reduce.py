"""Exact model reductions from an LP relaxation: reduced-cost fixing and a start solution.

The LP's duals give a proven bound D on every solution (DualBound: weak duality, so no LP
tolerance can make it wrong) and, per column, what moving it costs against D. Given a
feasible award set worth L, an application whose funding (or whose leaving out) would cost
more than D - L can only lead to worse award sets, so it is fixed:
- one whose funding at min_scale or more costs more than D - L stays at 0;
- one whose leaving out costs more than D - L stays chosen (all-or-nothing: at 1).
The optimum over the reduced model is the optimum of the full model (the tests compare with
backends that do not reduce, and with brute force).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

import numpy as np

from ..solution import LpSolution

if TYPE_CHECKING:
    from ..backends.base import LpSession
from .mip import CONTINUOUS, INTEGER, MONEY_UNIT_EUR, SEMICONTINUOUS, LinearModel
from .problem import AllocationProblem

ROUND_OFF_REL = 1e-9
"""Room on D - L for floating-point round-off in our own sums (the bound itself is proven,
see DualBound; relative to D)."""
SCALE_ROOM_REL = 1e-6
"""Extra room (relative to D) for the limits on a continuous scale (still exact: a looser
limit). Without it a limit lies within the solver's gap tolerance of 1 (e.g. s >= 0.99999997)
and the solver may stop there instead of at 1."""


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


def holds_when_rounded(model: LinearModel, x: np.ndarray, tol: float) -> bool:
    """Does ``x`` keep every bound and row of ``model`` once its integer columns are rounded
    to the nearest integer (as the award set will be)? A solver's answer may sit within its
    integrality tolerance: 300,000 a + 300,000 b + 0.001 c <= 600,000 (EUR 1,000) with a, b
    a hair below 1 and c = 1 passes its checks and breaks the ceiling by EUR 1 once rounded."""
    rounded = x.copy()
    integer = model.col_kind == INTEGER
    rounded[integer] = np.round(rounded[integer])
    return is_feasible(model, rounded, tol)


def is_feasible(model: LinearModel, x: np.ndarray, tol: float = 1e-6) -> bool:
    """Does ``x`` keep every bound and row of ``model`` (integrality not checked)?"""
    semi_zero = (model.col_kind == SEMICONTINUOUS) & (np.abs(x) <= tol)
    if np.any((x < model.col_lb - tol) & ~semi_zero) or np.any(x > model.col_ub + tol):
        return False
    activity = model.activity(x)
    return bool(np.all(activity >= model.row_lb - tol) and np.all(activity <= model.row_ub + tol))


@dataclass(frozen=True)
class DualBound:
    """A proven upper bound on every solution of a model, from an LP's row duals y (weak
    duality; any y will do, so round-off in the LP cannot make it wrong): with reduced costs
    d = c - A'y, every x within the bounds and rows has
        c x = y'Ax + d'x <= sum_r h_r(y_r) + sum_j gain_j - sum_j (gain_j - d_j x_j),
    h_r(y_r) the row limit y_r meets (upper for y_r > 0, lower for y_r < 0) and gain_j =
    max(d_j lb_j, d_j ub_j). ``value`` is the first two sums; gain_j - d_j v >= 0 is what
    column j at v costs against it."""

    value: float
    reduced_costs: np.ndarray
    gain: np.ndarray

    def cost(self, col: np.ndarray, v: np.ndarray | float) -> np.ndarray:
        return np.asarray(self.gain[col] - self.reduced_costs[col] * v)


def dual_bound(model: LinearModel, lp: LpSolution) -> DualBound:
    """The DualBound of ``model``'s LP relaxation from ``lp`` (an LP solution of it). A dual
    whose sign points at a row limit that does not exist is taken as 0 (still a bound)."""
    y = np.where(np.isinf(model.row_ub), np.minimum(lp.row_duals, 0.0), lp.row_duals)
    y = np.where(np.isinf(model.row_lb), np.maximum(y, 0.0), y)
    d = model.col_obj - np.bincount(
        model.a_col, weights=model.a_val * y[model.a_row], minlength=model.num_cols
    )
    rows = np.where(
        y > 0, y * _finite(model.row_ub), np.where(y < 0, y * _finite(model.row_lb), 0.0)
    )
    lb = np.where(model.col_kind == SEMICONTINUOUS, 0.0, model.col_lb)  # the relaxation's
    ub = model.col_ub
    with np.errstate(invalid="ignore"):  # 0 * inf where d_j = 0: not taken
        gain = np.where(d < 0, d * lb, np.where(d > 0, d * ub, 0.0))
    return DualBound(float(rows.sum() + gain.sum()), d, gain)


def _finite(limit: np.ndarray) -> np.ndarray:
    return np.where(np.isinf(limit), 0.0, limit)


def fix_by_reduced_cost(
    model: LinearModel,
    problem: AllocationProblem,
    bound: DualBound,
    lower_bound: float,
) -> tuple[LinearModel, int]:
    """A copy of ``model`` with the bounds every solution worth at least ``lower_bound`` (L)
    keeps. With delta = D - L (D = bound.value), no such solution puts columns where they
    cost more than delta together (DualBound), so per application (scale s_i, choice z_i):
    - it is fixed at 0 where being funded (z_i = 1, s_i somewhere in [min_scale, 1]) costs
      more than delta, and stays chosen where 0 costs more than delta;
    - s_i <= the highest scale, and for one that stays chosen s_i >= the lowest scale, whose
      cost (with z_i = 1) is within delta.

    ``bound`` comes from the LP relaxation of ``model`` itself (with its bounds). Applications
    whose own bounds are already set (locks, a forced or removed application) are left as
    they are; a semi-continuous scale (0 or [min_scale, 1]) counts as open, and one that stays
    chosen becomes a continuous column from min_scale. Returns the model and how many
    applications were fixed."""
    delta = bound.value - lower_bound + ROUND_OFF_REL * max(1.0, abs(bound.value))
    sc, ch = model.scale_col, model.choice_col
    separate = ch != sc
    m = problem.min_scale
    semi = model.col_kind[sc] == SEMICONTINUOUS  # 0 or [min_scale, 1]: open at 0 as well
    from_zero = (model.col_lb <= 0) | (model.col_kind == SEMICONTINUOUS)
    # an application whose own bounds the restriction set is left as the restriction has it
    free = from_zero[sc] & from_zero[ch] & (model.col_ub[sc] >= 1) & (model.col_ub[ch] >= 1)
    chosen = np.where(separate, bound.cost(ch, 1.0), 0.0)  # z_i = 1
    off = bound.cost(sc, 0.0) + np.where(separate, bound.cost(ch, 0.0), 0.0)
    funded = np.minimum(bound.cost(sc, m), bound.cost(sc, 1.0)) + chosen
    zero = free & (funded > delta)
    stay = free & (off > delta)
    d = bound.reduced_costs[sc]
    # -d_i v <= room for s_i = v, z_i = 1; scale limits keep SCALE_ROOM_REL more (see there)
    room = delta + SCALE_ROOM_REL * max(1.0, abs(bound.value)) - chosen - bound.gain[sc]
    tiny = 1e-12
    reach = np.where(d < -tiny, room / np.maximum(-d, tiny), np.inf)  # highest scale
    floor = np.where(d > tiny, -room / np.maximum(d, tiny), -np.inf)  # lowest scale if chosen
    shrink = free & ~zero & (reach < 1.0)
    lb, ub = model.col_lb.copy(), model.col_ub.copy()
    lb[sc[zero]] = 0.0
    ub[sc[zero]] = 0.0
    ub[ch[zero & separate]] = 0.0
    ub[sc[shrink]] = np.maximum(reach[shrink], m[shrink])
    lb[sc[stay]] = np.where(m[stay] >= 1.0, 1.0, np.clip(floor[stay], m[stay], 1.0))
    lb[ch[stay & separate]] = 1.0
    kind = model.col_kind.copy()  # a semi-continuous one that stays chosen loses its 0
    kind[sc[stay & semi]] = CONTINUOUS
    fixed = replace(model, col_lb=lb, col_ub=ub, col_kind=kind)
    return fixed, int(zero.sum() + (stay & (m >= 1.0)).sum())


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
    at least ``up_from``, else down), solve again, until the LP solution is integral.
    ``solve(col_lb, col_ub)`` solves the relaxation of ``model`` with these bounds. None when
    a rounding leaves the LP infeasible. At most one LP per integer column (each round fixes
    at least one); on the small models of explain.py it takes a handful and mostly lands
    within a few thousandths of an FTE of the optimum."""
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


def best_dive(
    model: LinearModel, session: LpSession, up_from: tuple[float, ...]
) -> np.ndarray | None:
    """The best (highest objective) of the rounding dives in ``model``, one per ``up_from``;
    ``session`` holds ``model``'s relaxation, its root LP solved (each later dive starts from
    the root again). None when every dive fails."""
    best: np.ndarray | None = None
    value = -np.inf
    for k, threshold in enumerate(up_from):
        if k:
            session.solve(model.col_lb, model.col_ub)  # back to the root LP
        x = rounding_dive(model, session.resolve, threshold)
        worth = -np.inf if x is None else float(model.col_obj @ x)
        if worth > value:
            best, value = x, worth
    return best
