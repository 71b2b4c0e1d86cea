"""Why each application got what it got, in words a person can read."""

from __future__ import annotations

import numpy as np

from .feasibility import BUDGET_TOL_EUR, row_usage
from .model.problem import AllocationProblem, too_big_alone


def optimal_reasons(problem: AllocationProblem, scale: np.ndarray) -> dict[int, str]:
    """Why each eligible application is not fully funded in an optimal award set."""
    rhs = np.asarray(problem.rhs_eur)
    slack = rhs - row_usage(problem, scale)
    rows, apps, coefs = problem.triplets()
    names = [info.name for info in problem.rows]
    chosen_in_group = {
        g: [problem.app_ids[i] for i in members if scale[i] > 0]
        for g, members in problem.groups.items()
    }
    group_of = {i: g for g, members in problem.groups.items() for i in members}
    reasons: dict[int, str] = {}
    cap = problem.is_cap
    big_rows, big_apps, _ = too_big_alone(problem)
    for i in np.flatnonzero(scale < 1.0):
        if problem.must_not[i]:
            reasons[i] = "not funded: excluded by the board (must_not)"
            continue
        if scale[i] == 0 and i in big_apps:
            broken = ", ".join(names[k] for k in big_rows[big_apps == i])
            reasons[i] = f"not funded: its smallest award alone is more than {broken} holds"
            continue
        mine = (apps == i) & cap[rows]
        my_rows, my_coef = rows[mine], coefs[mine]
        if scale[i] > 0:
            tight = [
                names[k]
                for k, c in zip(my_rows, my_coef)
                if c > 0 and slack[k] <= BUDGET_TOL_EUR * 100
            ]
            reasons[i] = "scaled down: budget full under " + (", ".join(tight) or "no row (gap)")
            continue
        group = group_of.get(i)
        others = (
            [a for a in chosen_in_group.get(group, []) if a != problem.app_ids[i]] if group else []
        )
        if others:
            reasons[i] = f"exclusive group {group}: {others[0]} gives more FTE"
            continue
        need = problem.min_scale[i] * my_coef
        full = [
            names[k]
            for k, c, n in zip(my_rows, my_coef, need)
            if c > 0 and slack[k] < n - BUDGET_TOL_EUR
        ]
        if full:
            reasons[i] = "not funded: not enough budget left under " + ", ".join(full)
        elif problem.fte[i] == 0:
            reasons[i] = "not funded: saves no FTE"
        else:
            reasons[i] = "not funded: within the solver's optimality gap"
    return reasons
