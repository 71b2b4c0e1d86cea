"""year:<y>: spend in y <= budget of y; with carry_over the caps are cumulative."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from ..model.problem import ConstraintInfo
from .base import Family

if TYPE_CHECKING:
    from ..domain import RegionTable, Scenario
    from ..model.problem import AllocationProblem
    from .base import BuildContext


class YearBudget(Family):
    name = "year"
    keys = ("years", "year_budgets", "carry_over")
    priced = True
    elastic = True

    def build(self, problem: AllocationProblem, scenario: Scenario, context: BuildContext) -> None:
        cumulative_cost = np.cumsum(problem.cost_by_year_eur, axis=1)
        cumulative_budget = 0.0
        everyone = np.arange(problem.n)
        for j, year in enumerate(problem.years):
            budget = scenario.year_budgets[year]
            cumulative_budget += budget
            if scenario.carry_over:
                problem.add_row(
                    self.info(str(year)),
                    cumulative_budget,
                    everyone,
                    cumulative_cost[:, j],
                )
            else:
                problem.add_row(
                    self.info(str(year)),
                    budget,
                    everyone,
                    problem.cost_by_year_eur[:, j],
                )

    def year_of(self, info: ConstraintInfo, years: list[int]) -> int | None:
        """The index in ``years`` of the year a row of this family caps; None otherwise."""
        if info.family == self.name and info.entity.isdigit() and int(info.entity) in years:
            return years.index(int(info.entity))
        return None

    def describe(self, entity: str, scenario: Scenario, regions: RegionTable) -> str:
        if scenario.carry_over:  # the row caps spending up to that year
            return f"the cumulative budget {scenario.years[0]}-{entity} (with carry-over)"
        return f"the {entity} budget"


YEAR = YearBudget()
