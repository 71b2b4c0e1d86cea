"""Why each eligible application got what it got: one source of claims.

``decide`` derives, per eligible application of an award set, every claim anyone makes about
it: which caps are full or leave too little room for it (with the room left and what it
needs), the exclusive-group partner funded instead, whether its smallest award alone breaks a
cap, and the lowest-ratio funded project under the cap that stands in its way. The award
sheet's short ``reason`` (``reason_code``), the explanation sentence and the card
(narrative.py) are renderings of this one :class:`Decision`; explain.py takes the caps an
application draws on from here too. With the re-solves of explain.py a cap is said to *bind*
an application only where its shadow price is positive.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .feasibility import row_usage
from .model.problem import AllocationProblem, too_big_alone

FULL_EUR = 1.0
"""A cap with at most EUR 1 left is full (solver tolerance and cents lie far below)."""
ROOM_EUR = 0.01
"""A cap leaves too little room for an application when less than its need minus a cent is
left (amounts are in whole cents)."""


@dataclass(frozen=True)
class Room:
    """A cap an application draws on: EUR left under it and EUR the application needs there
    (at its min_scale when not funded, for the next euro when funded)."""

    constraint: str
    left_eur: float
    need_eur: float
    limit_eur: float


@dataclass(frozen=True)
class Marginal:
    """The funded application with the lowest FTE per EUR 1M under a cap (ties: id)."""

    constraint: str
    application_id: str
    fte_per_meur: float


@dataclass
class Decision:
    """Every claim about one eligible application of an award set.

    kind: ``funded`` (in full), ``partial``, ``must_not`` (excluded by the board),
    ``too_big`` (its smallest award alone breaks a cap), ``group`` (its exclusive group went
    to another), ``budget`` (too little left under at least one cap), ``no_fte``, ``rules``
    (room under every cap: the board's other rules or the optimality gap keep it out).
    """

    application_id: str
    kind: str
    scale: float
    min_scale: float
    fte: float
    cost_eur: float
    blocking: list[Room] = field(default_factory=list)
    """Caps with too little room for it (``budget``); full caps it draws on (``partial``, and
    ``funded`` for explanations.csv); the cap its smallest award breaks (``too_big``)."""
    group: str | None = None
    group_winner: str | None = None  # the funded partner (``group``)
    marginal: Marginal | None = None  # under the most specific blocking cap (``budget``)

    @property
    def fte_per_meur(self) -> float:
        return self.fte / (self.cost_eur / 1e6) if self.cost_eur > 0 else 0.0

    @property
    def caps(self) -> list[str]:
        return [r.constraint for r in self.blocking]


def decide(problem: AllocationProblem, scale: np.ndarray) -> list[Decision]:
    """A Decision per eligible application, in problem order (sorted by application_id)."""
    rhs = np.asarray(problem.rhs_eur, dtype=np.float64)
    slack = rhs - row_usage(problem, scale)
    names = [info.name for info in problem.rows]
    entries = problem.cap_entries()
    ratio = problem.fte / np.maximum(problem.cost_eur / 1e6, 1e-12)
    lowest = _lowest_funded(problem, scale, ratio)
    big_rows, big_apps, big_need = too_big_alone(problem)
    group_of = {i: g for g, m in problem.groups.items() for i in m}
    out: list[Decision] = []
    for i in range(problem.n):
        s = float(scale[i])
        d = Decision(
            problem.app_ids[i],
            "funded",
            s,
            float(problem.min_scale[i]),
            float(problem.fte[i]),
            float(problem.cost_eur[i]),
        )
        d.group = group_of.get(i)
        out.append(d)
        mine = [(k, c) for k, c in entries[i] if c > 0]
        if s > 0:
            d.kind = "funded" if s >= 1.0 else "partial"
            d.blocking = [
                Room(names[k], float(slack[k]), 0.0, float(rhs[k]))
                for k, c in mine
                if slack[k] <= FULL_EUR
            ]
            continue
        if problem.must_not[i]:
            d.kind = "must_not"
            continue
        big = np.flatnonzero(big_apps == i)
        if len(big):
            k = int(big_rows[big[0]])
            d.kind = "too_big"
            d.blocking = [Room(names[k], float(rhs[k]), float(big_need[big[0]]), float(rhs[k]))]
            continue
        winners = [j for j in problem.groups.get(d.group or "", []) if j != i and scale[j] > 0]
        if winners:
            d.kind = "group"
            d.group_winner = problem.app_ids[winners[0]]
            continue
        need = {k: d.min_scale * c for k, c in mine}
        d.blocking = [
            Room(names[k], float(slack[k]), need[k], float(rhs[k]))
            for k, _ in mine
            if slack[k] < need[k] - ROOM_EUR
        ]
        if d.blocking:
            d.kind = "budget"
            d.marginal = _marginal(d.blocking, lowest)
        else:
            d.kind = "no_fte" if problem.fte[i] == 0 else "rules"
    return out


def binding_caps(decisions: list[Decision]) -> list[list[str]]:
    """Per application (problem order), the caps it draws on that are full or leave too
    little room for it, then its exclusive group when the group's one place is taken:
    explanations.csv's ``binding``."""
    size: dict[str, int] = {}
    funded: set[str] = set()
    for d in decisions:
        if d.group is not None:
            size[d.group] = size.get(d.group, 0) + 1
            if d.scale > 0:
                funded.add(d.group)
    taken = {g for g, count in size.items() if count >= 2 and g in funded}
    return [d.caps + ([f"exclusive:{d.group}"] if d.group in taken else []) for d in decisions]


def _lowest_funded(
    problem: AllocationProblem, scale: np.ndarray, ratio: np.ndarray
) -> dict[str, tuple[int, Marginal | None]]:
    """Per cap name: (its member count, the funded member with the lowest FTE per EUR 1M,
    ties by application_id = problem order). One pass over the matrix, not one per
    application (a 100,000-application run explains in seconds)."""
    rows, apps, coefs = problem.triplets()
    keep = problem.is_cap[rows] & (coefs > 0)
    rows, apps = rows[keep], apps[keep]
    count = np.bincount(rows, minlength=len(problem.rows))
    funded = scale[apps] > 0
    order = np.lexsort((apps[funded], ratio[apps[funded]], rows[funded]))
    f_rows, f_apps = rows[funded][order], apps[funded][order]
    starts = np.r_[True, f_rows[1:] != f_rows[:-1]] if len(f_rows) else np.zeros(0, dtype=bool)
    low = {int(f_rows[k]): int(f_apps[k]) for k in np.flatnonzero(starts)}
    out: dict[str, tuple[int, Marginal | None]] = {}
    for k, info in enumerate(problem.rows):
        if problem.is_cap[k]:
            j = low.get(k)
            m = None if j is None else Marginal(info.name, problem.app_ids[j], float(ratio[j]))
            out[info.name] = (int(count[k]), m)
    return out


def _marginal(
    blocking: list[Room], lowest: dict[str, tuple[int, Marginal | None]]
) -> Marginal | None:
    """The lowest-ratio funded application under the most specific blocking cap (fewest
    members; ties by name): the one to compare with."""
    for room in sorted(blocking, key=lambda r: (lowest[r.constraint][0], r.constraint)):
        if lowest[room.constraint][1] is not None:
            return lowest[room.constraint][1]
    return None


def reason_code(d: Decision) -> str:
    """The award sheet's short reason for an eligible application not funded in full."""
    caps = ", ".join(d.caps)
    return {
        "funded": "",
        "partial": f"scaled down: full under {caps}"
        if caps
        else "scaled down: no cap it draws on is full; the board's rules or the optimality gap",
        "must_not": "not funded: excluded by the board (must_not)",
        "too_big": f"not funded: its smallest award alone is more than {caps} holds",
        "group": f"not funded: exclusive group {d.group} went to {d.group_winner}",
        "budget": f"not funded: too little left under {caps}",
        "no_fte": "not funded: saves no FTE",
        "rules": "not funded: room under every cap; kept out by the board's rules or the "
        "optimality gap",
    }[d.kind]


def optimal_reasons(problem: AllocationProblem, scale: np.ndarray) -> dict[int, str]:
    """problem index -> reason, for every eligible application not funded in full."""
    return {i: reason_code(d) for i, d in enumerate(decide(problem, scale)) if d.kind != "funded"}
