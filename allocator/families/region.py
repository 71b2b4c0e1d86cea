"""region:<r>: sum over i in r of s_i C_i <= factor * p_r * ceiling; NL is exempt.

The one place of the region cap's formula (results.py and overview.py ask ``cap_eur``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from .base import Family

if TYPE_CHECKING:
    from ..domain import RegionTable, Scenario
    from ..model.problem import AllocationProblem
    from .base import BuildContext


class RegionCap(Family):
    name = "region"
    keys = ("region_max_factor", "ceiling", "regions")
    priced = True
    elastic = True

    def applies(self, scenario: Scenario) -> bool:
        return scenario.region_max_factor is not None

    def cap_eur(self, scenario: Scenario, regions: RegionTable, region: str) -> float | None:
        """The cap of a region of the table in EUR: factor * p_r * ceiling; None without one."""
        if scenario.region_max_factor is None:
            return None
        return scenario.region_max_factor * regions.share(region) * scenario.ceiling

    def build(self, problem: AllocationProblem, scenario: Scenario, context: BuildContext) -> None:
        """A row for every region of the table, also one without applications, so shadow
        prices and reports cover all regions."""
        for region in sorted(context.regions.population):
            members = np.flatnonzero(context.app_region == region)
            cap = self.cap_eur(scenario, context.regions, region)
            if cap is None:  # no region_max_factor: the family does not apply
                return
            problem.add_row(self.info(region), cap, members, problem.cost_eur[members])

    def describe(self, entity: str, scenario: Scenario, regions: RegionTable) -> str:
        return f"the regional cap of {regions.names.get(entity, entity)}"


REGION = RegionCap()
