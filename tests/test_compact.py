"""model/compact.py: taking fixed columns out keeps the optimum and the solutions."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from allocator.backends import get_backend
from allocator.domain import RunOptions, SolveStatus
from allocator.model.compact import restrict
from allocator.model.mip import CONTINUOUS, INTEGER, LinearModel, build_mip
from allocator.model.problem import ConstraintInfo
from allocator.model.reduce import dual_bound, fix_by_reduced_cost, relaxation
from tests.test_model import generated


def _tiny() -> LinearModel:
    """max 5a + 4b + 3c + s  s.t.  2a + 2b + 2c + s <= 5 (cap),  s - c <= 0 (link),
    a, b, c binary, s in [0, 1]."""
    rows = [ConstraintInfo("cap", "ceiling", ""), ConstraintInfo("link", "scale_max", "c")]
    return LinearModel(
        col_names=["a", "b", "c", "s"],
        col_lb=np.zeros(4),
        col_ub=np.ones(4),
        col_obj=np.array([5.0, 4.0, 3.0, 1.0]),
        col_kind=np.array([INTEGER, INTEGER, INTEGER, CONTINUOUS], dtype=np.int8),
        rows=rows,
        row_lb=np.array([-np.inf, -np.inf]),
        row_ub=np.array([5.0, 0.0]),
        a_row=np.array([0, 0, 0, 0, 1, 1]),
        a_col=np.array([0, 1, 2, 3, 3, 2]),
        a_val=np.array([2.0, 2.0, 2.0, 1.0, 1.0, -1.0]),
        scale_col=np.arange(4),
        choice_col=np.arange(4),
        semicontinuous=np.zeros(4, dtype=bool),
    )


def test_fixed_columns_move_into_rows_and_objective() -> None:
    model = _tiny()
    lb, ub = model.col_lb.copy(), model.col_ub.copy()
    lb[0] = 1.0  # a fixed at 1
    lb[2] = ub[2] = 1.0  # c fixed at 1: the link row is left with s alone
    small = restrict(model, lb, ub)
    assert small is not None
    assert small.model.col_names == ["b", "s"]
    assert small.objective_offset == pytest.approx(8.0)
    assert [r.name for r in small.model.rows] == ["cap"]  # the link became s <= 1
    assert small.model.row_ub.tolist() == [1.0]  # 5 - 2a - 2c
    assert small.model.col_ub.tolist() == [1.0, 1.0]
    raw = get_backend("highs").solve_small(small.model, RunOptions())
    assert raw.status is SolveStatus.optimal
    assert raw.objective + small.objective_offset == pytest.approx(9.0)  # a, c and s = 1
    full = small.expand(raw.values)
    assert full.tolist() == pytest.approx([1.0, 0.0, 1.0, 1.0])


def test_a_singleton_row_tightens_the_bound() -> None:
    model = _tiny()
    lb, ub = model.col_lb.copy(), model.col_ub.copy()
    ub[2] = 0.0  # c fixed at 0: the link row says s <= 0
    small = restrict(model, lb, ub)
    assert small is not None and small.model.col_names == ["a", "b", "s"]
    assert small.model.col_ub[2] == 0.0


def test_fixed_columns_that_break_a_row_are_infeasible() -> None:
    model = _tiny()
    lb = np.array([1.0, 1.0, 1.0, 0.0])  # everything fixed: the cap row reads 6 <= 5
    ub = np.array([1.0, 1.0, 1.0, 0.0])
    assert restrict(model, lb, ub) is None


@pytest.mark.parametrize("seed", [4, 5])
def test_same_optimum_as_the_full_model_after_fixing(seed: int) -> None:
    """Every third application (the fixing permitting) left out and the rest fixed by reduced cost against the known
    optimum, then solved both ways on HiGHS."""
    from allocator.engine import allocate

    apps, scen, regions = generated(300, seed)
    alloc = allocate(apps, scen, regions=regions)
    backend = get_backend("highs")
    model = build_mip(alloc.problem)
    lp = backend.solve_relaxation(relaxation(model))
    fixed, _ = fix_by_reduced_cost(
        model, alloc.problem, dual_bound(model, lp), alloc.result.objective_fte
    )
    out = np.arange(0, alloc.problem.n, 3)
    out = out[fixed.col_lb[model.choice_col[out]] == 0]  # not those the fixing keeps in
    fixed.col_ub[model.scale_col[out]] = 0.0
    fixed.col_ub[model.choice_col[out]] = 0.0
    whole = backend.solve(fixed, RunOptions())
    small = restrict(fixed, fixed.col_lb, fixed.col_ub)
    assert small is not None and small.model.num_cols < model.num_cols
    part = backend.solve_small(small.model, RunOptions())
    assert whole.status is part.status is SolveStatus.optimal
    value = part.objective + small.objective_offset
    assert value == pytest.approx(whole.objective, rel=2e-7)
    x = small.expand(part.values)
    activity = model.activity(x)
    assert np.all(activity <= model.row_ub + 1e-6) and np.all(activity >= model.row_lb - 1e-6)
    assert float(model.col_obj @ x) == pytest.approx(value, rel=1e-9)


def test_every_column_fixed_leaves_an_empty_model_that_solves() -> None:
    model = _tiny()
    x = np.array([1.0, 1.0, 0.0, 0.0])  # a, b in: 4 of the cap's 5
    small = restrict(model, x, x)
    assert small is not None and small.model.num_cols == 0
    backend = get_backend("highs")
    raw = backend.solve_small(small.model, RunOptions())
    assert raw.status is SolveStatus.optimal and raw.objective == 0.0
    assert raw.objective + small.objective_offset == pytest.approx(9.0)
    lp = backend.solve_relaxation(relaxation(small.model))
    assert lp is not None and lp.objective == 0.0
    broken = replace(  # a row without columns that asks for at least 1
        small.model,
        rows=[ConstraintInfo("floor", "theme_floor", "")],
        row_lb=np.array([1.0]),
        row_ub=np.array([np.inf]),
    )
    assert backend.solve_small(broken, RunOptions()).status is SolveStatus.infeasible
    assert backend.solve_relaxation(relaxation(broken)) is None


def test_semicontinuous_applications_are_fixed_too_and_the_optimum_stays() -> None:
    """In the base model scalable applications are semi-continuous (0 or [min_scale, 1]);
    fixing by reduced cost reaches them (at 0, or chosen: no longer 0) and keeps the optimum."""
    from allocator.engine import allocate
    from allocator.model.mip import SEMICONTINUOUS

    apps, scen, regions = generated(300, 5)
    alloc = allocate(apps, scen, regions=regions)
    backend = get_backend("highs")
    model = build_mip(alloc.problem, semicontinuous=True)
    semi = model.col_kind[model.scale_col] == SEMICONTINUOUS
    assert semi.any()
    lp = backend.solve_relaxation(relaxation(model))
    fixed, _ = fix_by_reduced_cost(
        model, alloc.problem, dual_bound(model, lp), alloc.result.objective_fte
    )
    sc = model.scale_col
    shut = semi & (fixed.col_ub[sc] == 0)
    kept = semi & (fixed.col_kind[sc] != SEMICONTINUOUS)
    assert shut.any() and kept.any()
    assert np.all(fixed.col_lb[sc[kept]] >= alloc.problem.min_scale[kept])
    whole = backend.solve(model, RunOptions())
    part = backend.solve(fixed, RunOptions())
    assert whole.status is part.status is SolveStatus.optimal
    assert part.objective == pytest.approx(whole.objective, rel=2e-7)
