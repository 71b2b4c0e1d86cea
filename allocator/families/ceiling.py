"""ceiling: sum_i s_i C_i <= ceiling (CONTRACT.md)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from .base import Family

if TYPE_CHECKING:
    from ..domain import RegionTable, Scenario
    from ..model.problem import AllocationProblem
    from .base import BuildContext


class Ceiling(Family):
    name = "ceiling"
    keys = ("ceiling",)
    priced = True
    elastic = True

    def build(self, problem: AllocationProblem, scenario: Scenario, context: BuildContext) -> None:
        problem.add_row(self.info(), scenario.ceiling, np.arange(problem.n), problem.cost_eur)

    def describe(self, entity: str, scenario: Scenario, regions: RegionTable) -> str:
        from ..narrative import eur

        return f"the {eur(scenario.ceiling)} ceiling"


CEILING = Ceiling()
