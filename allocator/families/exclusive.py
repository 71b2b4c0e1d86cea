"""exclusive:<group>: at most one member of an exclusive group is funded.

The groups come from the applications (``exclusive_group``), not the scenario; the MIP row
is the sum of the members' choices <= 1 (a group of one restricts nothing).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from .base import Family

if TYPE_CHECKING:
    from ..domain import RegionTable, Scenario
    from ..model.mip import LinearModel, _Rows
    from ..model.problem import AllocationProblem
    from .base import AwardedCents, BuildContext


class ExclusiveGroup(Family):
    name = "exclusive"
    keys = ()

    def build(self, problem: AllocationProblem, scenario: Scenario, context: BuildContext) -> None:
        """problem.groups: group -> app indices (every group of >= 1 application)."""
        groups: dict[str, list[int]] = {}
        for i, a in enumerate(context.apps):
            if a.exclusive_group is not None:
                groups.setdefault(a.exclusive_group, []).append(i)
        problem.groups = groups

    def check(self, problem: AllocationProblem, awarded: AwardedCents) -> list[str]:
        funded = awarded.funded
        out = []
        for group, members in problem.groups.items():
            chosen = [problem.app_ids[i] for i in members if funded[i]]
            if len(chosen) > 1:
                out.append(
                    f"exclusive:{group}: {len(chosen)} awarded ({', '.join(chosen)}), at most 1"
                )
        return out

    def extend_mip(
        self, rows: _Rows, model: LinearModel, problem: AllocationProblem
    ) -> LinearModel:
        for group in sorted(problem.groups):
            members = problem.groups[group]
            if len(members) >= 2:
                rows.add(
                    [self.info(group)],
                    [-np.inf],
                    [1.0],
                    np.zeros(len(members)),
                    model.choice_col[members],
                    np.ones(len(members)),
                )
        return model

    def describe(self, entity: str, scenario: Scenario, regions: RegionTable) -> str:
        return f"exclusive group {entity}"


EXCLUSIVE = ExclusiveGroup()
