"""Explain an optimal award set with re-solves (CONTRACT.md, "Explanations").

- Shadow price of a budget cap: the optimal FTE when its limit grows by EUR 1,000,000, minus
  the optimum (a full re-solve of the changed problem; not an LP dual).
- Per eligible application: the budget caps and exclusive group it draws on that are tight;
  for one not fully funded, the FTE lost if it must be funded at least at min_scale; for a
  funded one, the FTE lost without it.

Every variant is the base model with other bounds (forcing, removing) or one larger row
limit (raising a cap). Each worker keeps the base LP loaded; a variant's LP starts from the
base's optimal basis and gives its bound and reduced costs; fixing by reduced cost against a
guessed lower bound (model/reduce.py) and taking the fixed columns out (model/compact.py)
leaves a MIP of tens to hundreds of columns (see _optimum for why the result is exact).
Variants run in fixed blocks in a process pool on all cores.
"""

from __future__ import annotations

import math
import os
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field, replace

import numpy as np

from . import baselines
from .backends import Backend, RawSolution
from .backends.base import FEASIBILITY_TOL, LpSession
from .domain import AwardStatus, Method, RunOptions, SolveStatus
from .engine import Allocation
from .families import FAMILIES, family_of
from .feasibility import row_usage
from .model.compact import Restricted, restrict
from .model.mip import MONEY_UNIT_EUR, LinearModel, build_mip
from .model.problem import AllocationProblem, ConstraintInfo, never_fundable
from .model.reduce import (
    best_dive,
    dual_bound,
    fix_by_reduced_cost,
    holds_when_rounded,
    is_feasible,
    relaxation,
    start_vector,
)
from .reasons import binding_caps, decide

SHADOW_STEP_EUR = 1_000_000.0
"""Caps of the ``priced`` families (allocator/families) get a re-solved shadow price (a custom
cap's right-hand side grows by 1,000,000 of its own unit: EUR for a money row)."""
GUESS_FLOOR = 2e-6
GUESS_BASE_GAP = 1.0
GUESS_LEARN_AFTER = 4
GUESS_QUANTILE = 0.5
GUESS_MARGIN = 1.0
GUESS_GROWTH = 4.0
GUESS_WORTH = 1.25
GUESS_LAZY = 0.5
"""How far below a variant's LP bound the first guess lies: the base's LP gap (LP optimum
minus the optimum) until a block has solved GUESS_LEARN_AFTER variants, then the median of
how far the LP bound overstated their optima; never less than GUESS_FLOOR of the bound. A
guess that fails without a solution grows by GUESS_GROWTH. Where a guess leaves more than
GUESS_LAZY of the columns free, the start is walked; if fixing against its value leaves at
most GUESS_WORTH times the columns the guess does, that exact fixing is used at once. Tuned
on the shipped sample and generated submissions of 500 and 5,000 applications
(bench/README.md)."""
DIVE_UP_FROM = (0.3, 0.5, 0.15)
DIVE_TRUST = 3.0
"""Rounding dives in the guess's small model (model/reduce.py), one per DIVE_UP_FROM (an
integer column rounds up from that fraction), give a solution L, mostly within a few
thousandths of an FTE of the optimum. L is the start of the small MIP, which then proves
rather than searches; where the bound U (the variant's dual bound) lies within DIVE_TRUST
times the guess's eps above L, the model is fixed against L instead (exact at once: no
second solve when the optimum lies below the guess). 5,000 applications, per variant on one
core: no dive 0.111 s, one dive from 0.5 0.089 s, from 0.3 0.078, the three 0.071
(bench/README.md)."""
INLINE_BELOW = 24
"""Fewer re-solves than this run in the calling process (a pool costs more than it saves)."""
BLOCK = 32
"""Variants are solved in fixed blocks of this many (the unit of work and of learning)."""


@dataclass
class ApplicationExplanation:
    """Why one eligible application got what it got: ``binding``, the tight caps and exclusive
    group it draws on (constraint names); ``fte_loss_if_forced``, the FTE the optimum loses
    when it must be funded at least at min_scale (None: funded already, or infeasible, see
    ``forced_infeasible``); ``fte_loss_if_removed``, the FTE lost without it (funded ones;
    negative where the optimum without it saves more: under the regional minimum, "its
    applications permitting", a region waits for every one of its applications)."""

    application_id: str
    binding: list[str]
    fte_loss_if_forced: float | None = None  # None: not applicable, or infeasible (see flag)
    forced_infeasible: bool = False
    fte_loss_if_removed: float | None = None


@dataclass
class Explanations:
    """What ``explain`` found: ``base_fte``, the optimum (FTE); ``shadow_prices``, cap name ->
    FTE gained per EUR 1M more under that cap; ``applications``, by application_id;
    ``timings_s``, seconds per step."""

    base_fte: float
    shadow_prices: dict[str, float]  # cap name -> FTE per EUR 1M more
    applications: dict[str, ApplicationExplanation]
    timings_s: dict[str, float] = field(default_factory=dict)


def __getattr__(name: str) -> object:
    """``PRICED_FAMILIES``: the names of the registry's priced families, read afresh (kept for
    callers that filter rows by name; ``family_of(info).priced`` is the way to ask)."""
    if name == "PRICED_FAMILIES":
        return tuple(f.name for f in FAMILIES if f.priced)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def _priced(info: ConstraintInfo) -> bool:
    family = family_of(info)
    return family is not None and family.priced


# ---- variants -----------------------------------------------------------------------------


@dataclass
class _Base:
    """What every worker needs, built once and shipped to the workers."""

    problem: AllocationProblem
    model: LinearModel
    options: RunOptions
    scale: np.ndarray  # the base award set as scales per application
    fte_per_eur: np.ndarray  # per application
    order: list[int]  # walk order for starts: funded first, then FTE per euro, then id
    lp_gap: float = 0.0  # LP optimum minus the base optimum (FTE)


@dataclass
class _Worker:
    """Per worker process: the base, the backend, the loaded LP (None: the backend gives no
    LP reduced costs) and what the block's guesses learnt (see GUESS_LEARN_AFTER)."""

    base: _Base
    backend: Backend
    lp: LpSession | None
    gaps: list[float] = field(default_factory=list)


_STATE: _Worker | None = None
"""This process's worker (_init_worker)."""


def _worker() -> _Worker:
    if _STATE is None:
        raise RuntimeError("explain: re-solve outside a worker (_init_worker not run)")
    return _STATE


@dataclass
class _Own:
    """A variant's own model where bounds on the base model cannot say it (an application
    taken out of a region with a regional minimum: _removed), with its own loaded LP."""

    model: LinearModel
    problem: AllocationProblem
    lp: LpSession | None


def _optimum(
    lb: np.ndarray,
    ub: np.ndarray,
    row_ub: np.ndarray | None = None,
    make_start: Callable[[], np.ndarray] | None = None,
    own: _Own | None = None,
) -> float | None:
    """Optimal FTE of the base model (``own``: of that model) with these bounds; None when
    infeasible. ``make_start`` gives a column vector that may be feasible (the base award
    set, adapted); it is only called where a known value helps: the guess fixes little, or
    it failed.

    The variant's own LP (from the base's basis) gives the bound U (its duals' proven bound,
    model/reduce.py DualBound) and what each column costs against it.
    Reduced-cost fixing against a guess G = U - eps leaves a small model (model/compact.py):
    every solution that breaks a fixing is worth less than G, so a small-model optimum of at
    least G is the variant's optimum. Below G it is still a solution: fixing against its value
    (exact) and solving once more from it ends the search. No solution at all: eps grows.
    A rounding dive in the small model gives the MIP its start (see DIVE_TRUST).
    """
    worker = _worker()
    base, backend, lps = worker.base, worker.backend, worker.lp
    model, problem = base.model, base.problem
    if own is not None:
        model, problem, lps = own.model, own.problem, own.lp
    variant = replace(model, col_lb=lb, col_ub=ub)
    if row_ub is not None:
        variant = replace(variant, row_ub=row_ub)
    if lps is None:  # a backend without LP reduced costs: the whole variant
        return _value(backend.solve(variant, base.options))
    lp = lps.solve(lb, ub, row_ub)
    if lp is None:
        return None
    bound = dual_bound(variant, lp)
    upper = bound.value  # proven, and the LP optimum to round-off
    floor = GUESS_FLOOR * max(1.0, abs(upper))
    seen = worker.gaps
    if len(seen) >= GUESS_LEARN_AFTER:  # what the LP bound overstated in this block so far
        eps = max(floor, GUESS_MARGIN * float(np.quantile(seen, GUESS_QUANTILE)))
    else:
        eps = max(floor, GUESS_BASE_GAP * base.lp_gap)
    gap = base.options.mip_rel_gap * max(1.0, abs(upper))  # as the base: relative to the whole
    start: np.ndarray | None = None
    lower = -math.inf

    def load_start() -> None:
        nonlocal start, lower, make_start
        x = make_start() if make_start is not None else None
        make_start = None  # once
        if x is not None and is_feasible(variant, x):
            start, lower = x, float(variant.col_obj @ x)

    while True:
        guess = upper - eps
        exact = guess <= lower or eps > max(1.0, abs(upper))
        fixed = variant
        if not (exact and start is None):
            fixed, _ = fix_by_reduced_cost(variant, problem, bound, lower if exact else guess)
        if not exact and make_start is not None and _free(fixed) > GUESS_LAZY * _free(variant):
            load_start()  # the guess leaves much free: is the exact fixing much bigger?
            if start is not None:
                surely, _ = fix_by_reduced_cost(variant, problem, bound, lower)
                if _free(surely) <= GUESS_WORTH * _free(fixed):
                    fixed, exact = surely, True
        small = restrict(variant, fixed.col_lb, fixed.col_ub)
        if small is not None and start is None and not exact:
            x = _dive(
                small, lps, backend
            )  # a solution near the optimum: a start, and maybe exact fixing
            if x is not None and is_feasible(variant, x):
                start, lower = x, float(variant.col_obj @ x)
                if upper - lower <= gap:  # the LP bound proves it, as a MIP would
                    seen.append(max(0.0, upper - lower))
                    return lower
                if upper - lower <= DIVE_TRUST * eps:
                    exact = True
                    fixed, _ = fix_by_reduced_cost(variant, problem, bound, lower)
                    small = restrict(variant, fixed.col_lb, fixed.col_ub)
        raw: RawSolution | None = None
        found: tuple[float, np.ndarray] | None = None  # the small model's optimum, full columns
        if small is not None:
            x0 = small.shrink(start) if start is not None and is_feasible(fixed, start) else None
            raw = backend.solve_small(small.model, base.options, start=x0, abs_gap=gap)
            if raw.values is not None and not holds_when_rounded(
                variant, small.expand(raw.values), FEASIBILITY_TOL
            ):  # an answer within the solver's integrality tolerance only: presolve on
                raw = backend.solve(small.model, base.options, start=x0)
            if (
                raw.status is SolveStatus.optimal
                and raw.values is not None
                and raw.objective is not None
            ):
                found = float(raw.objective) + small.objective_offset, small.expand(raw.values)
        if found is not None:
            value, x_found = found
            if exact or value >= guess:
                seen.append(max(0.0, upper - value))
                return value
            start, lower = x_found, value
            eps = upper - lower
        elif raw is None or raw.status is SolveStatus.infeasible:
            if exact:
                return None
            eps *= GUESS_GROWTH
            load_start()
        else:
            raise _unfinished(raw)


def _dive(small: Restricted, lps: LpSession, backend: Backend) -> np.ndarray | None:
    """A solution of the variant from a rounding dive in its small model (full columns);
    ``lps``: the variant's loaded LP (its last solve is the dive's hint)."""
    hint = lps.hint(small.cols, small.rows)
    session = backend.lp_session(relaxation(small.model), hint)
    best = best_dive(small.model, session, DIVE_UP_FROM)
    return None if best is None else small.expand(best)


def _free(model: LinearModel) -> int:
    return int(np.count_nonzero(model.col_ub - model.col_lb > 0))


def _value(raw: RawSolution) -> float | None:
    if raw.status is SolveStatus.infeasible:
        return None
    if raw.status is not SolveStatus.optimal or raw.objective is None:
        raise _unfinished(raw)
    return float(raw.objective)


def _unfinished(raw: RawSolution) -> RuntimeError:
    return RuntimeError(f"re-solve did not finish: {raw.status.value} {raw.message}")


def _walked(initial: np.ndarray, i: int, first: bool, own: _Own | None = None) -> np.ndarray:
    """A start: ``initial`` (scales) filled up by a walk in the base order (funded first, then
    by FTE per euro), with application i first or left out (``own``: in that model)."""
    base = _worker().base
    model, problem = (base.model, base.problem) if own is None else (own.model, own.problem)
    order = ([i] if first else []) + [j for j in base.order if j != i]
    walked = baselines.walk(problem, baselines.with_locks(problem, order), initial=initial)
    return start_vector(model, problem, walked.scale)


def _repair(scale: np.ndarray, keep: int) -> np.ndarray:
    """Drop funded applications (lowest FTE per euro first, never ``keep``) until every cap
    and exclusive group holds again."""
    base = _worker().base
    problem = base.problem
    scale = scale.copy()
    for j in problem.group_partners(keep):
        scale[j] = 0.0
    ratio = base.fte_per_eur
    rhs = np.asarray(problem.rhs_eur)
    rows, apps, coefs = problem.triplets()
    cap = problem.is_cap
    while True:
        over = np.flatnonzero(cap & (row_usage(problem, scale) > rhs + 1e-6))
        if not len(over):
            return scale
        members = apps[np.isin(rows, over) & (coefs > 0)]
        candidates = [i for i in set(members.tolist()) if i != keep and scale[i] > 0]
        if not candidates:
            return scale
        scale[min(candidates, key=lambda i: (ratio[i], problem.app_ids[i]))] = 0.0


def _forced(i: int) -> float | None:
    """Optimal FTE when application i must be funded at least at min_scale."""
    base = _worker().base
    model = base.model
    lb, ub = model.col_lb.copy(), model.col_ub.copy()
    if ub[model.choice_col[i]] < 1.0 or ub[model.scale_col[i]] < base.problem.min_scale[i]:
        return None  # a must_not application cannot be forced in
    lb[model.choice_col[i]] = 1.0
    lb[model.scale_col[i]] = base.problem.min_scale[i]  # implied by the link; states it as a bound
    initial = base.scale.copy()
    initial[i] = base.problem.min_scale[i]
    return _optimum(lb, ub, make_start=lambda: _walked(_repair(initial, i), i, first=True))


def _removed(i: int) -> float | None:
    """Optimal FTE without application i: as if it had not applied. Where i belongs to a
    region with a regional minimum ("applications permitting", families/region_min.py),
    bounds on the base model would make the region wait for i (it is let off only when its
    applications are all funded in full): the variant is then the model of the problem with
    i locked out (must_not), which lets the region off without i, as a withdrawal would."""
    worker = _worker()
    base = worker.base
    model = base.model
    lb, ub = model.col_lb.copy(), model.col_ub.copy()
    if lb[model.choice_col[i]] > 0:
        return None  # a must_fund application cannot be taken out
    initial = base.scale.copy()
    initial[i] = 0.0
    must_not = base.problem.must_not.copy()
    must_not[i] = True
    without = replace(base.problem, must_not=must_not)
    if _waits_for(without, i):
        own = _own(without)  # no let-off row waits for i
        return _optimum(
            own.model.col_lb,
            own.model.col_ub,
            make_start=lambda: _walked(initial, i, first=False, own=own),
            own=own,
        )
    ub[model.scale_col[i]] = 0.0
    ub[model.choice_col[i]] = 0.0
    return _optimum(lb, ub, make_start=lambda: _walked(initial, i, first=False))


def _waits_for(without: AllocationProblem, i: int) -> bool:
    """Does i's region have a let-off column in the model of ``without`` (the problem with i
    locked out; families/region_min.py gives one where the region's sure applications fall
    short of its minimum at the largest total)? Only then do bounds on the base model differ
    from that model (its let-off rows, its big-M); elsewhere the region's row is the plain
    minimum in both, and i at 0 by bounds is exact."""
    from .families.region_min import exhausted_floor, total_max

    t_max = total_max(without)
    for _, share, members in without.region_minimums:
        if i in members:
            return exhausted_floor(without, members) < share * t_max * (1 + 1e-9)
    return False


def _own(problem: AllocationProblem) -> _Own:
    """The variant ``problem`` as a model of its own, with its LP loaded in this worker."""
    worker = _worker()
    model = build_mip(problem)
    lp = worker.backend.lp_session(relaxation(model)) if worker.lp is not None else None
    return _Own(model, problem, lp)


def _raised_cap(k: int) -> float:
    """Optimal FTE with budget cap k EUR 1M higher. Under the regional minimum the model of
    the raised problem is built (its own: the total awarded is bounded by the ceiling and the
    let-off rows' big-M by that bound, families/region_min.py, so a higher ceiling is not a
    bound change there; members are the applications the raised caps let be funded)."""
    base = _worker().base
    model, problem = base.model, base.problem
    row_ub = model.row_ub.copy()
    row_ub[k] += SHADOW_STEP_EUR / MONEY_UNIT_EUR
    rhs = np.asarray(problem.rhs_eur, dtype=np.float64)
    rhs[k] += SHADOW_STEP_EUR
    if problem.region_minimums:
        from .families.region_min import region_members

        raised = replace(problem, rhs_eur=rhs.tolist())
        never = never_fundable(raised)
        raised.region_minimums = [
            (region, share, region_members(raised, region, never))
            for region, share, _ in problem.region_minimums
        ]
        own = _own(raised)
        found = _optimum(
            own.model.col_lb,
            own.model.col_ub,
            make_start=lambda: start_vector(own.model, raised, base.scale),
            own=own,
        )
        if found is None:
            raise RuntimeError(f"re-solve with {problem.rows[k].name} raised: infeasible")
        return found
    # build_mip shut applications whose smallest award breaks a cap; the larger cap may
    # let some of them in
    reopen = never_fundable(problem) & ~never_fundable(problem, rhs) & ~problem.must_not
    ub = model.col_ub.copy()
    ub[model.scale_col[reopen]] = 1.0
    ub[model.choice_col[reopen]] = 1.0
    value = _optimum(
        model.col_lb,
        ub,
        row_ub,
        make_start=lambda: start_vector(model, problem, base.scale),
    )
    if value is None:
        raise RuntimeError(f"re-solve with {problem.rows[k].name} raised: infeasible")
    return value


def _init_worker(base: _Base) -> None:
    from .backends import Feature, get_backend

    global _STATE
    backend = get_backend(base.options.solver)
    lp = (
        backend.lp_session(relaxation(base.model)) if Feature.LP_DUALS in backend.features else None
    )
    _STATE = _Worker(base, backend, lp)


def _run(tasks: list[tuple[str, int]]) -> list[tuple[str, int, float | None]]:
    """Solve one block of variants. What the block learns about its guesses starts afresh
    with each block, so every number depends on the block, never on which worker ran it."""
    _worker().gaps = []
    solve = {"forced": _forced, "removed": _removed, "cap": _raised_cap}
    return [(kind, index, solve[kind](index)) for kind, index in tasks]


Progress = Callable[[int, int], None]
"""Called with (re-solves done, re-solves in all) after each block."""


def _execute(
    base: _Base, tasks: list[tuple[str, int]], workers: int, progress: Progress | None = None
) -> list[tuple[str, int, float | None]]:
    blocks = [tasks[k : k + BLOCK] for k in range(0, len(tasks), BLOCK)]
    done: list[list[tuple[str, int, float | None]] | None] = [None] * len(blocks)
    count = 0

    def finished(k: int, result: list[tuple[str, int, float | None]]) -> None:
        nonlocal count
        done[k] = result
        count += len(result)
        if progress is not None:
            progress(count, len(tasks))

    if workers <= 1 or len(tasks) < INLINE_BELOW:
        _init_worker(base)
        for k, block in enumerate(blocks):
            finished(k, _run(block))
    else:
        import multiprocessing

        context = multiprocessing.get_context(
            "fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn"
        )
        with ProcessPoolExecutor(
            workers, mp_context=context, initializer=_init_worker, initargs=(base,)
        ) as pool:
            futures = {pool.submit(_run, block): k for k, block in enumerate(blocks)}
            try:
                for future in as_completed(futures):
                    finished(futures[future], future.result())
            except BaseException:  # a deadline or an error: queued blocks are not run
                pool.shutdown(wait=True, cancel_futures=True)
                raise
    return [r for block in done for r in block or []]  # in task order, whoever ran them


# ---- the public functions -------------------------------------------------------------------


def _base(alloc: Allocation) -> _Base:
    """The base every re-solve starts from; refuses an award set that is not a proven
    optimum (a shadow price is a difference of optima)."""
    from .backends import Feature, get_backend

    result = alloc.result
    if result.method is not Method.optimal or result.status is not SolveStatus.optimal:
        raise ValueError("explanations need an optimal award set (method optimal, status optimal)")
    problem = alloc.problem
    scale = alloc.scales()
    backend = get_backend(alloc.options.solver)
    model = build_mip(problem)  # explicit choice columns: forcing and removing are bounds
    options = alloc.options.model_copy(update={"time_limit_s": None})
    ratio = problem.fte / np.maximum(problem.cost_eur, 1e-9)
    order = sorted(range(problem.n), key=lambda i: (-scale[i], -ratio[i], problem.app_ids[i]))
    base = _Base(problem, model, options, scale, ratio, order)
    if Feature.LP_DUALS in backend.features:
        lp = backend.solve_relaxation(relaxation(model))
        base.lp_gap = max(0.0, lp.objective - _base_fte(base)) if lp is not None else 0.0
    return base


def _base_fte(base: _Base) -> float:
    return float(base.scale @ base.problem.fte)


def _accuracy(base: _Base) -> float:
    """Optima carry the gap (relative to the whole objective): a difference within it is 0."""
    return base.options.mip_rel_gap * max(1.0, abs(_base_fte(base)))


def _cap_tasks(problem: AllocationProblem) -> tuple[list[int], list[tuple[str, int]]]:
    """The priced caps (row indexes) and the re-solves they need: a cap without members
    cannot bind and keeps price 0 without one."""
    caps = [k for k, info in enumerate(problem.rows) if problem.is_cap[k] and _priced(info)]
    has_members = set(problem.triplets()[0].tolist())
    return caps, [("cap", k) for k in caps if k in has_members]


def _cap_prices(
    base: _Base, caps: list[int], solved: list[tuple[str, int, float | None]]
) -> dict[str, float]:
    """Cap name -> FTE gained by EUR 1M more under it, from the re-solves of ``solved``."""
    base_fte, accuracy = _base_fte(base), _accuracy(base)
    prices = {base.problem.rows[k].name: 0.0 for k in caps}
    for kind, k, value in solved:
        if kind != "cap":
            continue
        if value is None:  # _raised_cap raises instead: a larger cap keeps the optimum feasible
            raise RuntimeError(f"re-solve with {base.problem.rows[k].name} raised: infeasible")
        gain = value - base_fte
        prices[base.problem.rows[k].name] = gain if gain > accuracy else 0.0
    return prices


def shadow_prices(alloc: Allocation, workers: int | None = None) -> dict[str, float]:
    """Shadow price of every priced cap of an optimal ``alloc``: cap name -> FTE gained by
    EUR 1M more under that cap (FTE per EUR 1M). The numbers of
    ``explain(alloc).shadow_prices``, from the same re-solves, without the per-application
    ones (about 20 re-solves instead of 300 on the shipped sample): the board report's."""
    base = _base(alloc)
    caps, tasks = _cap_tasks(base.problem)
    solved = _execute(base, tasks, workers or os.cpu_count() or 1)
    return _cap_prices(base, caps, solved)


def explain(
    alloc: Allocation, workers: int | None = None, progress: Progress | None = None
) -> Explanations:
    """Shadow prices and per-application explanations of an optimal ``alloc``. ``progress``
    hears how many re-solves are done (for a progress bar); it does not change any number."""
    t0 = time.perf_counter()
    base = _base(alloc)
    problem, scale = base.problem, base.scale
    base_fte = _base_fte(base)
    index = {a: i for i, a in enumerate(problem.app_ids)}
    caps, tasks = _cap_tasks(problem)
    tasks += [("removed", i) if scale[i] > 0 else ("forced", i) for i in range(problem.n)]
    workers = workers or os.cpu_count() or 1
    t1 = time.perf_counter()
    solved = _execute(base, tasks, workers, progress)
    t2 = time.perf_counter()

    accuracy = _accuracy(base)

    def difference(more: float, less: float) -> float:
        """more - less; 0 within the gap. Negative only for a removal under the regional
        minimum: without an application its region may be let off (see _removed)."""
        return more - less if abs(more - less) > accuracy else 0.0

    shadow = _cap_prices(base, caps, solved)
    loss_forced: dict[int, float | None] = {}
    loss_removed: dict[int, float | None] = {}
    for kind, k, value in solved:
        if kind == "forced":
            loss_forced[k] = None if value is None else difference(base_fte, value)
        elif kind == "removed":
            loss_removed[k] = None if value is None else difference(base_fte, value)

    binding = binding_caps(decide(problem, scale))
    explanations = {}
    for award in alloc.result.awards:
        if award.status is AwardStatus.ineligible:
            continue
        i = index[award.application_id]
        e = ApplicationExplanation(award.application_id, binding[i])
        if scale[i] < 1.0:
            if scale[i] > 0:
                e.fte_loss_if_forced = 0.0  # already funded at least at min_scale
            else:
                e.fte_loss_if_forced = loss_forced.get(i)
                e.forced_infeasible = e.fte_loss_if_forced is None
        if scale[i] > 0:
            e.fte_loss_if_removed = loss_removed.get(i)
        explanations[award.application_id] = e
    timings = {
        "prepare": t1 - t0,
        "re-solves": t2 - t1,
        "count": float(len(tasks)),
        "workers": float(workers),
    }
    return Explanations(base_fte, shadow, explanations, timings)
