"""Why a scenario has no award set: the smallest set of rules that conflict, and by how much.

Elastic relaxation: every row of an ``elastic`` family (allocator/families: the budget caps
and floors, the regional minimums) and every rule a family holds as a bound (``elastic_bounds``:
the must_fund locks) gets a slack column e_k >= 0 that lets it give way, and a binary w_k that says
whether it does (e_k <= M_k w_k). A first solve finds the fewest rules that must give way
(minimum number of w_k = 1: the smallest conflicting set this model can name); a second
solve, with that set fixed, the smallest amounts (EUR) by which they must give way. Exclusive
groups and scale links are structure, not policy, and stay hard.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

import numpy as np

from .domain import RunOptions
from .families import FAMILIES, family_of
from .model.mip import CONTINUOUS, INTEGER, MONEY_UNIT_EUR, LinearModel
from .model.problem import AllocationProblem, ConstraintInfo

if TYPE_CHECKING:
    from .backends import Backend


def _elastic_row(info: ConstraintInfo) -> bool:
    """A row of a family that may give way (its ``elastic``, allocator/families)."""
    family = family_of(info)
    return family is not None and family.elastic


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
    items: list[tuple[str, str, int, float]] = []  # (name, kind, row, sign of e in the row)
    for k, info in enumerate(model.rows):
        if _elastic_row(info):
            is_cap = bool(np.isfinite(model.row_ub[k]))
            items.append((info.name, "cap" if is_cap else "floor", k, -1.0 if is_cap else 1.0))
    # rules held as bounds (the families' elastic_bounds: must_fund locks) become rows
    # column + e >= 1
    locks = [
        bound
        for family in FAMILIES
        if family.elastic
        for bound in family.elastic_bounds(model, problem)
    ]
    lb = m.col_lb.copy()
    lb[[b.column for b in locks]] = 0.0
    m = replace(m, col_lb=lb)
    # no violation can exceed everything requested plus the largest limit (EUR 1,000)
    limits = np.concatenate((model.row_ub, model.row_lb))
    budget_scale = float(problem.cost_eur.sum()) / MONEY_UNIT_EUR
    budget_scale += float(np.abs(limits[np.isfinite(limits)]).max(initial=0.0)) + 1.0

    pairs = len(items) + len(locks)
    m, cols = m.with_columns(
        [f"elastic{j}" for j in range(2 * pairs)],
        0.0,
        np.tile([np.inf, 1.0], pairs),
        np.tile([CONTINUOUS, INTEGER], pairs),
    )
    e_cols, w_cols = cols[0::2], cols[1::2]
    # e_k in its own budget row: a cap may be exceeded, a floor undershot
    rows_k = np.array([k for _, _, k, _ in items], dtype=np.int64)
    m = replace(
        m,
        a_row=np.concatenate((m.a_row, rows_k)),
        a_col=np.concatenate((m.a_col, e_cols[: len(items)])),
        a_val=np.concatenate((m.a_val, [sign for _, _, _, sign in items])),
    )
    lock_e = e_cols[len(items) :]
    m = m.with_rows(
        [ConstraintInfo(b.name, b.name.partition(":")[0], b.entity) for b in locks],
        1.0,
        np.inf,
        np.repeat(np.arange(len(locks)), 2),
        np.ravel([[b.column, e] for b, e in zip(locks, lock_e)]),
        np.ones(2 * len(locks)),
    )
    # e_k - M_k w_k <= 0
    big = [budget_scale] * len(items) + [1.0] * len(locks)
    first = m.num_rows
    m = m.with_rows(
        [ConstraintInfo(f"elastic:{first + j}", "elastic", "") for j in range(pairs)],
        -np.inf,
        0.0,
        np.repeat(np.arange(pairs), 2),
        np.ravel(np.column_stack((e_cols, w_cols))),
        np.ravel([[1.0, -mk] for mk in big]),
    )
    names = [name for name, _, _, _ in items] + [b.name for b in locks]
    kinds = [kind for _, kind, _, _ in items] + ["lock"] * len(locks)
    return m, list(zip(names, kinds, e_cols.tolist(), w_cols.tolist()))


def find_conflicts(
    model: LinearModel, problem: AllocationProblem, backend: Backend, options: RunOptions
) -> list[Conflict]:
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
