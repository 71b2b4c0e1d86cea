"""must_fund / must_not: the board's locks by application_id.

They are bounds, not rows: model/mip.py fixes a must_fund application's choice at 1 and a
must_not one's scale and choice at 0; the walks fund must_fund first and skip must_not
(baselines.with_locks); diagnose.py lets a must_fund lock give way (``elastic_bounds``: rows ``must_fund:<id>``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from .base import AwardedCents, BoundRule, Family

if TYPE_CHECKING:
    from ..domain import Scenario
    from ..model.mip import LinearModel
    from ..model.problem import AllocationProblem
    from .base import BuildContext


class Locks(Family):
    name = "locks"
    prefixes = ("must_fund", "must_not")
    keys = ("must_fund", "must_not")
    elastic = True

    def build(self, problem: AllocationProblem, scenario: Scenario, context: BuildContext) -> None:
        """Ids outside the problem are checked upstream."""
        ids = np.array(problem.app_ids, dtype=object)
        problem.must_fund = np.isin(ids, list(scenario.must_fund))
        problem.must_not = np.isin(ids, list(scenario.must_not))

    def check(self, problem: AllocationProblem, awarded: AwardedCents) -> list[str]:
        funded = awarded.funded
        return [
            f"must_fund:{problem.app_ids[i]}: not funded"
            for i in np.flatnonzero(problem.must_fund & ~funded)
        ] + [
            f"must_not:{problem.app_ids[i]}: funded"
            for i in np.flatnonzero(problem.must_not & funded)
        ]

    def elastic_bounds(self, model: LinearModel, problem: AllocationProblem) -> list[BoundRule]:
        """must_fund:<id>: the application's choice column at 1 (may give way; must_not may
        not: leaving an application out never makes a scenario infeasible)."""
        return [
            BoundRule(
                f"must_fund:{problem.app_ids[i]}", problem.app_ids[i], int(model.choice_col[i])
            )
            for i in np.flatnonzero(problem.must_fund)
        ]


LOCKS = Locks()
