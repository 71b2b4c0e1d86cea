"""Is an award set allowed? Checks and clean-up of scales against the problem's rules.

Independent of any solver: used on every award set before it is reported.
"""

from __future__ import annotations

import numpy as np

from .model.problem import AllocationProblem

SNAP_TOL = 1e-9
"""Solver scales this close to 0, min_scale or 1 are taken as exactly that value."""
BUDGET_TOL_EUR = 0.01
"""An award set may exceed no budget by more than this (solver tolerance is EUR 0.0001)."""


def row_usage(problem: AllocationProblem, scale: np.ndarray) -> np.ndarray:
    """EUR used under each budget row by the scales."""
    rows, apps, coefs = problem.triplets()
    used = np.bincount(rows, weights=coefs * scale[apps], minlength=len(problem.rows))
    return used.astype(np.float64)  # bincount gives integers when there is nothing to add


def snap_scales(problem: AllocationProblem, s: np.ndarray, z: np.ndarray) -> np.ndarray:
    """Clean solver noise: a choice is 0 or 1, a scale is 0 or in [min_scale, 1]."""
    chosen = np.round(z) >= 1
    m = problem.min_scale
    s = np.where(chosen, np.clip(s, m, 1.0), 0.0)
    s = np.where(np.abs(s - 1.0) <= SNAP_TOL, 1.0, s)
    s = np.where(chosen & (np.abs(s - m) <= SNAP_TOL), m, s)
    return s


TRIM_MARGIN_EUR = 1e-6
"""Room left under a budget a solver overshot within its tolerance (see trim_overshoot)."""


def trim_overshoot(problem: AllocationProblem, scale: np.ndarray) -> np.ndarray:
    """Shave the sub-cent overshoot that solver tolerances leave on a full budget.

    The solvers keep budgets to EUR 0.001; the award table should keep them exactly, whatever
    order a reader sums it in. Where a row is over, the largest partial award in it above its
    min_scale gives up the excess plus EUR 1e-6 (an FTE change of order 1e-10).
    """
    scale = scale.copy()
    rows, apps, coefs = problem.triplets()
    rhs = np.asarray(problem.rhs_eur)
    cap = problem.is_cap
    for _ in range(len(problem.rows) + 1):
        usage = row_usage(problem, scale)
        over = np.flatnonzero(cap & (usage > rhs))
        if len(over) == 0:
            break
        k = over[0]
        excess = usage[k] - rhs[k] + TRIM_MARGIN_EUR
        mine = (rows == k) & (coefs > 0)
        cand = [
            (coefs[j] * scale[apps[j]], apps[j], coefs[j])
            for j in np.flatnonzero(mine)
            if problem.min_scale[apps[j]] < scale[apps[j]] < 1.0
            and (scale[apps[j]] - problem.min_scale[apps[j]]) * coefs[j] > excess
        ]
        if not cand:
            break  # only whole awards in the row: their sum is exact to the euro already
        _, i, c = max(cand)
        scale[i] -= excess / c
    return scale


def feasibility_problems(
    problem: AllocationProblem, scale: np.ndarray, board_rules: bool = True
) -> list[str]:
    """Every rule the scales break (empty when the award set is feasible).

    ``board_rules=False`` checks only CONTRACT.md's rules and the locks: the fcfs and greedy
    walks know no floors or regional minimums.
    """
    out = []
    usage = row_usage(problem, scale)
    for info, used, rhs, cap in zip(problem.rows, usage, problem.rhs_eur, problem.is_cap):
        if cap and used > rhs + BUDGET_TOL_EUR:
            out.append(
                f"{info.name}: EUR {used:,.2f} > limit {rhs:,.2f} (over by {used - rhs:,.2f})"
            )
        if board_rules and not cap and used < rhs - BUDGET_TOL_EUR:
            out.append(
                f"{info.name}: EUR {used:,.2f} < floor {rhs:,.2f} (short by {rhs - used:,.2f})"
            )
    for group, members in problem.groups.items():
        funded = [problem.app_ids[i] for i in members if scale[i] > 0]
        if len(funded) > 1:
            out.append(f"exclusive:{group}: {len(funded)} awarded ({', '.join(funded)}), at most 1")
    low = (scale > 0) & (scale < problem.min_scale - SNAP_TOL)
    out += [f"scale_min:{problem.app_ids[i]}: {scale[i]} < min_scale" for i in np.flatnonzero(low)]
    out += [
        f"must_fund:{problem.app_ids[i]}: not funded"
        for i in np.flatnonzero(problem.must_fund & (scale <= 0))
    ]
    out += [
        f"must_not:{problem.app_ids[i]}: funded"
        for i in np.flatnonzero(problem.must_not & (scale > 0))
    ]
    if board_rules and problem.region_minimums:
        total = float(problem.cost_eur @ scale)
        for region, share, members in problem.region_minimums:
            got = float(problem.cost_eur[members] @ scale[members])
            let_off = problem.region_let_off(members, scale)
            need = share * total
            if not let_off and got < need - BUDGET_TOL_EUR:
                out.append(
                    f"region_min:{region}: EUR {got:,.2f} < {need:,.2f} (short by {need - got:,.2f})"
                )
    return out
