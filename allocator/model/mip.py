"""The mixed-integer program of CONTRACT.md as plain arrays, independent of any solver.

Columns: per eligible application i one scale column s_i. An all-or-nothing application
(min_scale = 1) has a binary s_i and nothing else; one that may be scaled has a continuous
s_i in [0, 1] and a binary choice z_i, linked by ``scale_max:<id>`` (s_i <= z_i) and
``scale_min:<id>`` (s_i >= min_scale_i z_i). For a backend that knows semi-continuous
columns (HiGHS), a scalable application outside exclusive groups is instead one column
s_i in {0} u [min_scale_i, 1], without z_i or link rows. Exclusive groups limit the choices
(``exclusive:<group>``). Money is in EUR 1,000 inside the model (MONEY_UNIT_EUR: coefficients
of order 1-100,000 keep the solvers' tolerances, EUR 0.0001 and below, far under a cent);
the budget rows come from
``AllocationProblem`` with their names unchanged.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np

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
        return self.col_kind == INTEGER

    def choices(self, values: np.ndarray) -> np.ndarray:
        """z_i per application from a solution vector."""
        z = values[self.choice_col]
        return np.where(self.semicontinuous, (values[self.scale_col] > 1e-9).astype(float), z)

    @property
    def num_cols(self) -> int:
        return len(self.col_names)

    @property
    def num_rows(self) -> int:
        return len(self.rows)

    def activity(self, x: np.ndarray) -> np.ndarray:
        """A x: the value of every row at the column vector ``x``."""
        return np.bincount(self.a_row, weights=self.a_val * x[self.a_col], minlength=self.num_rows)

    def with_columns(self, names: list[str], lb, ub, kind) -> tuple[LinearModel, np.ndarray]:  # type: ignore[no-untyped-def]
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

    def with_rows(self, infos: list[ConstraintInfo], lb, ub, a_row, a_col, a_val) -> LinearModel:  # type: ignore[no-untyped-def]
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

    def add(self, infos, lb, ub, a_row, a_col, a_val) -> None:  # type: ignore[no-untyped-def]
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
    add_budget_rows(rows, problem)
    add_exclusive_groups(rows, problem, choice_col)
    add_scale_links(rows, problem, partial, choice_col)
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
    model = add_region_minimum_rows(rows, model, problem)
    model.rows = rows.info
    model.row_lb = np.concatenate(rows.lb)
    model.row_ub = np.concatenate(rows.ub)
    model.a_row = np.concatenate(rows.a_row)
    model.a_col = np.concatenate(rows.a_col)
    model.a_val = np.concatenate(rows.a_val)
    return model


def add_budget_rows(rows: _Rows, problem: AllocationProblem) -> None:
    """ceiling, theme:<t>, year:<y>, region:<r> (caps) and theme_floor:<t> (floors), in EUR 1,000."""
    b_row, b_app, b_coef = problem.triplets()
    rhs = np.asarray(problem.rhs_eur, dtype=np.float64) / MONEY_UNIT_EUR
    cap = problem.is_cap
    lb = np.where(cap, -np.inf, rhs)
    ub = np.where(cap, rhs, np.inf)
    rows.add(list(problem.rows), lb, ub, b_row, b_app, b_coef / MONEY_UNIT_EUR)


def add_region_minimum_rows(
    rows: _Rows, model: LinearModel, problem: AllocationProblem
) -> LinearModel:
    """region_min:<r>: sum_{i in r} C_i s_i - f p_r T + M v_r >= 0, with T the total awarded
    (column ``total``, row ``total``: sum_i C_i s_i - T = 0) and v_r a binary "let off"
    column; region_min_exempt:<r>:<id>: s_i + sum of i's exclusive partners' choices >= v_r for
    every application of r not locked out, so a region is let off only when its applications
    permit no more ("applications of that region permitting"). Returns the model with the
    new columns; the rows go to ``rows``."""
    if not problem.region_minimums:
        return model
    n = problem.n
    cost = problem.cost_eur / MONEY_UNIT_EUR
    # T <= every cost: implied by s_i <= 1, stated so that every column has finite bounds
    model, (total,) = model.with_columns(["total"], 0.0, float(cost.sum()), CONTINUOUS)
    rows.add(
        [ConstraintInfo("total", "total", "")],
        [0.0],
        [0.0],
        np.zeros(n + 1),
        np.concatenate((np.arange(n), [total])),
        np.concatenate((cost, [-1.0])),
    )
    regions = [r for r, _, _ in problem.region_minimums]
    model, exempt = model.with_columns([f"exempt:{r}" for r in regions], 0.0, 1.0, INTEGER)
    big_m = cost.sum()
    exempt_cols = {}
    for (region, share, members), v in zip(problem.region_minimums, exempt):
        exempt_cols[int(v)] = members
        m = len(members)
        rows.add(
            [ConstraintInfo(f"region_min:{region}", "region_min", region)],
            [0.0],
            [np.inf],
            np.zeros(m + 2),
            np.concatenate((members, [total, v])),
            np.concatenate((cost[members], [-share, share * big_m])),
        )
        for i in members:
            if problem.must_not[i]:
                continue
            partners = problem.group_partners(int(i))
            cols = [int(model.scale_col[i]), *[int(model.choice_col[j]) for j in partners], int(v)]
            app_id = problem.app_ids[i]
            rows.add(
                [
                    ConstraintInfo(
                        f"region_min_exempt:{region}:{app_id}", "region_min_exempt", app_id
                    )
                ],
                [0.0],
                [np.inf],
                np.zeros(len(cols)),
                cols,
                [1.0] * (len(cols) - 1) + [-1.0],
            )
    return replace(model, total_col=int(total), exempt_cols=exempt_cols)


def add_exclusive_groups(rows: _Rows, problem: AllocationProblem, choice_col: np.ndarray) -> None:
    """exclusive:<group>: sum of the members' choices <= 1 (a group of one restricts nothing)."""
    for group in sorted(problem.groups):
        members = problem.groups[group]
        if len(members) >= 2:
            info = [ConstraintInfo(f"exclusive:{group}", "exclusive", group)]
            rows.add(
                info,
                [-np.inf],
                [1.0],
                np.zeros(len(members)),
                choice_col[members],
                np.ones(len(members)),
            )


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
