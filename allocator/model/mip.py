"""The mixed-integer program of CONTRACT.md as plain arrays, independent of any solver.

Columns: per eligible application i one scale column s_i. An all-or-nothing application
(min_scale = 1) has a binary s_i and nothing else; one that may be scaled has a continuous
s_i in [0, 1] and a binary choice z_i, linked by ``scale_max:<id>`` (s_i <= z_i) and
``scale_min:<id>`` (s_i >= min_scale_i z_i). For a backend that knows semi-continuous
columns (HiGHS), a scalable application outside exclusive groups is instead one column
s_i in {0} u [min_scale_i, 1], without z_i or link rows. Exclusive groups limit the choices
(``exclusive:<group>``, built by its family: allocator/families/exclusive.py; the
regional minimum's rows likewise by families/region_min.py). Money is in EUR 1,000 inside the model (MONEY_UNIT_EUR: coefficients
of order 1-100,000 keep the solvers' tolerances, EUR 0.0001 and below, far under a cent);
the budget rows come from
``AllocationProblem`` with their names unchanged.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np
from numpy.typing import ArrayLike

from ..families import FAMILIES
from .problem import AllocationProblem, ConstraintInfo, never_fundable

MONEY_UNIT_EUR = 1e3
"""One unit of money inside the model, in euros."""
CONTINUOUS, INTEGER, SEMICONTINUOUS = 0, 1, 2


@dataclass
class LinearModel:
    """maximise col_obj @ x  s.t.  row_lb <= A x <= row_ub,  col_lb <= x <= col_ub."""

    col_names: list[str]
    col_lb: np.ndarray
    col_ub: np.ndarray
    col_obj: np.ndarray
    col_kind: np.ndarray  # int8: CONTINUOUS, INTEGER or SEMICONTINUOUS
    rows: list[ConstraintInfo]
    row_lb: np.ndarray
    row_ub: np.ndarray
    a_row: np.ndarray  # COO triplets
    a_col: np.ndarray
    a_val: np.ndarray
    scale_col: np.ndarray  # (n_apps,) column of s_i
    choice_col: np.ndarray  # (n_apps,) column of z_i (= scale_col when all-or-nothing)
    semicontinuous: np.ndarray  # (n_apps,) bool: s_i is semi-continuous, z_i is s_i > 0
    total_col: int | None = None  # column T = total awarded (EUR 1,000), if a rule needs it
    exempt_cols: dict[int, np.ndarray] = field(default_factory=dict)  # v_r -> member apps

    @property
    def col_integer(self) -> np.ndarray:
        return np.asarray(self.col_kind == INTEGER)

    def choices(self, values: np.ndarray) -> np.ndarray:
        """z_i per application from a solution vector."""
        z = values[self.choice_col]
        return np.asarray(
            np.where(self.semicontinuous, (values[self.scale_col] > 1e-9).astype(float), z)
        )

    @property
    def num_cols(self) -> int:
        return len(self.col_names)

    @property
    def num_rows(self) -> int:
        return len(self.rows)

    def activity(self, x: np.ndarray) -> np.ndarray:
        """A x: the value of every row at the column vector ``x``."""
        return np.bincount(self.a_row, weights=self.a_val * x[self.a_col], minlength=self.num_rows)

    def with_columns(
        self, names: list[str], lb: ArrayLike, ub: ArrayLike, kind: ArrayLike
    ) -> tuple[LinearModel, np.ndarray]:
        """A copy with columns appended (objective 0); returns it and the new indices."""
        k = len(names)
        model = replace(
            self,
            col_names=self.col_names + names,
            col_lb=np.concatenate((self.col_lb, np.broadcast_to(lb, k))),
            col_ub=np.concatenate((self.col_ub, np.broadcast_to(ub, k))),
            col_obj=np.concatenate((self.col_obj, np.zeros(k))),
            col_kind=np.concatenate((self.col_kind, np.broadcast_to(kind, k).astype(np.int8))),
        )
        return model, self.num_cols + np.arange(k)

    def with_rows(
        self,
        infos: list[ConstraintInfo],
        lb: ArrayLike,
        ub: ArrayLike,
        a_row: ArrayLike,
        a_col: ArrayLike,
        a_val: ArrayLike,
    ) -> LinearModel:
        """A copy with rows appended; ``a_row`` counts from 0 within the new rows."""
        return replace(
            self,
            rows=self.rows + infos,
            row_lb=np.concatenate((self.row_lb, np.broadcast_to(lb, len(infos)))),
            row_ub=np.concatenate((self.row_ub, np.broadcast_to(ub, len(infos)))),
            a_row=np.concatenate((self.a_row, self.num_rows + np.asarray(a_row, dtype=np.int64))),
            a_col=np.concatenate((self.a_col, np.asarray(a_col, dtype=np.int64))),
            a_val=np.concatenate((self.a_val, np.asarray(a_val, dtype=np.float64))),
        )

    def csc(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Column-wise compressed matrix (start, index, value), int32 indices."""
        order = np.lexsort((self.a_row, self.a_col))
        counts = np.bincount(self.a_col, minlength=self.num_cols)
        start = np.concatenate(([0], np.cumsum(counts))).astype(np.int32)
        return start, self.a_row[order].astype(np.int32), self.a_val[order]

    def csr(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Row-wise compressed matrix (start, index, value), int32 indices."""
        order = np.lexsort((self.a_col, self.a_row))
        counts = np.bincount(self.a_row, minlength=self.num_rows)
        start = np.concatenate(([0], np.cumsum(counts))).astype(np.int32)
        return start, self.a_col[order].astype(np.int32), self.a_val[order]


@dataclass
class _Rows:
    """Rows under construction: info, bounds and COO blocks, appended family by family."""

    info: list[ConstraintInfo]
    lb: list[np.ndarray]
    ub: list[np.ndarray]
    a_row: list[np.ndarray]
    a_col: list[np.ndarray]
    a_val: list[np.ndarray]

    def add(
        self,
        infos: list[ConstraintInfo],
        lb: ArrayLike,
        ub: ArrayLike,
        a_row: ArrayLike,
        a_col: ArrayLike,
        a_val: ArrayLike,
    ) -> None:
        """Append rows; ``a_row`` counts from 0 within this block."""
        first = len(self.info)
        self.info += infos
        self.lb.append(np.asarray(lb, dtype=np.float64))
        self.ub.append(np.asarray(ub, dtype=np.float64))
        self.a_row.append(first + np.asarray(a_row, dtype=np.int64))
        self.a_col.append(np.asarray(a_col, dtype=np.int64))
        self.a_val.append(np.asarray(a_val, dtype=np.float64))


def build_mip(
    problem: AllocationProblem, semicontinuous: bool = False, shut_unfundable: bool = True
) -> LinearModel:
    """The MIP for ``problem``, vectorised: no Python loop over applications' coefficients.

    ``shut_unfundable``: an application whose smallest award alone breaks a cap
    (problem.never_fundable) gets scale and choice 0 as bounds, as a must_not one; exact, and
    the LP no longer funds a fraction of it (the shipped sample: the LP bound drops from 192
    to 35 FTE above the optimum). Not where cap rows are relaxed (diagnose.py)."""
    n = problem.n
    fund = problem.must_fund
    never = problem.must_not
    if shut_unfundable:
        never = never | (never_fundable(problem) & ~fund)
    scalable = problem.min_scale < 1.0
    semi = np.zeros(n, dtype=bool)
    if semicontinuous:
        grouped = np.zeros(n, dtype=bool)
        for members in problem.groups.values():
            if len(members) >= 2:
                grouped[members] = True
        semi = scalable & ~grouped & ~fund & ~never
    partial = np.flatnonzero(scalable & ~semi)
    n_z = len(partial)
    choice_col = np.arange(n)
    choice_col[partial] = n + np.arange(n_z)

    col_names = problem.app_ids + [f"choice:{problem.app_ids[i]}" for i in partial]
    col_lb = np.zeros(n + n_z)
    col_lb[:n][semi] = problem.min_scale[semi]
    col_ub = np.ones(n + n_z)
    col_kind = np.full(n + n_z, INTEGER, dtype=np.int8)
    col_kind[partial] = CONTINUOUS
    col_kind[:n][semi] = SEMICONTINUOUS
    # locks (board rules): must_fund -> choice 1, must_not -> scale and choice 0
    col_lb[choice_col[fund]] = 1.0
    col_ub[np.arange(n)[never]] = 0.0
    col_ub[choice_col[never]] = 0.0

    rows = _Rows([], [], [], [], [], [])
    model = LinearModel(
        col_names=col_names,
        col_lb=col_lb,
        col_ub=col_ub,
        col_obj=np.concatenate((problem.fte, np.zeros(n_z))),
        col_kind=col_kind,
        rows=rows.info,
        row_lb=np.zeros(0),
        row_ub=np.zeros(0),
        a_row=np.zeros(0, dtype=np.int64),
        a_col=np.zeros(0, dtype=np.int64),
        a_val=np.zeros(0),
        scale_col=np.arange(n),
        choice_col=choice_col,
        semicontinuous=semi,
    )
    add_budget_rows(rows, problem)
    for family in FAMILIES:  # rows over the choices (exclusive groups)
        if not family.mip_after_links:
            model = family.extend_mip(rows, model, problem)
    add_scale_links(rows, problem, partial, choice_col)
    for family in FAMILIES:  # rows with columns of their own (regional minimum)
        if family.mip_after_links:
            model = family.extend_mip(rows, model, problem)
    model.rows = rows.info
    model.row_lb = np.concatenate(rows.lb)
    model.row_ub = np.concatenate(rows.ub)
    model.a_row = np.concatenate(rows.a_row)
    model.a_col = np.concatenate(rows.a_col)
    model.a_val = np.concatenate(rows.a_val)
    return model


def add_budget_rows(rows: _Rows, problem: AllocationProblem) -> None:
    """Every budget row of the problem (caps and floors of every family), in EUR 1,000."""
    b_row, b_app, b_coef = problem.triplets()
    rhs = np.asarray(problem.rhs_eur, dtype=np.float64) / MONEY_UNIT_EUR
    cap = problem.is_cap
    lb = np.where(cap, -np.inf, rhs)
    ub = np.where(cap, rhs, np.inf)
    rows.add(list(problem.rows), lb, ub, b_row, b_app, b_coef / MONEY_UNIT_EUR)


def add_scale_links(
    rows: _Rows, problem: AllocationProblem, partial: np.ndarray, choice_col: np.ndarray
) -> None:
    """scale_max:<id>: s_i - z_i <= 0 and scale_min:<id>: s_i - m_i z_i >= 0."""
    n_z = len(partial)
    if n_z == 0:
        return
    ids = [problem.app_ids[i] for i in partial]
    infos = [ConstraintInfo(f"scale_max:{a}", "scale_max", a) for a in ids]
    infos += [ConstraintInfo(f"scale_min:{a}", "scale_min", a) for a in ids]
    upper, lower = np.arange(n_z), n_z + np.arange(n_z)
    rows.add(
        infos,
        np.concatenate((np.full(n_z, -np.inf), np.zeros(n_z))),
        np.concatenate((np.zeros(n_z), np.full(n_z, np.inf))),
        np.concatenate((upper, upper, lower, lower)),
        np.concatenate((partial, choice_col[partial], partial, choice_col[partial])),
        np.concatenate((np.ones(n_z), -np.ones(n_z), np.ones(n_z), -problem.min_scale[partial])),
    )
