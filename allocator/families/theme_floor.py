"""theme_floor:<t>: sum over i in t of s_i C_i >= theme_floors[t] (board rule)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .theme import ThemeBudget

if TYPE_CHECKING:
    from ..domain import RegionTable, Scenario


class ThemeFloor(ThemeBudget):
    name = "theme_floor"
    keys = ("theme_floors",)
    priced = False
    elastic = True
    walks_honour = False
    sense = ">="

    def amounts(self, scenario: Scenario) -> dict[str, float]:
        """Theme -> its floor in EUR (themes without one left out)."""
        amounts: dict[str, float] = {t: eur for t, eur in scenario.theme_floors.items()}
        return amounts

    def describe(self, entity: str, scenario: Scenario, regions: RegionTable) -> None:
        return None


THEME_FLOOR = ThemeFloor()
