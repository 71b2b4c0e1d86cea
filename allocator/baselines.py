"""The two baselines of CONTRACT.md: first come first served, and greedy by FTE per euro.

Both walk the eligible applications once, in their order, and give each the largest scale in
[min_scale, 1] that keeps every budget row (and exclusive group) satisfied given what was
already awarded; when even min_scale does not fit, it gets nothing and the walk goes on.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .model.problem import AllocationProblem

SCALE_TOL = 1e-12
"""A computed largest scale this close to 1 is 1 (floating-point noise of remaining/coef)."""


@dataclass
class WalkResult:
    scale: np.ndarray  # (n,) per eligible application, in problem order
    reasons: dict[int, str]  # app index -> why not fully funded


def fcfs_order(problem: AllocationProblem, submitted_at: dict[str, object]) -> list[int]:
    """By submitted_at, then application_id."""
    return sorted(
        range(problem.n), key=lambda i: (submitted_at[problem.app_ids[i]], problem.app_ids[i])
    )


def greedy_order(problem: AllocationProblem) -> list[int]:
    """By fte / C_i, highest first, then application_id."""
    ratio = problem.fte / problem.cost_eur
    return sorted(range(problem.n), key=lambda i: (-ratio[i], problem.app_ids[i]))


def with_locks(problem: AllocationProblem, order: list[int]) -> list[int]:
    """Board locks on a walk: must_fund applications first (in the given order), must_not
    ones left out; without locks the order is unchanged."""
    if not (problem.must_fund.any() or problem.must_not.any()):
        return order
    first = [i for i in order if problem.must_fund[i]]
    return first + [i for i in order if not problem.must_fund[i] and not problem.must_not[i]]


def walk(
    problem: AllocationProblem, order: list[int], initial: np.ndarray | None = None
) -> WalkResult:
    """Give each application in ``order`` the largest scale that still fits. ``initial``:
    scales already awarded before the walk starts (they stay as they are)."""
    by_app = problem.cap_entries()  # floors are no room limit; the walk cannot promise them
    remaining = np.asarray(problem.rhs_eur, dtype=np.float64).copy()
    names = [info.name for info in problem.rows]
    group_of = {i: g for g, members in problem.groups.items() for i in members}
    taken: dict[str, int] = {}
    scale = np.zeros(problem.n)
    reasons: dict[int, str] = {}
    if initial is not None:
        scale = initial.astype(np.float64).copy()
        for i in np.flatnonzero(scale > 0).tolist():
            for k, c in by_app[i]:
                remaining[k] -= scale[i] * c
            if i in group_of:
                taken[group_of[i]] = i
    for i in order:
        if scale[i] > 0:
            continue
        group = group_of.get(i)
        if group is not None and group in taken:
            other = problem.app_ids[taken[group]]
            reasons[i] = f"exclusive group {group}: {other} was awarded first"
            continue
        best, limiting = 1.0, []
        for k, c in by_app[i]:
            if c <= 0:
                continue
            room = max(remaining[k], 0.0) / c
            if room < best - SCALE_TOL:
                best, limiting = room, [k]
            elif room <= best + SCALE_TOL and room < 1.0 - SCALE_TOL:
                limiting.append(k)
        if best >= 1.0 - SCALE_TOL:
            best = 1.0
        if best < problem.min_scale[i] - SCALE_TOL:
            label = ", ".join(names[k] for k in sorted(set(limiting)))
            reasons[i] = f"not enough budget left under {label}"
            continue
        best = max(best, problem.min_scale[i])
        scale[i] = best
        for k, c in by_app[i]:
            remaining[k] -= best * c
        if group is not None:
            taken[group] = i
        if best < 1.0:
            label = ", ".join(names[k] for k in sorted(set(limiting)))
            reasons[i] = f"scaled down to fit {label}"
    return WalkResult(scale, reasons)
