"""theme:<t>: sum over i in t of s_i C_i <= theme_budgets[t] (themes without a cap: none)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from ..domain import THEMES
from .base import Family

if TYPE_CHECKING:
    from ..domain import RegionTable, Scenario
    from ..model.problem import AllocationProblem
    from .base import BuildContext

THEME_NAMES = {
    "ai": "AI",
    "digital_hybrid": "digital & hybrid care",
    "medtech": "medical technology",
}
"""A theme in words."""


class ThemeBudget(Family):
    name = "theme"
    keys = ("theme_budgets",)
    priced = True
    elastic = True
    sense = "<="

    def amounts(self, scenario: Scenario) -> dict[str, float]:
        """Theme -> its budget in EUR (themes without one left out)."""
        amounts: dict[str, float] = {t: eur for t, eur in scenario.theme_budgets.items()}
        return amounts

    def applies(self, scenario: Scenario) -> bool:
        return bool(self.amounts(scenario))

    def build(self, problem: AllocationProblem, scenario: Scenario, context: BuildContext) -> None:
        amounts = self.amounts(scenario)
        for theme in THEMES:
            if theme in amounts:
                members = np.flatnonzero(context.app_theme == theme)
                problem.add_row(
                    self.info(theme),
                    amounts[theme],
                    members,
                    problem.cost_eur[members],
                    sense=self.sense,
                )

    def describe(self, entity: str, scenario: Scenario, regions: RegionTable) -> str | None:
        return f"the {THEME_NAMES.get(entity, entity)} theme budget"


THEME = ThemeBudget()
