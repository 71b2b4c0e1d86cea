"""The pipeline: inputs -> eligibility -> problem -> method -> checked award set.

``allocate`` is the one entry point for the command line, the notebooks and the tests.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field

import numpy as np

from . import baselines
from .catalog import model_plans, regions_for
from .domain import (
    Application,
    Award,
    AwardStatus,
    Method,
    ModelPlan,
    RegionTable,
    RunOptions,
    Scenario,
    SolveResult,
    SolveStatus,
)
from .eligibility import check_all
from .model.problem import AllocationProblem, build_problem

SNAP_TOL = 1e-9
"""Solver scales this close to 0, min_scale or 1 are taken as exactly that value."""
BUDGET_TOL_EUR = 0.01
"""An award set may exceed no budget by more than this (solver tolerance is EUR 0.001)."""


@dataclass
class Allocation:
    """Everything one run used and produced: what the writers and reports need."""

    applications: list[Application]
    scenario: Scenario
    regions: RegionTable
    plans: dict[str, ModelPlan]
    ineligible: dict[str, list[str]]  # application_id -> reason codes (only ineligible ones)
    problem: AllocationProblem
    result: SolveResult
    options: RunOptions
    timings_s: dict[str, float] = field(default_factory=dict)

    def theme_of(self, app: Application) -> str | None:
        plan = self.plans.get(app.use_case)
        return plan.theme if plan is not None else app.theme


def allocate(
    applications: list[Application],
    scenario: Scenario,
    options: RunOptions | None = None,
    regions: RegionTable | None = None,
    plans: dict[str, ModelPlan] | None = None,
) -> Allocation:
    """Decide on every application under ``scenario`` with ``options.method``."""
    options = options or RunOptions()
    plans = plans if plans is not None else model_plans()
    regions = regions if regions is not None else regions_for(scenario)
    timings: dict[str, float] = {}
    t0 = time.perf_counter()
    reasons = check_all(applications, scenario, plans)
    eligible = [a for a in applications if not reasons[a.application_id]]
    themes = {a.application_id: plans[a.use_case].theme for a in eligible}
    problem = build_problem(eligible, scenario, regions, themes)
    timings["eligibility_and_rows"] = time.perf_counter() - t0

    if options.method is Method.optimal:
        status, scale, notes, extra = _optimal(problem, options, timings)
    else:
        t1 = time.perf_counter()
        if options.method is Method.fcfs:
            order = baselines.fcfs_order(
                problem, {a.application_id: a.submitted_at for a in eligible}
            )
        else:
            order = baselines.greedy_order(problem)
        walked = baselines.walk(problem, order)
        timings["solve"] = time.perf_counter() - t1
        # a walk is not an optimisation: "feasible" says it finished, not that it is optimal
        status, scale, notes, extra = SolveStatus.feasible, walked.scale, walked.reasons, {}

    result = _result(applications, reasons, problem, scale, notes, status, options, extra)
    return Allocation(
        applications=applications,
        scenario=scenario,
        regions=regions,
        plans=plans,
        ineligible={k: v for k, v in reasons.items() if v},
        problem=problem,
        result=result,
        options=options,
        timings_s=timings,
    )


def _optimal(problem: AllocationProblem, options: RunOptions, timings: dict[str, float]):  # type: ignore[no-untyped-def]
    from .backends import Feature, get_backend
    from .model.mip import build_mip

    if problem.n == 0:
        return SolveStatus.optimal, np.zeros(0), {}, {"bound": 0.0, "solver": options.solver}
    t0 = time.perf_counter()
    backend = get_backend(options.solver)
    model = build_mip(problem, semicontinuous=Feature.SEMICONTINUOUS in backend.features)
    timings["build"] = time.perf_counter() - t0
    t1 = time.perf_counter()
    start, lp_bound = None, None
    if options.reduce and {Feature.LP_DUALS, Feature.WARM_START} <= backend.features:
        model, start, lp_bound = _reduce(problem, model, backend)
    timings["reduce"] = time.perf_counter() - t1
    t2 = time.perf_counter()
    raw = backend.solve(model, options, start=start)
    timings["solve"] = time.perf_counter() - t2
    extra = {"bound": _valid_bound(raw, lp_bound), "solver": backend.name, "message": raw.message}
    if not raw.status.has_solution or raw.values is None:
        return raw.status, None, {}, extra
    scale = snap_scales(problem, raw.values[model.scale_col], model.choices(raw.values))
    scale = trim_overshoot(problem, scale)
    return raw.status, scale, optimal_reasons(problem, scale), extra


def _reduce(problem: AllocationProblem, model, backend):  # type: ignore[no-untyped-def]
    """LP relaxation -> LP-guided walk as a start -> reduced-cost fixing (model/reduce.py)."""
    from .model.reduce import fix_by_reduced_cost, lp_guided_order, relaxation, start_vector

    lp = backend.solve_relaxation(relaxation(model))
    walked = baselines.walk(problem, lp_guided_order(problem, model, lp))
    lower = float(walked.scale @ problem.fte)
    reduced, _ = fix_by_reduced_cost(model, problem, lp, lower)
    return reduced, start_vector(reduced, walked.scale), lp.objective


def _valid_bound(raw, lp_bound: float | None) -> float | None:  # type: ignore[no-untyped-def]
    """A proven upper bound on the FTE, or None when none is known.

    A solver stopped before its root node may report its incumbent as "bound" (HiGHS does);
    a stopped run whose bound claims no gap is not trusted, and the LP relaxation's
    objective (always valid) is used instead. Of two valid bounds the lower one is kept.
    """
    bound = raw.bound
    stopped = raw.status is SolveStatus.feasible and raw.objective is not None
    if (
        stopped
        and bound is not None
        and bound <= raw.objective + 1e-9 * max(1.0, abs(raw.objective))
    ):
        bound = None
    candidates = [b for b in (bound, lp_bound) if b is not None]
    return min(candidates) if candidates else None


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
    for _ in range(len(problem.rows) + 1):
        usage = row_usage(problem, scale)
        over = np.flatnonzero(usage > rhs)
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


def row_usage(problem: AllocationProblem, scale: np.ndarray) -> np.ndarray:
    """EUR used under each budget row by the scales."""
    rows, apps, coefs = problem.triplets()
    return np.bincount(rows, weights=coefs * scale[apps], minlength=len(problem.rows))


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
    for i in np.flatnonzero(scale < 1.0):
        mine = apps == i
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


def _result(
    applications: list[Application],
    reasons: dict[str, list[str]],
    problem: AllocationProblem,
    scale: np.ndarray | None,
    notes: dict[int, str],
    status: SolveStatus,
    options: RunOptions,
    extra: dict,
) -> SolveResult:
    solver = extra.get("solver") if options.method is Method.optimal else None
    if scale is None:
        return SolveResult(
            method=options.method,
            solver=solver,
            status=status,
            bound=extra.get("bound"),
            message=extra.get("message", ""),
        )
    index = {a: i for i, a in enumerate(problem.app_ids)}
    awards = []
    for app in applications:
        codes = reasons[app.application_id]
        if codes:
            awards.append(
                Award(
                    application_id=app.application_id,
                    status=AwardStatus.ineligible,
                    scale=0.0,
                    awarded_amount_eur=0.0,
                    awarded_fte=0.0,
                    reason=";".join(codes),
                )
            )
            continue
        i = index[app.application_id]
        s = float(scale[i])
        st = (
            AwardStatus.awarded
            if s >= 1.0
            else AwardStatus.partial
            if s > 0
            else AwardStatus.rejected
        )
        awards.append(
            Award(
                application_id=app.application_id,
                status=st,
                scale=s,
                awarded_amount_eur=s * float(problem.cost_eur[i]),
                awarded_fte=s * float(problem.fte[i]),
                reason=notes.get(i, ""),
            )
        )
    objective = math.fsum(a.awarded_fte for a in awards)
    total = math.fsum(a.awarded_amount_eur for a in awards)
    bound = extra.get("bound")
    if options.method is not Method.optimal:
        bound = None
    elif status is SolveStatus.optimal:  # proven: the bound is at least what was found
        bound = max(bound if bound is not None else objective, objective)
    gap = None if bound is None else (bound - objective) / max(abs(bound), 1e-9)
    message = extra.get("message", "")
    problems = feasibility_problems(problem, scale)
    if problems:
        status, message = SolveStatus.error, "award set breaks: " + "; ".join(problems)
    return SolveResult(
        method=options.method,
        solver=solver,
        status=status,
        objective_fte=objective,
        total_awarded_eur=total,
        bound=bound,
        gap=None if gap is None else max(gap, 0.0),
        awards=awards,
        message=message,
    )


def feasibility_problems(problem: AllocationProblem, scale: np.ndarray) -> list[str]:
    """Every rule the scales break (empty when the award set is feasible)."""
    out = []
    usage = row_usage(problem, scale)
    for info, used, rhs in zip(problem.rows, usage, problem.rhs_eur):
        if used > rhs + BUDGET_TOL_EUR:
            out.append(f"{info.name}: EUR {used:,.2f} > {rhs:,.2f}")
    for group, members in problem.groups.items():
        if sum(scale[i] > 0 for i in members) > 1:
            out.append(f"exclusive:{group}: more than one awarded")
    low = (scale > 0) & (scale < problem.min_scale - SNAP_TOL)
    out += [f"scale_min:{problem.app_ids[i]}: {scale[i]} < min_scale" for i in np.flatnonzero(low)]
    return out
