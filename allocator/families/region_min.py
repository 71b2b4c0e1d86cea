"""region_min:<r>: region total >= factor * p_r * total awarded, applications permitting.

"Permitting": a region whose eligible applications are all funded in full (or locked out,
or lost their exclusive group to a funded partner) has done what it can; the MIP lets such a
region off (see ``extend_mip``). An application that no award set can fund (its smallest
award alone breaks a cap) does not count: a region with only such applications has no
minimum, otherwise one of them would hold every award at zero.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

import numpy as np

from ..model.problem import ConstraintInfo, never_fundable
from .base import Family

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
        never = never_fundable(problem)
        regions = context.regions
        for region in sorted(regions.population):
            members = np.flatnonzero((context.app_region == region) & ~never)
            if len(members):
                share = scenario.region_min_factor * regions.share(region)
                problem.region_minimums.append((region, share, members))

    def extend_mip(
        self, rows: _Rows, model: LinearModel, problem: AllocationProblem
    ) -> LinearModel:
        """region_min:<r>: sum_{i in r} C_i s_i - f p_r T + M v_r >= 0, with T the total
        awarded (column ``total``, row ``total``: sum_i C_i s_i - T = 0) and v_r a binary "let
        off" column; region_min_exempt:<r>:<id>: s_i + sum of i's exclusive partners' choices
        >= v_r for every application of r not locked out, so a region is let off only when
        its applications permit no more ("applications of that region permitting")."""
        from ..model.mip import CONTINUOUS, INTEGER, MONEY_UNIT_EUR

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
                [self.info(region)],
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
