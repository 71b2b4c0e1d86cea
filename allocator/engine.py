"""The pipeline: inputs -> eligibility -> problem -> method -> checked award set.

``allocate`` is the one entry point for the command line, the notebooks and the tests.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

import numpy as np

from . import baselines, progress
from .backends.base import RawSolution
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
from .feasibility import euro_sum, feasibility_problems, snap_scales, whole_cents
from .model.problem import AllocationProblem, build_problem
from .reasons import optimal_reasons

if TYPE_CHECKING:
    from .backends.base import Backend
    from .model.mip import LinearModel

DEFAULT_GAP = RunOptions.model_fields["mip_rel_gap"].default
"""The relative gap of an exact solve (1e-7). At it a backend's word "optimal" is taken as
the proof; at a wider gap the word must be checked against a proven bound (see _honest)."""
GAP_SLACK = 1e-9
"""Round-off allowed when a gap is compared with the tolerance (absolute, on the ratio)."""


class TimeUp(Exception):
    """The time limit ran out before any award set existed; ``phase`` says in which step."""

    def __init__(self, phase: str, limit_s: float, elapsed_s: float):
        super().__init__(phase)
        self.phase, self.limit_s, self.elapsed_s = phase, limit_s, elapsed_s

    def __str__(self) -> str:
        return (
            f"time limit of {self.limit_s:g} s reached while {self.phase} "
            f"({self.elapsed_s:.1f} s into the run), before any award set; raise the time "
            "limit (--time-limit, time_limit= in the API)"
        )


@dataclass
class Deadline:
    """A time limit over the whole run, on the monotonic clock. Steps that cannot be cut
    short check it between them (``check``); a solver is given what is ``left``."""

    limit_s: float | None
    start: float = field(default_factory=time.monotonic)

    def elapsed(self) -> float:
        return time.monotonic() - self.start

    def left(self) -> float | None:
        """Seconds left (0 when passed); None without a limit."""
        return None if self.limit_s is None else max(0.0, self.limit_s - self.elapsed())

    def expired(self) -> bool:
        return self.limit_s is not None and self.elapsed() >= self.limit_s

    def check(self, phase: str) -> None:
        """Raise TimeUp naming ``phase`` (the step just done) when the limit has passed."""
        if self.expired():
            assert self.limit_s is not None
            raise TimeUp(phase, self.limit_s, self.elapsed())

    def solver_options(self, options: RunOptions) -> RunOptions:
        """``options`` with the solver's time limit set to what is left (at least 1 ms)."""
        left = self.left()
        if left is None:
            return options
        return options.model_copy(update={"time_limit_s": max(left, 1e-3)})


@dataclass
class Allocation:
    """Everything one run used and produced: what the writers and reports need. Money in
    EUR (applications' costs, the scenario's limits, awarded amounts), FTE saved at full
    scale per application and awarded FTE in the result; ``timings_s`` in seconds per step;
    ``regions``: population in inhabitants per region code."""

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
        """The theme (``ai``, ``digital_hybrid``, ``medtech``) whose budget ``app`` draws on:
        its model plan's theme, else the theme the application states (None: neither)."""
        plan = self.plans.get(app.use_case)
        return plan.theme if plan is not None else app.theme


def allocate(
    applications: list[Application],
    scenario: Scenario,
    options: RunOptions | None = None,
    regions: RegionTable | None = None,
    plans: dict[str, ModelPlan] | None = None,
    deadline: Deadline | None = None,
    extra_rows: Callable[[AllocationProblem, list[Application]], None] | None = None,
) -> Allocation:
    """Decide on every application under ``scenario`` with ``options.method``: the
    Allocation's result holds per application its scale (0-1), amount (EUR, whole cents) and
    FTE saved, with the status and, for method optimal, the proven bound (FTE).

    ``extra_rows(problem, eligible)`` may add rows to the problem before it is solved (the
    API's ``extra_constraints``, model/custom.py).

    ``deadline``: the run's time limit, started by the caller (the command line starts it
    before reading); raises TimeUp when it passes before the budget rows are built. Without
    one, ``options.time_limit_s`` counts from here and the eligibility and rows are not cut.
    A run cut short after the rows and before any award set is ``no_solution`` (the message
    names the step), one cut short with an award set ``feasible``."""
    options = options or RunOptions()
    given = deadline is not None
    if deadline is None:
        deadline = Deadline(options.time_limit_s)
    plans = plans if plans is not None else model_plans()
    regions = regions if regions is not None else regions_for(scenario)
    timings: dict[str, float] = {}
    t0 = time.perf_counter()
    progress.phase("checking eligibility and building the budget rows")
    reasons = check_all(applications, scenario, plans)
    lock_conflicts = _check_locks(applications, scenario, reasons)
    if given:
        deadline.check("checking eligibility")
    eligible = [a for a in applications if not reasons[a.application_id]]
    themes: dict[str, str] = {a.application_id: plans[a.use_case].theme for a in eligible}
    problem = build_problem(eligible, scenario, regions, themes)
    if extra_rows is not None:
        extra_rows(problem, sorted(eligible, key=lambda a: a.application_id))
    timings["eligibility_and_rows"] = time.perf_counter() - t0
    if given:
        deadline.check("building the budget rows")

    notes: dict[int, str]
    extra: dict[str, Any]
    if lock_conflicts:
        status, scale, notes = SolveStatus.infeasible, None, {}
        extra = {"conflicts": lock_conflicts, "message": "the board's locks cannot hold"}
    elif options.method is Method.optimal:
        try:
            status, scale, notes, extra = _optimal(problem, options, timings, deadline)
        except TimeUp as exc:  # no award set: said as a status, the phase in the message
            status, scale, notes = SolveStatus.no_solution, None, {}
            extra = {"message": str(exc), "solver": options.solver, "stopped_in": exc.phase}
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


def _optimal(
    problem: AllocationProblem,
    options: RunOptions,
    timings: dict[str, float],
    deadline: Deadline | None = None,
) -> tuple[SolveStatus, np.ndarray | None, dict[int, str], dict[str, Any]]:
    from .backends import Feature, get_backend
    from .model.mip import build_mip

    deadline = deadline or Deadline(None)
    if problem.n == 0:
        return SolveStatus.optimal, np.zeros(0), {}, {"bound": 0.0, "solver": options.solver}
    t0 = time.perf_counter()
    progress.phase(f"building the model ({problem.n:,} eligible applications)")
    backend = get_backend(options.solver)
    model = build_mip(problem, semicontinuous=Feature.SEMICONTINUOUS in backend.features)
    timings["build"] = time.perf_counter() - t0
    deadline.check("building the model")
    t1 = time.perf_counter()
    start, lp_bound = None, None
    if options.reduce and {Feature.LP_DUALS, Feature.WARM_START} <= backend.features:
        progress.phase("reducing the model (LP relaxation, start)")
        model, start, lp_bound = _reduce(problem, model, backend)
    timings["reduce"] = time.perf_counter() - t1
    t2 = time.perf_counter()
    if deadline.expired() and start is not None:  # no time to solve: the LP-guided start
        objective = float(model.col_obj @ start)
        raw = RawSolution(SolveStatus.feasible, start, objective, None)
    else:
        deadline.check("reducing the model (LP relaxation)")
        progress.phase(f"solving ({backend.name})", unit="FTE")
        raw = _solve_reduced(backend, model, deadline.solver_options(options), start)
    timings["solve"] = time.perf_counter() - t2
    raw, lp_bound = _honest(raw, backend, model, options, lp_bound, deadline)
    if deadline.expired() and raw.status is SolveStatus.no_solution:
        raise TimeUp("solving", deadline.limit_s or 0.0, deadline.elapsed())
    extra: dict[str, Any] = {
        "bound": _valid_bound(raw, lp_bound),
        "solver": backend.name,
        "message": raw.message,
    }
    if deadline.expired() and raw.status.has_solution:
        extra["message"] = _joined(
            f"time limit of {deadline.limit_s:g} s reached while solving", raw.message
        )
    if raw.status is SolveStatus.infeasible:
        from .diagnose import find_conflicts

        t3 = time.perf_counter()
        conflicts = []
        if not deadline.expired():
            # every application open: the elastic model may break caps, so none is shut by them
            open_model = build_mip(problem, shut_unfundable=False)
            conflicts = find_conflicts(
                open_model, problem, backend, deadline.solver_options(options)
            )
        timings["diagnose"] = time.perf_counter() - t3
        extra["conflicts"] = [str(c) for c in conflicts]
        extra["message"] = "no award set keeps every rule; " + (
            f"smallest conflicting set: {', '.join(c.constraint for c in conflicts)}"
            if conflicts
            else "no conflicting set could be named"
            + (" (time limit reached)" if deadline.expired() else "")
        )
    if not raw.status.has_solution or raw.values is None:
        return raw.status, None, {}, extra
    status = raw.status
    scale = snap_scales(problem, raw.values[model.scale_col], model.choices(raw.values))
    if problem.secondary and status is SolveStatus.optimal and raw.objective is not None:
        if deadline.expired():
            status = SolveStatus.feasible  # the FTE optimum, but not the board's tie-breaks
            extra["message"] = _joined(
                f"time limit of {deadline.limit_s:g} s reached before the secondary objectives",
                extra["message"],
            )
        else:
            t4 = time.perf_counter()
            scale = _secondary(
                problem, scale, raw.objective, backend, deadline.solver_options(options)
            )
            timings["secondary"] = time.perf_counter() - t4
    if deadline.expired():
        # reasons.decide is not cut short; the awards say why none was worked out
        notes = {
            i: ("scaled down" if s > 0 else "not funded")
            + ": reason not worked out (time limit reached)"
            for i, s in enumerate(scale)
            if s < 1.0
        }
        extra["message"] = _joined(extra["message"], "reasons not worked out (time limit)")
        return status, scale, notes, extra
    return status, scale, optimal_reasons(problem, scale), extra


def _joined(*parts: str) -> str:
    return "; ".join(p for p in parts if p)


def _honest(
    raw: RawSolution,
    backend: Backend,
    model: LinearModel,
    options: RunOptions,
    lp_bound: float | None,
    deadline: Deadline,
) -> tuple[RawSolution, float | None]:
    """The backend's answer with a status the bounds prove, and the LP bound if one was
    worked out here. ``optimal`` stays only where the gap to a proven bound is within
    options.mip_rel_gap; at the default gap a backend's own word "optimal" is the proof
    (all backends stop there only when the gap is below 1e-7). A backend that gives no
    proven bound (Backend.proves_bound) and claims optimal at a wider gap is checked
    against our LP bound (weak duality, model/reduce.py); without one it is ``feasible``."""
    if not raw.status.has_solution or raw.objective is None:
        return raw, lp_bound
    bound = _valid_bound(raw, lp_bound)
    exact = options.mip_rel_gap <= DEFAULT_GAP
    if raw.status is SolveStatus.optimal and bound is None and exact:
        return raw, lp_bound  # the solver's word at the exact gap; bound = objective
    unproven = bound is None or (
        raw.status is SolveStatus.optimal and not _within(raw, bound, options)
    )
    if unproven and not deadline.expired():
        lp_bound = _lp_bound(backend, model)
        bound = _valid_bound(raw, lp_bound)
    if raw.status is SolveStatus.optimal and (bound is None or not _within(raw, bound, options)):
        said = f"{backend.name} stopped within --gap {options.mip_rel_gap:g} by its own account"
        proof = (
            "no proven bound to check it against"
            if bound is None
            else f"the best proven bound {bound:,.2f} leaves a gap of "
            f"{(bound - raw.objective) / max(abs(bound), 1e-9):.2e}"
        )
        raw = RawSolution(
            SolveStatus.feasible, raw.values, raw.objective, raw.bound, f"{said}; {proof}"
        )
    return raw, lp_bound


def _within(raw: RawSolution, bound: float, options: RunOptions) -> bool:
    assert raw.objective is not None
    gap = max(0.0, bound - raw.objective) / max(abs(bound), 1e-9)
    return gap <= options.mip_rel_gap + GAP_SLACK or bound - raw.objective <= 1e-6


def _lp_bound(backend: Backend, model: LinearModel) -> float | None:
    """A proven bound from the LP relaxation: the backend's own LP duals, else those of an
    installed backend that gives LP duals (any duals prove a bound: weak duality)."""
    from .backends import Feature, _backend_class, solver_names

    bound = backend.lp_bound(model)
    if bound is not None:
        return bound
    for name in solver_names():
        cls = _backend_class(name)
        if Feature.LP_DUALS in cls.features and cls.available():
            return cls().lp_bound(model)
    return None


def _reduce(
    problem: AllocationProblem, model: LinearModel, backend: Backend
) -> tuple[LinearModel, np.ndarray | None, float | None]:
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
    scale = walked.scale
    start = start_vector(model, problem, scale)
    if not is_feasible(model, start):  # e.g. floors or a regional minimum the walk does not know
        dived = _dived(problem, backend)
        if dived is None:
            return model, None, lp.objective
        scale, start = dived, start_vector(model, problem, dived)
        if not is_feasible(model, start):
            return model, None, lp.objective
    bound = dual_bound(model, lp)  # proven, and the LP optimum to round-off
    reduced, _ = fix_by_reduced_cost(model, problem, bound, float(scale @ problem.fte))
    return reduced, start, bound.value


SMALL_MAIN_MAX_FREE = 400
"""A reduced model with at most this many free columns (and a start) is compacted and solved
as explain's small models are (Backend.solve_small; HiGHS without presolve and sub-MIP
heuristics): the main MIP and each secondary stage. Measured per model, HiGHS time default
-> small: the shipped sample's baseline 0.82 -> 0.15 s, bar-9 (264 free) 1.11 -> 0.32 s,
board-rules 1.29 -> 0.30 s and its fewest_partial stage (324 free) 1.62 -> 0.33 s; sixteen
generated 300/600 shapes: at <= 400 free columns 3.8 -> 3.4 s together, the worst of them
1.4 -> 2.4 s (300, 3.5x, 0% scalable, bar 17); above 400 as often slower as faster (1,000,
3.5x, 0% scalable, 690 free: 4.7 -> 11.1 s), so larger models keep HiGHS's defaults
(bench/README.md)."""


def _solve_reduced(
    backend: Backend, model: LinearModel, options: RunOptions, start: np.ndarray | None
) -> RawSolution:
    """The MIP of ``model`` (reduced-cost fixed), small ones compacted (model/compact.py) and
    solved within the user's gap of the start's value (absolute, so the gap stays relative
    to the whole objective, not to what the free columns add)."""
    from .backends.base import FEASIBILITY_TOL
    from .model.compact import FIXED_TOL, restrict
    from .model.reduce import holds_when_rounded

    free = int(np.count_nonzero(model.col_ub - model.col_lb > FIXED_TOL))
    if start is None or free > SMALL_MAIN_MAX_FREE:
        return backend.solve(model, options, start=start)
    small = restrict(model, model.col_lb, model.col_ub)
    if small is None:
        return backend.solve(model, options, start=start)
    lower = float(model.col_obj @ start)
    abs_gap = options.mip_rel_gap * max(1.0, abs(lower))
    progress.offset(small.objective_offset)  # the status line shows the whole objective
    raw = backend.solve_small(small.model, options, start=small.shrink(start), abs_gap=abs_gap)
    if raw.values is None:
        return raw
    values = small.expand(raw.values)
    if not holds_when_rounded(model, values, FEASIBILITY_TOL):
        # HiGHS without presolve can answer within its integrality tolerance only
        # (tests/test_hand_solved.py, exact fit to the euro): the default solve instead
        progress.offset(0.0)
        return backend.solve(model, options, start=start)
    offset = small.objective_offset
    return RawSolution(
        raw.status,
        values,
        None if raw.objective is None else raw.objective + offset,
        None if raw.bound is None else raw.bound + offset,
        raw.message,
    )


def _dived(problem: AllocationProblem, backend: Backend) -> np.ndarray | None:
    """Scales of an award set from rounding dives (model/reduce.py) in the model with
    explicit choice columns, the best of DIVE_UP_FROM; None when every dive fails. A start
    where the walk breaks a rule it does not know (floors, the regional minimum)."""
    from .model.mip import build_mip
    from .model.reduce import best_dive, relaxation

    explicit = build_mip(problem)
    best = best_dive(explicit, backend.lp_session(relaxation(explicit)), DIVE_UP_FROM)
    if best is None:
        return None
    return snap_scales(problem, best[explicit.scale_col], explicit.choices(best))


DIVE_UP_FROM = (0.5, 0.3)
"""Rounding dives for the start where the walk's is infeasible: an integer column rounds up
from this fraction (one dive each, the best kept)."""


def _secondary(
    problem: AllocationProblem,
    scale: np.ndarray,
    fte: float,
    backend: Backend,
    options: RunOptions,
) -> np.ndarray:
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
    keep_fte = fte - KEEP_FTE_REL * max(1.0, fte)
    model = _fixed_for_keep(model, problem, backend, keep_fte)
    model = keep_row(model, "fte", model.scale_col, problem.fte, keep_fte)
    for objective in problem.secondary:
        model, cols, weights = objective_columns(model, problem, objective, problem.app_region)
        x = fill_start(model, x, problem, problem.app_region)
        obj = np.zeros(model.num_cols)
        obj[cols] = weights
        progress.phase(f"secondary objective: {objective}")
        stage = _solve_reduced(backend, replace(model, col_obj=obj), options, x)
        if stage.status is not SolveStatus.optimal or stage.values is None:
            return scale  # keep the primary optimum as it was
        x = stage.values
        model = keep_row(model, objective, cols, weights, float(weights @ x[cols]) - 0.5)
    scale = snap_scales(problem, x[model.scale_col], model.choices(x))
    # an application the last stage counts as funded in full is funded in full (its scale may
    # sit a solver tolerance below 1); whole_cents then keeps the budgets exact
    scale[full_awards(model, x, problem)] = 1.0
    return scale


def _fixed_for_keep(
    model: LinearModel, problem: AllocationProblem, backend: Backend, keep_fte: float
) -> LinearModel:
    """``model`` with the applications that no award set worth at least ``keep_fte`` FTE can
    fund fixed at 0 (and those every such set funds kept chosen): reduced-cost fixing against
    the model's own LP relaxation (model/reduce.py). Exact, since every secondary stage keeps
    the FTE at least that; it leaves the stages only the applications near the optimum."""
    from .backends import Feature
    from .model.reduce import dual_bound, fix_by_reduced_cost, relaxation

    if Feature.LP_DUALS not in backend.features:
        return model
    lp = backend.solve_relaxation(relaxation(model))
    if lp is None:
        return model
    fixed, _ = fix_by_reduced_cost(model, problem, dual_bound(model, lp), keep_fte)
    return fixed


def _valid_bound(raw: RawSolution, lp_bound: float | None) -> float | None:
    """A proven upper bound on the FTE, or None when none is known.

    A solver stopped before its root node may report its incumbent as "bound" (HiGHS does);
    a stopped run whose bound claims no gap is not trusted, and the LP relaxation's
    objective (always valid) is used instead. Of two valid bounds the lower one is kept.
    """
    bound = raw.bound
    objective = raw.objective
    stopped = raw.status is SolveStatus.feasible and objective is not None
    if (
        stopped
        and bound is not None
        and objective is not None
        and bound <= objective + 1e-9 * max(1.0, abs(objective))
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
    extra: dict[str, Any],
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
    scale, amount_eur = whole_cents(problem, scale)  # whole cents, every cap kept exactly
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
                awarded_amount_eur=float(amount_eur[i]),
                awarded_fte=s * float(problem.fte[i]),
                reason=notes.get(i, ""),
            )
        )
    objective = math.fsum(a.awarded_fte for a in awards)
    total = euro_sum(a.awarded_amount_eur for a in awards)
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
