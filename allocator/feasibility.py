"""Is an award set allowed? Amounts in whole cents, and checks of an award set against the
problem's rules. Independent of any solver: used on every award set before it is reported,
and by ``allocator verify`` on any award table.

Money rule (README, "Outputs"):

- An award is a whole number of cents: the nearest cent to scale x C_i (a full award is C_i
  itself, the smallest award is min_scale x C_i, each to the nearest cent).
- The spend of an award in year y is its amount split over the years in proportion to
  cost_y (largest remainder, ties to the earlier year), so an award's year amounts add up
  to it exactly; the year caps count these cents, and also the contract's exact
  scale x cost_y with scale = amount / C_i.
- A cap holds when the sum of its members' cents (exact integer arithmetic) is at most its
  limit, the limit taken to the cent below (a limit is first rounded to EUR 0.000001, which
  undoes float noise such as 44999999.99999999 for a computed regional cap). No other
  tolerance. Where rounding to the nearest cent breaks a cap, cents come off the partial
  awards in that cap: the largest partial award first, then the lowest application_id, never
  below its smallest award. This also takes away the sub-cent overshoot solvers leave.
- A floor (theme floor, regional minimum) may be short by what rounding and keeping the caps
  can move: one cent for every partial award in the set, plus one.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal
from fractions import Fraction

import numpy as np

from .families import FAMILIES
from .families.base import AwardedCents
from .families.year import YEAR as YEAR_FAMILY
from .model.problem import AllocationProblem

SNAP_TOL = 1e-9
"""Solver scales this close to 0, min_scale or 1 are taken as exactly that value."""
BUDGET_TOL_EUR = 0.01
"""One cent: the unit of every amount (kept for callers that test slack)."""

AMOUNT, YEAR, CUMULATIVE, OTHER = 0, 1, 2, 3
_MICRO = Decimal("0.000001")


def to_cents(eur: float) -> int:
    """The nearest whole cent to a euro amount (half a cent up)."""
    return math.floor(float(eur) * 100 + 0.5)


def cents_array(eur: np.ndarray) -> np.ndarray:
    """to_cents elementwise, as int64."""
    return np.floor(np.asarray(eur, dtype=np.float64) * 100 + 0.5).astype(np.int64)


def euro_sum(amounts: Iterable[float]) -> float:
    """The sum of amounts in whole cents, exact (no float round-off): 600000000.0, never
    599999999.9999871 or 600000000.0000001."""
    return sum(to_cents(a) for a in amounts) / 100


def limit_cents(limit_eur: float, cap: bool = True) -> int:
    """A cap's limit in cents, the cent below (a floor's: the cent above), after rounding the
    limit to EUR 0.000001 to undo float noise."""
    exact = Decimal(repr(float(limit_eur))).quantize(_MICRO) * 100
    return int(exact.to_integral_value(rounding=ROUND_FLOOR if cap else ROUND_CEILING))


def split_cents(amount: int, weights: Sequence[int]) -> list[int]:
    """``amount`` cents split in proportion to ``weights`` (largest remainder, ties to the
    earlier one): the parts add up to ``amount`` exactly."""
    total = sum(weights)
    if total <= 0 or amount == 0:
        return [0] * len(weights)
    quotas = [amount * w for w in weights]
    parts = [q // total for q in quotas]
    left = amount - sum(parts)
    for j in sorted(range(len(weights)), key=lambda j: (-(quotas[j] % total), j))[:left]:
        parts[j] += 1
    return parts


def year_weights(costs_by_year: Sequence[float], total_cost: float) -> list[int]:
    """Cents of each funded year's cost, then of the cost in years the scenario does not
    fund (0 for an eligible application): the weights of an award's year split."""
    weights = [to_cents(c) for c in costs_by_year]
    return [*weights, max(to_cents(total_cost) - sum(weights), 0)]


def year_cents(amount: int, costs_by_year: Sequence[float], total_cost: float) -> list[int]:
    """The spend of an award of ``amount`` cents in each funded year, in cents."""
    return split_cents(amount, year_weights(costs_by_year, total_cost))[:-1]


@dataclass
class _Layout:
    """How each budget entry of a problem reads in cents."""

    full: np.ndarray  # (n,) cents of C_i
    smallest: np.ndarray  # (n,) cents of min_scale * C_i
    weights: np.ndarray  # (n, years + 1) year split weights (last: years not funded)
    rows: np.ndarray
    apps: np.ndarray
    coefs: np.ndarray
    kind: np.ndarray  # per entry: AMOUNT, YEAR, CUMULATIVE or OTHER
    year: np.ndarray  # per entry: the year index (YEAR, CUMULATIVE)
    limit: list[int]  # per row, cents
    cap: np.ndarray


def _layout(problem: AllocationProblem) -> _Layout:
    rows, apps, coefs = problem.triplets()
    n, n_years = problem.n, len(problem.years)
    full = cents_array(problem.cost_eur).reshape(n)
    by_year = np.asarray(problem.cost_by_year_eur, dtype=np.float64).reshape(n, n_years)
    year_w = cents_array(by_year).reshape(n, n_years)
    outside = np.maximum(full - year_w.sum(axis=1), 0)
    weights = np.concatenate([year_w, outside[:, None]], axis=1)
    smallest = np.minimum(cents_array(problem.min_scale * problem.cost_eur), full).reshape(n)
    row_year = np.full(len(problem.rows), -1, dtype=np.int64)
    for k, info in enumerate(problem.rows):
        j = YEAR_FAMILY.year_of(info, problem.years)
        if j is not None:
            row_year[k] = j
    year = row_year[rows] if len(rows) else np.zeros(0, dtype=np.int64)
    kind = np.full(len(rows), OTHER, dtype=np.int8)
    kind[coefs == problem.cost_eur[apps]] = AMOUNT
    if n_years and len(rows):
        has = year >= 0
        column = np.where(has, year, 0)  # the row's year as a column of by_year
        kind[has & (coefs == np.cumsum(by_year, axis=1)[apps, column])] = CUMULATIVE
        kind[has & (coefs == by_year[apps, column])] = YEAR
    cap = problem.is_cap
    limit = [limit_cents(r, bool(c)) for r, c in zip(problem.rhs_eur, cap)]
    return _Layout(full, smallest, weights, rows, apps, coefs, kind, year, limit, cap)


def _scales(lay: _Layout, problem: AllocationProblem, amount: np.ndarray) -> np.ndarray:
    """scale = amount / C_i (1 for a full award, 0 for none)."""
    cost = np.asarray(problem.cost_eur, dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        s = np.where(cost > 0, (amount / 100) / np.where(cost > 0, cost, 1.0), 0.0)
    return np.where((amount >= lay.full) & (amount > 0), 1.0, s)


@dataclass
class _Usage:
    cents: list[int]  # per row: sum of the members' cents (year split for year rows)
    exact: list[Fraction]  # per row: the contract's exact sum (scale = amount / C_i)


def _usage(lay: _Layout, problem: AllocationProblem, amount: np.ndarray) -> _Usage:
    n_rows = len(problem.rows)
    n_years = lay.weights.shape[1] - 1
    whole = amount == lay.weights.sum(axis=1)  # the split is the weights themselves
    years = np.where(whole[:, None], lay.weights[:, :n_years], 0).astype(np.int64)
    split = np.flatnonzero(~whole & (amount != 0))
    for i in split:
        years[i] = split_cents(int(amount[i]), lay.weights[i].tolist())[:n_years]
    cumulative = np.cumsum(years, axis=1)
    rows, apps, kind = lay.rows, lay.apps, lay.kind
    values = np.zeros(len(rows), dtype=np.int64)
    sel = kind == AMOUNT
    values[sel] = amount[apps[sel]]
    for code, table in ((YEAR, years), (CUMULATIVE, cumulative)):
        sel = kind == code
        if sel.any():
            values[sel] = table[apps[sel], lay.year[sel]]
    used = np.zeros(n_rows, dtype=np.int64)
    np.add.at(used, rows, values)
    cents = [int(u) for u in used]
    exact = [Fraction(c) for c in cents]
    # the contract's scale x cost_y differs from the cents only for a split award's years
    in_split = np.zeros(problem.n, dtype=bool)
    in_split[split] = True
    for e in np.flatnonzero(in_split[apps] & ((kind == YEAR) | (kind == CUMULATIVE))):
        i, j = apps[e], int(lay.year[e])
        w = lay.weights[i]
        part = int(w[j]) if kind[e] == YEAR else int(w[: j + 1].sum())
        exact[rows[e]] += Fraction(int(amount[i]) * part, int(w.sum())) - int(values[e])
    other = np.flatnonzero(kind == OTHER)
    if len(other):  # a coefficient that is not a cost: exact in scale, not in cents
        s = _scales(lay, problem, amount)
        for e in other:
            extra = Fraction(float(lay.coefs[e] * s[apps[e]] * 100))
            exact[rows[e]] += extra
            cents[rows[e]] += math.ceil(extra) if lay.cap[rows[e]] else math.floor(extra)
    return _Usage(cents, exact)


def _over(lay: _Layout, usage: _Usage) -> list[tuple[int, Fraction]]:
    """(row, cents over its limit) of every broken cap."""
    out = []
    for k, (c, x, limit) in enumerate(zip(usage.cents, usage.exact, lay.limit)):
        if lay.cap[k]:
            excess = max(Fraction(c), x) - limit
            if excess > 0:
                out.append((k, excess))
    return out


def initial_cents(
    problem: AllocationProblem, scale: np.ndarray, lay: _Layout | None = None, clip: bool = True
) -> np.ndarray:
    """Each award to the nearest cent: C_i for a full one, between the smallest award and
    C_i for a partial one (``clip=False``: not raised to the smallest), 0 for none."""
    lay = lay or _layout(problem)
    scale = np.asarray(scale, dtype=np.float64)
    nearest = cents_array(scale * problem.cost_eur)
    partial = np.minimum(np.maximum(nearest, lay.smallest) if clip else nearest, lay.full)
    return np.where(scale >= 1.0, lay.full, np.where(scale > 0, partial, 0)).astype(np.int64)


def whole_cents(problem: AllocationProblem, scale: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(scale, awarded amount EUR) per application of ``problem``: every amount whole cents,
    every cap kept exactly (the module's money rule); scale = amount / C_i."""
    lay = _layout(problem)
    amount = initial_cents(problem, scale, lay)
    scale = np.asarray(scale, dtype=np.float64)
    takeable = (scale > 0) & (scale < 1.0)  # a partial award (also one rounded up to C_i)
    ids = problem.app_ids
    for _ in range(10 * (problem.n + len(problem.rows)) + 100):
        over = _over(lay, _usage(lay, problem, amount))
        if not over:
            break
        k, excess = over[0]
        mine = lay.apps[(lay.rows == k) & (lay.coefs > 0)]
        room = amount - lay.smallest
        cand = sorted((i for i in set(mine.tolist()) if takeable[i] and room[i] > 0),
                      key=lambda i: (-int(amount[i]), ids[i]))  # fmt: skip
        if not cand:
            break  # nothing partial to take from: feasibility_problems names the cap
        i = cand[0]
        entry = np.flatnonzero((lay.rows == k) & (lay.apps == i))[0]
        # one cent of the award lowers this row by its share of the award (1 for a cost row)
        share = Fraction(1)
        if lay.kind[entry] in (YEAR, CUMULATIVE):
            w = lay.weights[i]
            j = int(lay.year[entry])
            part = int(w[j]) if lay.kind[entry] == YEAR else int(w[: j + 1].sum())
            share = Fraction(part, int(w.sum()))
        elif lay.kind[entry] == OTHER:
            share = Fraction(float(lay.coefs[entry])) / Fraction(float(problem.cost_eur[i]))
        need = math.ceil(excess / share) if share > 0 else 1
        amount[i] -= max(1, min(need, int(room[i])))
    return _scales(lay, problem, amount), amount / 100


def row_usage(problem: AllocationProblem, scale: np.ndarray) -> np.ndarray:
    """EUR used under each budget row by the scales (float; see row_cents for whole cents)."""
    rows, apps, coefs = problem.triplets()
    used = np.bincount(rows, weights=coefs * scale[apps], minlength=len(problem.rows))
    return used.astype(np.float64)  # bincount gives integers when there is nothing to add


def row_cents(
    problem: AllocationProblem, amount_cents: Sequence[int] | np.ndarray
) -> tuple[list[int], list[int]]:
    """(used, limit) in cents of every budget row for awards of ``amount_cents`` (problem
    order); year rows count each award's year split."""
    lay = _layout(problem)
    usage = _usage(lay, problem, np.asarray(amount_cents, dtype=np.int64))
    return usage.cents, lay.limit


def snap_scales(problem: AllocationProblem, s: np.ndarray, z: np.ndarray) -> np.ndarray:
    """Clean solver noise: a choice is 0 or 1, a scale is 0 or in [min_scale, 1]."""
    chosen = np.round(z) >= 1
    m = problem.min_scale
    s = np.where(chosen, np.clip(s, m, 1.0), 0.0)
    s = np.where(np.abs(s - 1.0) <= SNAP_TOL, 1.0, s)
    s = np.where(chosen & (np.abs(s - m) <= SNAP_TOL), m, s)
    return s


def eur_text(cents: float | Fraction) -> str:
    """An amount in cents as euros in words' digits: 1,234.56 (4 decimals where not whole)."""
    value = float(Fraction(cents) / 100)
    return f"{value:,.2f}" if Fraction(cents).denominator == 1 else f"{value:,.4f}"


def feasibility_problems(
    problem: AllocationProblem,
    scale: np.ndarray,
    board_rules: bool = True,
    amount_cents: np.ndarray | None = None,
) -> list[str]:
    """Every rule the award set breaks (empty when it is feasible).

    The amounts are ``amount_cents`` (problem order) when given, else each scale x C_i to
    the nearest cent. ``board_rules=False`` checks only CONTRACT.md's rules and the locks:
    the fcfs and greedy walks know no floors or regional minimums.
    """
    lay = _layout(problem)
    scale = np.asarray(scale, dtype=np.float64)
    amount = (
        initial_cents(problem, np.clip(scale, 0.0, 1.0), lay, clip=False)
        if amount_cents is None
        else np.asarray(amount_cents, dtype=np.int64)
    )
    usage = _usage(lay, problem, amount)
    funded = amount > 0
    partial_count = int(((amount > 0) & (amount < lay.full)).sum())
    floor_slack = partial_count + 1  # cents: what rounding and keeping the caps can move
    out = []
    for k, info in enumerate(problem.rows):
        cents, exact, limit = usage.cents[k], usage.exact[k], lay.limit[k]
        if lay.cap[k]:
            used = max(Fraction(cents), exact)
            if used > limit:
                out.append(
                    f"{info.name}: EUR {eur_text(used)} > limit {eur_text(limit)} "
                    f"(over by {eur_text(used - limit)})"
                )
        elif board_rules:
            used = min(Fraction(cents), exact)
            if used < limit - floor_slack:
                out.append(
                    f"{info.name}: EUR {eur_text(used)} < floor {eur_text(limit)} "
                    f"(short by {eur_text(limit - used)})"
                )
    low = funded & (amount < lay.smallest)
    out += [
        f"scale_min:{problem.app_ids[i]}: EUR {eur_text(int(amount[i]))} is below the smallest "
        f"award (min_scale x request, EUR {eur_text(int(lay.smallest[i]))}; scale {scale[i]:.6g})"
        for i in np.flatnonzero(low)
    ]
    # the rules that are not budget rows (groups, locks, the regional minimum): each family
    # checks its own (Family.check)
    awarded = AwardedCents(amount, lay.full, floor_slack, board_rules)
    for family in FAMILIES:
        out += family.check(problem, awarded)
    return out
