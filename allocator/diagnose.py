"""Why a scenario has no award set: the smallest set of rules that conflict, and by how much.

Elastic relaxation: every budget row (caps and floors), every regional minimum and every
must_fund lock gets a slack column e_k >= 0 that lets it give way, and a binary w_k that says
whether it does (e_k <= M_k w_k). A first solve finds the fewest rules that must give way
(minimum number of w_k = 1: the smallest conflicting set this model can name); a second
solve, with that set fixed, the smallest amounts (EUR) by which they must give way. Exclusive
groups and scale links are structure, not policy, and stay hard.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from .domain import RunOptions
from .model.mip import CONTINUOUS, INTEGER, MONEY_UNIT_EUR, LinearModel
from .model.problem import AllocationProblem, ConstraintInfo

ELASTIC_FAMILIES = {"ceiling", "theme", "year", "region", "theme_floor", "region_min"}


@dataclass(frozen=True)
class Conflict:
    """A rule that has to give way for the scenario to have any award set."""

    constraint: str
    amount_eur: float | None  # by how much (EUR); None for a lock
    detail: str

    def __str__(self) -> str:
        if self.amount_eur is None:
            return f"{self.constraint}: {self.detail}"
        return f"{self.constraint}: {self.detail} by EUR {self.amount_eur:,.2f}"


def _elastic(
    model: LinearModel, problem: AllocationProblem
) -> tuple[LinearModel, list[tuple[str, str, int, int]]]:
    """The model with slack and indicator columns; returns (model, [(name, kind, e, w)])."""
    m = replace(model, col_obj=np.zeros(model.num_cols))
    items: list[tuple[str, str, int, str]] = []  # (name, kind, row, sign)
    for k, info in enumerate(model.rows):
        if info.family in ELASTIC_FAMILIES:
            is_cap = np.isfinite(model.row_ub[k])
            items.append((info.name, "cap" if is_cap else "floor", k, "-" if is_cap else "+"))
    # must_fund locks become rows choice_i + e >= 1
    lb = m.col_lb.copy()
    extra_rows: list[tuple[str, int]] = []
    for i in np.flatnonzero(problem.must_fund):
        col = int(model.choice_col[i])
        lb[col] = 0.0
        extra_rows.append((f"must_fund:{problem.app_ids[i]}", col))
    m = replace(m, col_lb=lb)
    # no violation can exceed everything requested plus the largest limit (EUR 1,000)
    limits = np.concatenate((model.row_ub, model.row_lb))
    budget_scale = float(problem.cost_eur.sum()) / MONEY_UNIT_EUR
    budget_scale += float(np.abs(limits[np.isfinite(limits)]).max(initial=0.0)) + 1.0

    a_row, a_col, a_val = [m.a_row], [m.a_col], [m.a_val]
    row_lb, row_ub, rows = [m.row_lb], [m.row_ub], list(m.rows)
    names, kinds, cols_e, cols_w, big = [], [], [], [], []
    next_col = m.num_cols
    for name, kind, k, sign in items:
        e, w = next_col, next_col + 1
        next_col += 2
        a_row.append(np.array([k]))
        a_col.append(np.array([e]))
        a_val.append(np.array([-1.0 if sign == "-" else 1.0]))
        names.append(name)
        kinds.append(kind)
        cols_e.append(e)
        cols_w.append(w)
        big.append(budget_scale)
    for name, col in extra_rows:
        e, w = next_col, next_col + 1
        next_col += 2
        k = len(rows)
        rows.append(ConstraintInfo(name, "must_fund", name.split(":", 1)[1]))
        row_lb.append(np.array([1.0]))
        row_ub.append(np.array([np.inf]))
        a_row.append(np.array([k, k]))
        a_col.append(np.array([col, e]))
        a_val.append(np.array([1.0, 1.0]))
        names.append(name)
        kinds.append("lock")
        cols_e.append(e)
        cols_w.append(w)
        big.append(1.0)
    # e_k - M_k w_k <= 0
    for e, w, mk in zip(cols_e, cols_w, big):
        k = len(rows)
        rows.append(ConstraintInfo(f"elastic:{k}", "elastic", ""))
        row_lb.append(np.array([-np.inf]))
        row_ub.append(np.array([0.0]))
        a_row.append(np.array([k, k]))
        a_col.append(np.array([e, w]))
        a_val.append(np.array([1.0, -mk]))
    n_new = next_col - m.num_cols
    kind_new = np.tile(np.array([CONTINUOUS, INTEGER], dtype=np.int8), n_new // 2)
    ub_new = np.tile(np.array([np.inf, 1.0]), n_new // 2)
    out = replace(
        m,
        col_names=m.col_names + [f"elastic{j}" for j in range(n_new)],
        col_lb=np.concatenate((m.col_lb, np.zeros(n_new))),
        col_ub=np.concatenate((m.col_ub, ub_new)),
        col_obj=np.zeros(next_col),
        col_kind=np.concatenate((m.col_kind, kind_new)),
        rows=rows,
        row_lb=np.concatenate(row_lb),
        row_ub=np.concatenate(row_ub),
        a_row=np.concatenate(a_row).astype(np.int64),
        a_col=np.concatenate(a_col).astype(np.int64),
        a_val=np.concatenate(a_val).astype(np.float64),
    )
    return out, list(zip(names, kinds, cols_e, cols_w))


def find_conflicts(
    model: LinearModel, problem: AllocationProblem, backend, options: RunOptions
) -> list[Conflict]:  # type: ignore[no-untyped-def]
    """The smallest set of rules that must give way, with the amounts; [] if none found."""
    elastic, items = _elastic(model, problem)
    if not items:
        return []
    w_cols = np.array([w for _, _, _, w in items])
    e_cols = np.array([e for _, _, e, _ in items])
    first = elastic.col_obj.copy()
    first[w_cols] = -1.0  # maximise -(number of rules that give way)
    raw = backend.solve(replace(elastic, col_obj=first), options)
    if not raw.status.has_solution or raw.values is None:
        return []
    chosen = raw.values[w_cols] > 0.5
    second = np.zeros(elastic.num_cols)
    second[e_cols] = -1.0  # then: the smallest amounts, only the chosen rules may give way
    ub = elastic.col_ub.copy()
    ub[w_cols[~chosen]] = 0.0
    raw2 = backend.solve(replace(elastic, col_obj=second, col_ub=ub), options)
    values = raw2.values if raw2.status.has_solution and raw2.values is not None else raw.values
    out = []
    for (name, kind, e, _), pick in zip(items, chosen):
        if not pick:
            continue
        if kind == "lock":
            out.append(Conflict(name, None, "cannot be funded together with the other rules"))
        else:
            amount = float(values[e]) * MONEY_UNIT_EUR
            detail = "must be raised" if kind == "cap" else "must be lowered"
            out.append(Conflict(name, amount, detail))
    return out
