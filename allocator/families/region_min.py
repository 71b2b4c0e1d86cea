"""region_min:<r>: region total >= factor * p_r * total awarded, applications permitting.

"Permitting": a region whose eligible applications are all funded in full (or locked out,
or lost their exclusive group to a funded partner) has done what it can; the MIP lets such a
region off (see ``extend_mip``). An application that no award set can fund (its smallest
award alone breaks a cap) does not count: a region with only such applications has no
minimum, otherwise one of them would hold every award at zero.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from fractions import Fraction
from typing import TYPE_CHECKING

import numpy as np

from ..model.problem import ConstraintInfo, never_fundable
from .base import AwardedCents, Family

if TYPE_CHECKING:
    from ..domain import Scenario
    from ..model.mip import LinearModel, _Rows
    from ..model.problem import AllocationProblem
    from .base import BuildContext


class RegionMinimum(Family):
    name = "region_min"
    keys = ("region_min_factor", "regions")
    elastic = True
    walks_honour = False
    mip_after_links = True

    def applies(self, scenario: Scenario) -> bool:
        return scenario.region_min_factor is not None

    def build(self, problem: AllocationProblem, scenario: Scenario, context: BuildContext) -> None:
        """problem.region_minimums: (region, factor * p_r, member app indices)."""
        factor = scenario.region_min_factor
        if factor is None:
            return
        never = never_fundable(problem)
        regions = context.regions
        for region in sorted(regions.population):
            members = region_members(problem, region, never)
            if len(members):
                share = factor * regions.share(region)
                problem.region_minimums.append((region, share, members))

    def check(self, problem: AllocationProblem, awarded: AwardedCents) -> list[str]:
        """region_min:<r> short of factor * p_r * total awarded (cents), where the region's
        applications permit more (not let off)."""
        from ..feasibility import eur_text

        if not awarded.board_rules or not problem.region_minimums:
            return []
        amount, funded = awarded.amount, awarded.funded
        full_scale = np.where(amount >= awarded.full, 1.0, np.where(funded, 0.5, 0.0))
        out = []
        for st in standings(problem, amount, full_scale):
            if not st.let_off and st.held < st.need - awarded.floor_slack:
                out.append(
                    f"region_min:{st.region}: EUR {eur_text(st.held)} < "
                    f"{eur_text(math.ceil(st.need))} (short by {eur_text(st.need - st.held)})"
                )
        return out

    def extend_mip(
        self, rows: _Rows, model: LinearModel, problem: AllocationProblem
    ) -> LinearModel:
        """region_min:<r>: sum_{i in r} C_i s_i - f p_r T + M v_r >= 0, with T the total
        awarded (column ``total``, row ``total``: sum_i C_i s_i - T = 0) and v_r a binary "let
        off" column; region_min_exempt:<r>:<id>: s_i + sum of i's exclusive partners' choices
        >= v_r for every application of r not locked out, so a region is let off only when
        its applications permit no more ("applications of that region permitting").

        Tight (same award sets, a much closer LP): T <= T_max, the ceiling or all costs
        together, whichever is less. A region whose applications, all funded in full, reach
        f p_r T_max whatever else happens (``exhausted_floor``) never needs letting off: when
        its applications permit no more, its minimum holds anyway, so it gets the plain row
        without v_r. Elsewhere M = f p_r T_max - that floor (when v_r = 1 every application
        of r is funded in full, so the region has at least the floor), not all costs."""
        from ..model.mip import CONTINUOUS, INTEGER, MONEY_UNIT_EUR

        if not problem.region_minimums:
            return model
        n = problem.n
        cost = problem.cost_eur / MONEY_UNIT_EUR
        # T <= the ceiling and every cost together (implied by the rows and s_i <= 1), stated
        # so that every column has finite bounds and the big-M below is tight
        t_max = total_max(problem)
        model, (total,) = model.with_columns(["total"], 0.0, t_max, CONTINUOUS)
        rows.add(
            [ConstraintInfo("total", "total", "")],
            [0.0],
            [0.0],
            np.zeros(n + 1),
            np.concatenate((np.arange(n), [total])),
            np.concatenate((cost, [-1.0])),
        )
        floors = {r: exhausted_floor(problem, m) for r, _, m in problem.region_minimums}
        let_off = [
            (region, share, members)
            for region, share, members in problem.region_minimums
            if floors[region] < share * t_max * (1 + 1e-9)
        ]
        model, exempt = model.with_columns(
            [f"exempt:{r}" for r, _, _ in let_off], 0.0, 1.0, INTEGER
        )
        exempt_of = {r: int(v) for (r, _, _), v in zip(let_off, exempt)}
        exempt_cols = {}
        for region, share, members in problem.region_minimums:
            m = len(members)
            if region not in exempt_of:  # its applications in full reach the minimum anyway
                rows.add(
                    [self.info(region)],
                    [0.0],
                    [np.inf],
                    np.zeros(m + 1),
                    np.concatenate((members, [total])),
                    np.concatenate((cost[members], [-share])),
                )
                continue
            v = exempt_of[region]
            exempt_cols[v] = members
            big_m = max(share * t_max - floors[region], 0.0)
            rows.add(
                [self.info(region)],
                [0.0],
                [np.inf],
                np.zeros(m + 2),
                np.concatenate((members, [total, v])),
                np.concatenate((cost[members], [-share, big_m])),
            )
            for i in members:
                if problem.must_not[i]:
                    continue
                partners = problem.group_partners(int(i))
                cols = [
                    int(model.scale_col[i]),
                    *[int(model.choice_col[j]) for j in partners],
                    int(v),
                ]
                app_id = problem.app_ids[i]
                rows.add(
                    [
                        ConstraintInfo(
                            f"region_min_exempt:{region}:{app_id}",
                            "region_min_exempt",
                            app_id,
                        )
                    ],
                    [0.0],
                    [np.inf],
                    np.zeros(len(cols)),
                    cols,
                    [1.0] * (len(cols) - 1) + [-1.0],
                )
        return replace(model, total_col=int(total), exempt_cols=exempt_cols)


REGION_MIN = RegionMinimum()


def region_members(problem: AllocationProblem, region: str, never: np.ndarray) -> np.ndarray:
    """The applications of ``region`` that some award set can fund (``never``:
    never_fundable under the problem's caps): those its minimum counts."""
    return np.flatnonzero((np.asarray(problem.app_region, dtype=object) == region) & ~never)


@dataclass(frozen=True)
class Standing:
    """Where one region stands against its minimum in an award set: ``share`` = factor x
    p_r; ``held``, the cents its applications hold; ``need``, share x the total awarded
    (exact cents, a fraction); ``let_off``: its applications permit no more."""

    region: str
    share: Fraction
    members: np.ndarray
    let_off: bool
    held: int
    need: Fraction


def standings(
    problem: AllocationProblem, amount_cents: np.ndarray, scale: np.ndarray
) -> list[Standing]:
    """Every regional minimum of ``problem`` for the awards ``amount_cents`` (whole cents) at
    ``scale`` (problem order): what verify checks, the constraints table lists and the
    sentences say (feasibility, results, narrative)."""
    amount = np.asarray(amount_cents, dtype=np.int64)
    total = int(amount.sum())
    return [
        Standing(
            region,
            Fraction(share),
            members,
            problem.region_let_off(members, scale),
            int(amount[members].sum()),
            Fraction(share) * total,
        )
        for region, share, members in problem.region_minimums
    ]


def total_max(problem: AllocationProblem) -> float:
    """The most any award set can award in total, in MIP money units (EUR 1,000): the
    ceiling row's limit or all costs together, whichever is less."""
    from ..model.mip import MONEY_UNIT_EUR

    limit = float(problem.cost_eur.sum())
    for info, rhs, sense in zip(problem.rows, problem.rhs_eur, problem.sense):
        if info.family == "ceiling" and sense == "<=":
            limit = min(limit, float(rhs))
    return limit / MONEY_UNIT_EUR


def exhausted_floor(problem: AllocationProblem, members: np.ndarray) -> float:
    """What a region's applications add up to at least (MIP money units) when each is funded
    in full, locked out, or lost its exclusive group to a partner: the full costs of those
    that are neither locked out nor in an exclusive group (0 for the others: a partner may
    take their place)."""
    from ..model.mip import MONEY_UNIT_EUR

    grouped = np.zeros(problem.n, dtype=bool)
    for group in problem.groups.values():
        if len(group) > 1:
            grouped[group] = True
    sure = members[~problem.must_not[members] & ~grouped[members]]
    return float(problem.cost_eur[sure].sum()) / MONEY_UNIT_EUR
