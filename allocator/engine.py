"""The pipeline: inputs -> eligibility -> problem -> method -> checked award set.

``allocate`` is the one entry point for the command line, the notebooks and the tests.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field, replace

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
from .feasibility import feasibility_problems, snap_scales, trim_overshoot
from .model.problem import AllocationProblem, build_problem
from .reasons import optimal_reasons


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

    def scales(self) -> np.ndarray:
        """The awarded scale of every eligible application, in problem order (zeros when
        there is no award set)."""
        index = {a: i for i, a in enumerate(self.problem.app_ids)}
        scale = np.zeros(self.problem.n)
        for award in self.result.awards:
            if award.application_id in index:
                scale[index[award.application_id]] = award.scale
        return scale

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
    lock_conflicts = _check_locks(applications, scenario, reasons)
    eligible = [a for a in applications if not reasons[a.application_id]]
    themes = {a.application_id: plans[a.use_case].theme for a in eligible}
    problem = build_problem(eligible, scenario, regions, themes)
    timings["eligibility_and_rows"] = time.perf_counter() - t0

    if lock_conflicts:
        status, scale, notes = SolveStatus.infeasible, None, {}
        extra = {"conflicts": lock_conflicts, "message": "the board's locks cannot hold"}
    elif options.method is Method.optimal:
        status, scale, notes, extra = _optimal(problem, options, timings)
    else:
        t1 = time.perf_counter()
        if options.method is Method.fcfs:
            order = baselines.fcfs_order(
                problem, {a.application_id: a.submitted_at for a in eligible}
            )
        else:
            order = baselines.greedy_order(problem)
        walked = baselines.walk(problem, baselines.with_locks(problem, order))
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


def _check_locks(
    applications: list[Application], scenario: Scenario, reasons: dict[str, list[str]]
) -> list[str]:
    """Locks must name applications of the submission; a must_fund on an ineligible one is a
    conflict (returned), an unknown id an input error (raised)."""
    from .errors import InputError, InputProblem

    known = {a.application_id for a in applications}
    where = f"scenario {scenario.name!r}"
    unknown = [
        InputProblem(
            where, "no application with this id in the submission", column=key, value=app_id
        )
        for key, ids in (("must_fund", scenario.must_fund), ("must_not", scenario.must_not))
        for app_id in ids
        if app_id not in known
    ]
    if unknown:
        raise InputError(unknown)
    return [
        f"must_fund:{app_id}: the application is ineligible ({';'.join(reasons[app_id])})"
        for app_id in scenario.must_fund
        if reasons[app_id]
    ]


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
    if raw.status is SolveStatus.infeasible:
        from .diagnose import find_conflicts

        t3 = time.perf_counter()
        # every application open: the elastic model may break caps, so none is shut by them
        open_model = build_mip(problem, shut_unfundable=False)
        conflicts = find_conflicts(open_model, problem, backend, options)
        timings["diagnose"] = time.perf_counter() - t3
        extra["conflicts"] = [str(c) for c in conflicts]
        extra["message"] = "no award set keeps every rule; " + (
            f"smallest conflicting set: {', '.join(c.constraint for c in conflicts)}"
            if conflicts
            else "no conflicting set could be named"
        )
    if not raw.status.has_solution or raw.values is None:
        return raw.status, None, {}, extra
    scale = snap_scales(problem, raw.values[model.scale_col], model.choices(raw.values))
    if problem.secondary and raw.status is SolveStatus.optimal and raw.objective is not None:
        t4 = time.perf_counter()
        scale = _secondary(problem, scale, raw.objective, backend, options)
        timings["secondary"] = time.perf_counter() - t4
    scale = trim_overshoot(problem, scale)
    return raw.status, scale, optimal_reasons(problem, scale), extra


def _reduce(problem: AllocationProblem, model, backend):  # type: ignore[no-untyped-def]
    """LP relaxation -> LP-guided walk as a start -> reduced-cost fixing (model/reduce.py)."""
    from .model.reduce import (
        dual_bound,
        fix_by_reduced_cost,
        is_feasible,
        lp_guided_order,
        relaxation,
        start_vector,
    )

    lp = backend.solve_relaxation(relaxation(model))
    if lp is None:  # the relaxation is infeasible: so is the model
        return model, None, None
    walked = baselines.walk(
        problem, baselines.with_locks(problem, lp_guided_order(problem, model, lp))
    )
    start = start_vector(model, problem, walked.scale)
    if not is_feasible(model, start):  # e.g. floors or locks the walk does not know
        return model, None, lp.objective
    bound = dual_bound(model, lp)  # proven, and the LP optimum to round-off
    reduced, _ = fix_by_reduced_cost(model, problem, bound, float(walked.scale @ problem.fte))
    return reduced, start, bound.value


def _secondary(
    problem: AllocationProblem, scale: np.ndarray, fte: float, backend, options: RunOptions
) -> np.ndarray:  # type: ignore[no-untyped-def]
    """Optimise the scenario's secondary objectives in order, keeping the FTE optimum."""
    from .model.mip import build_mip
    from .model.reduce import start_vector
    from .model.secondary import (
        KEEP_FTE_REL,
        fill_start,
        full_awards,
        keep_row,
        objective_columns,
    )

    model = build_mip(problem)  # explicit choice columns: the secondary rules count choices
    x = start_vector(model, problem, scale)
    model = keep_row(model, "fte", model.scale_col, problem.fte, fte - KEEP_FTE_REL * max(1.0, fte))
    for objective in problem.secondary:
        model, cols, weights = objective_columns(model, problem, objective, problem.app_region)
        x = fill_start(model, x, problem, problem.app_region)
        obj = np.zeros(model.num_cols)
        obj[cols] = weights
        stage = backend.solve(replace(model, col_obj=obj), options, start=x)
        if stage.status is not SolveStatus.optimal or stage.values is None:
            return scale  # keep the primary optimum as it was
        x = stage.values
        model = keep_row(model, objective, cols, weights, float(weights @ x[cols]) - 0.5)
    scale = snap_scales(problem, x[model.scale_col], model.choices(x))
    # an application the last stage counts as funded in full is funded in full (its scale may
    # sit a solver tolerance below 1); trim_overshoot then keeps the budgets exact
    scale[full_awards(model, x, problem)] = 1.0
    return scale


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
            conflicts=extra.get("conflicts", []),
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
    problems = feasibility_problems(problem, scale, board_rules=options.method is Method.optimal)
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
