"""A smaller equivalent model once many columns are fixed (after reduced-cost fixing).

Fixed columns leave the model: their contribution moves into the row bounds and the
objective offset. A row left with one column becomes a bound on that column. The small
model has the same optimum (plus the offset) and the same solutions on the columns it keeps;
``Restricted.expand`` gives the full column vector back. A solver does the same in presolve,
but here it costs microseconds per re-solve and the solver sees tens of columns, not
thousands (explain.py solves thousands of such variants).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .mip import INTEGER, SEMICONTINUOUS, LinearModel

FIXED_TOL = 1e-12
"""A column whose bounds are closer than this is fixed at its lower bound."""
ROW_TOL = 1e-6
"""Room (model units) within which a row left without columns still holds."""


@dataclass(frozen=True)
class Restricted:
    """``model`` keeps the columns ``cols`` and rows ``rows`` of the full model; the other
    columns sit in ``fixed``."""

    model: LinearModel
    cols: np.ndarray
    rows: np.ndarray
    fixed: np.ndarray  # full column vector: the fixed columns' values, 0 at ``cols``
    objective_offset: float

    def expand(self, values: np.ndarray) -> np.ndarray:
        """The full column vector of a solution of the small model."""
        full = self.fixed.copy()
        full[self.cols] = values
        return full

    def shrink(self, full: np.ndarray) -> np.ndarray:
        return np.asarray(full[self.cols])


def restrict(model: LinearModel, col_lb: np.ndarray, col_ub: np.ndarray) -> Restricted | None:
    """``model`` with these column bounds, fixed columns taken out; None when the fixed
    columns alone already break a row (or a bound implied by a row), so it is infeasible."""
    semi = model.col_kind == SEMICONTINUOUS
    fixed = (col_ub - col_lb <= FIXED_TOL) & ~(semi & (col_ub > 0))
    values = np.where(fixed, np.where(semi, 0.0, col_lb), 0.0)
    offset_row = model.activity(values)
    row_lb = model.row_lb - offset_row
    row_ub = model.row_ub - offset_row
    lb, ub = col_lb.copy(), col_ub.copy()

    live = ~fixed[model.a_col]  # matrix entries of kept columns
    count = np.bincount(model.a_row[live], minlength=model.num_rows)
    single_entry = live & (count[model.a_row] == 1) & ~semi[model.a_col]
    k, j, v = model.a_row[single_entry], model.a_col[single_entry], model.a_val[single_entry]
    low, high = row_lb[k] / v, row_ub[k] / v
    np.maximum.at(lb, j, np.where(v < 0, high, low))
    np.minimum.at(ub, j, np.where(v < 0, low, high))
    single_row = np.zeros(model.num_rows, dtype=bool)
    single_row[model.a_row[single_entry]] = True
    integer = model.col_kind == INTEGER
    lb[integer] = np.ceil(lb[integer] - 1e-9)
    ub[integer] = np.floor(ub[integer] + 1e-9)
    empty = count == 0
    if np.any(empty & ((row_lb > ROW_TOL) | (row_ub < -ROW_TOL))) or np.any(lb > ub + ROW_TOL):
        return None
    ub = np.maximum(ub, lb)  # within ROW_TOL: the bounds meet

    cols = np.flatnonzero(~fixed)
    rows = np.flatnonzero(~empty & ~single_row)
    new_col = np.full(model.num_cols, -1, dtype=np.int64)
    new_col[cols] = np.arange(len(cols))
    new_row = np.full(model.num_rows, -1, dtype=np.int64)
    new_row[rows] = np.arange(len(rows))
    entry = live & ~single_entry & (new_row[model.a_row] >= 0)
    small = LinearModel(
        col_names=[model.col_names[j] for j in cols.tolist()],
        col_lb=lb[cols],
        col_ub=ub[cols],
        col_obj=model.col_obj[cols],
        col_kind=model.col_kind[cols],
        rows=[model.rows[k] for k in rows.tolist()],
        row_lb=row_lb[rows],
        row_ub=row_ub[rows],
        a_row=new_row[model.a_row[entry]],
        a_col=new_col[model.a_col[entry]],
        a_val=model.a_val[entry],
        scale_col=np.zeros(0, dtype=np.int64),  # the application map stays with the full model
        choice_col=np.zeros(0, dtype=np.int64),
        semicontinuous=np.zeros(0, dtype=bool),
    )
    return Restricted(small, cols, rows, values, float(model.col_obj @ values))
