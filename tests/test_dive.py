"""LP helpers of model/reduce.py and the LP sessions: rounding dives (an integral solution or
None), the proven dual bound, hinted LPs and resolves."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from allocator.backends import get_backend
from allocator.domain import RunOptions
from allocator.model.mip import INTEGER
from allocator.model.reduce import is_feasible, relaxation, rounding_dive
from tests.test_compact import _tiny


def _dive(model, up_from: float = 0.5):  # type: ignore[no-untyped-def]
    session = get_backend("highs").lp_session(relaxation(model))
    return rounding_dive(model, session.solve, up_from)


def test_the_dive_rounds_to_a_feasible_integral_solution() -> None:
    model = _tiny()  # LP: a = b = 1, c = 1/2 (10.5); c rounds down, s follows it: 9
    x = _dive(model, up_from=0.6)
    assert x is not None
    integer = model.col_kind == INTEGER
    assert np.all(x[integer] == np.round(x[integer]))
    assert is_feasible(model, x)
    assert float(model.col_obj @ x) == pytest.approx(9.0)
    optimum = get_backend("highs").solve_small(model, RunOptions()).objective
    assert float(model.col_obj @ x) <= optimum + 1e-9


def test_rounding_up_from_a_half() -> None:
    """c = 1/2 rounds up: a = c = 1 leave 1 of the cap, b = 1/2 rounds up too and breaks it."""
    assert _dive(_tiny(), up_from=0.5) is None


def test_a_rounding_that_leaves_no_solution_gives_none() -> None:
    """max -a  s.t.  3a >= 1 (the cap row turned around), a binary: the LP has a = 1/3, the
    nearest integer 0 breaks the row."""
    model = _tiny()
    model = replace(
        model,
        col_obj=np.array([-1.0, 0.0, 0.0, 0.0]),
        row_lb=np.array([1.0, -np.inf]),
        row_ub=np.array([np.inf, 0.0]),
        a_val=np.array([3.0, 0.0, 0.0, 0.0, 1.0, -1.0]),
    )
    assert _dive(model) is None


def test_a_hinted_lp_and_resolves_reach_the_cold_optimum() -> None:
    """The restricted model's LP started from the full LP's basis (LpSession.hint), and a
    resolve after more bounds, give the same optima as solving each from scratch."""
    from allocator.engine import allocate
    from allocator.model.compact import restrict
    from allocator.model.mip import build_mip
    from allocator.model.reduce import dual_bound, fix_by_reduced_cost
    from tests.test_model import generated

    apps, scen, regions = generated(300, 4)
    alloc = allocate(apps, scen, regions=regions)
    backend = get_backend("highs")
    model = build_mip(alloc.problem)
    full = backend.lp_session(relaxation(model))
    lp = full.solve(model.col_lb, model.col_ub)
    fixed, _ = fix_by_reduced_cost(model, alloc.problem, dual_bound(model, lp), lp.objective - 1.0)
    small = restrict(model, fixed.col_lb, fixed.col_ub)
    assert small is not None and small.model.num_cols < model.num_cols
    hint = full.hint(small.cols, small.rows)
    assert hint is not None
    warm = backend.lp_session(relaxation(small.model), hint)
    cold = backend.solve_relaxation(relaxation(small.model))
    first = warm.resolve(small.model.col_lb, small.model.col_ub)
    assert first is not None and cold is not None
    assert first.objective == pytest.approx(cold.objective, rel=1e-9)
    ub = small.model.col_ub.copy()
    ub[np.flatnonzero(small.model.col_kind == INTEGER)[:3]] = 0.0  # three more bounds
    again = warm.resolve(small.model.col_lb, ub)
    fresh = backend.solve_relaxation(replace(relaxation(small.model), col_ub=ub))
    assert again is not None and fresh is not None
    assert again.objective == pytest.approx(fresh.objective, rel=1e-9)


def test_the_dual_bound_is_the_lp_optimum_and_any_duals_bound() -> None:
    """With a forced application (a column with a lower limit above 0) the bound from the
    LP's duals is the LP optimum; duals pushed off the optimum still bound every solution."""
    from allocator.engine import allocate
    from allocator.model.mip import build_mip
    from allocator.model.reduce import dual_bound
    from tests.test_model import generated

    apps, scen, regions = generated(120, 6)
    alloc = allocate(apps, scen, regions=regions)
    model = build_mip(alloc.problem)
    scale = alloc.scales()
    for i in np.flatnonzero((scale == 0) & (model.col_ub[model.scale_col] > 0)):
        lb = model.col_lb.copy()  # an unfunded eligible application forced in at min_scale
        lb[model.choice_col[i]] = 1.0
        lb[model.scale_col[i]] = alloc.problem.min_scale[i]
        forced = replace(model, col_lb=lb)
        lp = get_backend("highs").solve_relaxation(relaxation(forced))
        if lp is not None:
            break
    assert lp is not None
    bound = dual_bound(forced, lp)
    assert bound.value == pytest.approx(lp.objective, rel=1e-9)
    optimum = get_backend("highs").solve(forced, RunOptions()).objective
    rng = np.random.default_rng(0)
    for _ in range(5):
        shaken = replace(lp, row_duals=lp.row_duals + rng.normal(0, 0.01, len(lp.row_duals)))
        assert dual_bound(forced, shaken).value >= lp.objective - 1e-6 >= optimum - 1e-6
