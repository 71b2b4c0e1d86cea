"""Explain an optimal award set with re-solves (CONTRACT.md, "Explanations").

- Shadow price of a budget cap: the optimal FTE when its limit grows by EUR 1,000,000, minus
  the optimum (a full re-solve of the changed problem; not an LP dual).
- Per eligible application: the budget caps and exclusive group it draws on that are tight;
  for one not fully funded, the FTE lost if it must be funded at least at min_scale; for a
  funded one, the FTE lost without it.

Forcing or removing one application restricts the base problem, so the base LP's reduced
costs stay valid bounds (model/reduce.py: bound_after, fix_by_reduced_cost). Each variant
starts from the base award set adapted to the change; fixing against a guessed lower bound
(retried with a wider guess when it does not hold) leaves a small MIP. Raising a cap is a
relaxation: there the changed LP is solved for its own reduced costs. All re-solves reuse
one loaded model per worker (only bounds change) and run in fixed blocks in a process pool
on all cores.
"""

from __future__ import annotations

import math
import os
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field, replace

import numpy as np

from . import baselines
from .domain import AwardStatus, RunOptions, SolveStatus
from .engine import Allocation
from .feasibility import row_usage
from .model.mip import MONEY_UNIT_EUR, LinearModel, build_mip
from .model.problem import AllocationProblem
from .model.reduce import (
    LpSolution,
    bound_after,
    fix_by_reduced_cost,
    is_feasible,
    relaxation,
    start_vector,
)

SHADOW_STEP_EUR = 1_000_000.0
PROVEN_GAP = 1e-9
"""A start within this relative distance of a proven bound is taken as the optimum."""
GUESS_FIRST = 2e-6
GUESS_LEARN_AFTER = 4
GUESS_QUANTILE = 0.75
GUESS_MARGIN = 1.5
GUESS_GROWTH = 4.0
"""First guess below a variant's LP bound: at least GUESS_FIRST of it and twice the base's LP
gap; after a few variants, 1.5 x the 75th percentile of how far the LP bound overstated the
optimum so far in the block; it grows by GUESS_GROWTH a retry (tuned on 500 and 5,000
applications)."""
TIGHT_EUR = 1.0
"""A cap with less than EUR 1 left is tight."""
INLINE_BELOW = 24
"""Fewer re-solves than this run in the calling process (a pool costs more than it saves)."""
BLOCK = 32
"""Variants are solved in fixed blocks of this many (the unit of work and of learning)."""


@dataclass
class ApplicationExplanation:
    application_id: str
    binding: list[str]
    fte_loss_if_forced: float | None = None  # None: not applicable, or infeasible (see flag)
    forced_infeasible: bool = False
    fte_loss_if_removed: float | None = None


@dataclass
class Explanations:
    base_fte: float
    shadow_prices: dict[str, float]  # cap name -> FTE per EUR 1M more
    applications: dict[str, ApplicationExplanation]
    timings_s: dict[str, float] = field(default_factory=dict)


# ---- variants -----------------------------------------------------------------------------


@dataclass
class _Base:
    """What every worker needs, built once and shipped to the workers."""

    problem: AllocationProblem
    model: LinearModel
    lp: LpSolution | None
    scale: np.ndarray
    options: RunOptions
    lp_gap: float = 0.0  # LP optimum minus the base optimum (FTE)


def _walk_start(
    base: _Base, order: list[int], lb: np.ndarray, ub: np.ndarray, initial: np.ndarray | None = None
) -> tuple[np.ndarray | None, float]:
    """A feasible start for a variant (or None) and its FTE (a lower bound on the variant):
    the better of a walk from ``initial`` (the base award set, adapted) and a plain walk."""
    problem, model = base.problem, base.model
    variant = replace(model, col_lb=lb, col_ub=ub)
    best, best_fte = None, -math.inf
    for init in [initial, None] if initial is not None else [None]:
        walked = baselines.walk(problem, baselines.with_locks(problem, order), initial=init)
        x = start_vector(model, problem, walked.scale)
        fte = float(walked.scale @ problem.fte)
        if fte > best_fte and is_feasible(variant, x):
            best, best_fte = x, fte
    return best, best_fte


def _repair(base: _Base, scale: np.ndarray, keep: int) -> np.ndarray:
    """Drop funded applications (lowest FTE per euro first, never ``keep``) until every cap
    and exclusive group holds again."""
    problem = base.problem
    scale = scale.copy()
    for j in problem.group_partners(keep):
        scale[j] = 0.0
    ratio = problem.fte / np.maximum(problem.cost_eur, 1e-9)
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


def _lp_order(base: _Base) -> list[int]:
    s = base.scale
    ratio = base.problem.fte / np.maximum(base.problem.cost_eur, 1e-9)
    return sorted(range(base.problem.n), key=lambda i: (-s[i], -ratio[i], base.problem.app_ids[i]))


def _solve_variant(  # type: ignore[no-untyped-def]
    base: _Base,
    session,
    variant: LinearModel,
    lp: LpSolution | None,
    upper: float,
    start: np.ndarray | None,
    lower: float,
) -> float | None:
    """Optimal FTE of ``variant`` (a model with changed bounds), None when infeasible.

    Reduced-cost fixing against a guessed lower bound G = upper - eps: any solution that
    breaks a fixing is worth less than G, so if the reduced MIP's optimum reaches G it is the
    variant's optimum; if not, eps grows and it is tried again, ending with the proven lower
    bound of the start (exact fixing) or none at all. The LP bound of a variant is usually
    within a hundredth of an FTE of its optimum, so the first guess mostly holds and the
    reduced MIP is tiny.
    """
    row_ub = variant.row_ub if variant.row_ub is not base.model.row_ub else None
    if start is not None and upper - lower <= PROVEN_GAP * max(1.0, abs(upper)):
        return lower  # the start is proven optimal: no MIP
    eps = max(GUESS_FIRST * max(1.0, abs(upper)), 2.0 * base.lp_gap)
    seen: list[float] = _STATE.setdefault("gaps", [])  # type: ignore[assignment]
    if len(seen) >= GUESS_LEARN_AFTER:  # what the LP bound overstated in this block so far
        eps = max(eps, GUESS_MARGIN * float(np.quantile(seen, GUESS_QUANTILE)))
    while True:
        guess = upper - eps
        exact = start is None or lp is None or guess <= lower
        lb, ub = variant.col_lb, variant.col_ub
        if lp is not None and (start is not None or not exact):
            fixed, _ = fix_by_reduced_cost(
                variant, base.problem, lp, lower if exact else guess, upper
            )
            lb, ub = fixed.col_lb, fixed.col_ub
        x = (
            start
            if start is not None and is_feasible(replace(variant, col_lb=lb, col_ub=ub), start)
            else None
        )
        raw = session.solve(lb, ub, start=x, row_ub=row_ub)
        if raw.status is SolveStatus.optimal and raw.objective is not None:
            if exact or raw.objective >= guess:
                seen.append(max(0.0, upper - raw.objective))
                return float(raw.objective)
        elif raw.status is SolveStatus.infeasible:
            if exact:
                return None
        else:
            raise RuntimeError(f"re-solve did not finish: {raw.status.value} {raw.message}")
        eps *= GUESS_GROWTH


def _restricted_optimum(  # type: ignore[no-untyped-def]
    base: _Base,
    session,
    lb: np.ndarray,
    ub: np.ndarray,
    order: list[int],
    initial: np.ndarray | None = None,
) -> float | None:
    """Optimal FTE of the base model with tighter column bounds; None when infeasible.

    A restriction of the base problem: the base LP's reduced costs stay valid."""
    start, lower = _walk_start(base, order, lb, ub, initial)
    variant = replace(base.model, col_lb=lb, col_ub=ub)
    upper = bound_after(base.lp, lb, ub) if base.lp is not None else math.inf
    return _solve_variant(base, session, variant, base.lp, upper, start, lower)


def _forced(base: _Base, session, i: int) -> float | None:  # type: ignore[no-untyped-def]
    model = base.model
    lb, ub = model.col_lb.copy(), model.col_ub.copy()
    lb[model.choice_col[i]] = 1.0
    lb[model.scale_col[i]] = base.problem.min_scale[i]  # implied by the link; states it as a bound
    if ub[model.choice_col[i]] < 1.0 or ub[model.scale_col[i]] < base.problem.min_scale[i]:
        return None  # a must_not application cannot be forced in
    order = [i] + [j for j in _lp_order(base) if j != i]
    initial = base.scale.copy()
    initial[i] = base.problem.min_scale[i]
    return _restricted_optimum(base, session, lb, ub, order, _repair(base, initial, i))


def _removed(base: _Base, session, i: int) -> float | None:  # type: ignore[no-untyped-def]
    model = base.model
    lb, ub = model.col_lb.copy(), model.col_ub.copy()
    if lb[model.choice_col[i]] > 0:
        return None  # a must_fund application cannot be taken out
    ub[model.scale_col[i]] = 0.0
    ub[model.choice_col[i]] = 0.0
    order = [j for j in _lp_order(base) if j != i]
    initial = base.scale.copy()
    initial[i] = 0.0
    return _restricted_optimum(base, session, lb, ub, order, initial)


def _raised_cap(base: _Base, session, k: int) -> float:  # type: ignore[no-untyped-def]
    """Optimal FTE with cap k EUR 1M higher (a relaxation: the base LP's reduced costs do not
    hold, so the changed LP is solved for its own; the base award set plus a walk into the new
    room is the start)."""
    from .backends import get_backend

    problem, model = base.problem, base.model
    rhs = list(problem.rhs_eur)
    rhs[k] += SHADOW_STEP_EUR
    raised = replace(problem, rhs_eur=rhs)
    row_ub = model.row_ub.copy()
    row_ub[k] += SHADOW_STEP_EUR / MONEY_UNIT_EUR
    variant = replace(model, row_ub=row_ub)
    walked = baselines.walk(
        raised, baselines.with_locks(raised, _lp_order(base)), initial=base.scale
    )
    start = start_vector(model, problem, walked.scale)
    lower = float(walked.scale @ problem.fte)
    if not is_feasible(variant, start):
        start, lower = None, -math.inf
    lp = get_backend(base.options.solver).solve_relaxation(relaxation(variant))
    upper = lp.objective if lp is not None else math.inf
    value = _solve_variant(base, session, variant, lp, upper, start, lower)
    if value is None:
        raise RuntimeError(f"re-solve with {problem.rows[k].name} raised: infeasible")
    return value


_STATE: dict[str, object] = {}


def _init_worker(base: _Base) -> None:
    from .backends import get_backend

    backend = get_backend(base.options.solver)
    _STATE["base"] = base
    _STATE["session"] = backend.session(
        base.model, base.options.model_copy(update={"time_limit_s": None})
    )


def _run(tasks: list[tuple[str, int]]) -> list[tuple[str, int, float | None]]:
    """Solve one block of variants. What the block learns about its guesses starts afresh
    with each block, so every number depends on the block, never on which worker ran it."""
    base = _STATE["base"]
    session = _STATE["session"]
    _STATE["gaps"] = []
    out = []
    for kind, index in tasks:
        if kind == "forced":
            value = _forced(base, session, index)  # type: ignore[arg-type]
        elif kind == "removed":
            value = _removed(base, session, index)  # type: ignore[arg-type]
        else:
            value = _raised_cap(base, session, index)  # type: ignore[arg-type]
        out.append((kind, index, value))
    return out


def _execute(
    base: _Base, tasks: list[tuple[str, int]], workers: int
) -> list[tuple[str, int, float | None]]:
    blocks = [tasks[k : k + BLOCK] for k in range(0, len(tasks), BLOCK)]
    if workers <= 1 or len(tasks) < INLINE_BELOW:
        _init_worker(base)
        return [r for block in blocks for r in _run(block)]
    chunks = blocks
    import multiprocessing

    context = multiprocessing.get_context(
        "fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn"
    )
    with ProcessPoolExecutor(
        workers, mp_context=context, initializer=_init_worker, initargs=(base,)
    ) as pool:
        results = list(pool.map(_run, chunks))
    return [r for chunk in results for r in chunk]


# ---- the public function --------------------------------------------------------------------


def explain(alloc: Allocation, workers: int | None = None) -> Explanations:
    """Shadow prices and per-application explanations of an optimal ``alloc``."""
    from .backends import Feature, get_backend

    result = alloc.result
    if result.method.value != "optimal" or result.status is not SolveStatus.optimal:
        raise ValueError("explanations need an optimal award set (method optimal, status optimal)")
    t0 = time.perf_counter()
    problem = alloc.problem
    index = {a: i for i, a in enumerate(problem.app_ids)}
    scale = alloc.scales()
    base_fte = float(scale @ problem.fte)
    backend = get_backend(alloc.options.solver)
    model = build_mip(problem)  # explicit choice columns: forcing and removing are bounds
    lp = (
        backend.solve_relaxation(relaxation(model))
        if Feature.LP_DUALS in backend.features
        else None
    )
    base = _Base(problem, model, lp, scale, alloc.options)
    if lp is not None:
        base.lp_gap = max(0.0, lp.objective - base_fte)

    caps = [
        k
        for k, info in enumerate(problem.rows)
        if problem.is_cap[k] and info.family in ("ceiling", "theme", "year", "region")
    ]
    has_members = set(problem.triplets()[0].tolist())
    tasks: list[tuple[str, int]] = [("cap", k) for k in caps if k in has_members]
    for i in range(problem.n):
        if scale[i] <= 0:
            tasks.append(("forced", i))
        if scale[i] > 0:
            tasks.append(("removed", i))
    workers = workers or os.cpu_count() or 1
    t1 = time.perf_counter()
    solved = _execute(base, tasks, workers)
    t2 = time.perf_counter()

    shadow = {problem.rows[k].name: 0.0 for k in caps}
    loss_forced: dict[int, float | None] = {}
    loss_removed: dict[int, float | None] = {}
    for kind, k, value in solved:
        if kind == "cap":
            shadow[problem.rows[k].name] = max(0.0, float(value) - base_fte)  # type: ignore[arg-type]
        elif kind == "forced":
            loss_forced[k] = None if value is None else max(0.0, base_fte - value)
        else:
            loss_removed[k] = None if value is None else max(0.0, base_fte - value)

    binding = _binding(problem, scale)
    explanations = {}
    for award in result.awards:
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


def _binding(problem: AllocationProblem, scale: np.ndarray) -> list[list[str]]:
    """Per application: the tight caps it draws on, and its exclusive group if another member
    (or itself) took the group's one place."""
    slack = np.asarray(problem.rhs_eur) - row_usage(problem, scale)
    rows, apps, coefs = problem.triplets()
    cap = problem.is_cap
    tight = (slack <= TIGHT_EUR) & cap
    out: list[list[str]] = [[] for _ in range(problem.n)]
    for k, i, c in zip(rows.tolist(), apps.tolist(), coefs.tolist()):
        if c > 0 and tight[k]:
            out[i].append(problem.rows[k].name)
    for group, members in sorted(problem.groups.items()):
        if len(members) >= 2 and any(scale[j] > 0 for j in members):
            for j in members:
                out[j].append(f"exclusive:{group}")
    return out
