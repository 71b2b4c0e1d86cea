"""The board's subscription view before any award: requested against available per theme,
year and region (per inhabitant too), eligible against ineligible per reason code, and what
each impact bar (9/17/35 FTE per EUR 1M) would leave eligible."""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from .catalog import model_plans
from .domain import ELIGIBILITY_CODES, NATIONAL_REGION, THEMES, Application, RegionTable, Scenario
from .eligibility import check_all
from .families.region import REGION
from .feasibility import limit_cents

IMPACT_BARS = (9.0, 17.0, 35.0)
Row = dict[str, Any]


def _eur_sum(values: Iterable[float]) -> float:
    """A sum of euro amounts, in whole cents (every output's money rule)."""
    return round(math.fsum(values), 2)


def _ratio(requested: float, available: float | None) -> float | None:
    return None if not available else requested / available


def overview(
    applications: list[Application], scenario: Scenario, regions: RegionTable
) -> dict[str, list[Row]]:
    plans = model_plans()
    reasons = check_all(applications, scenario, plans)
    eligible = [a for a in applications if not reasons[a.application_id]]

    def theme(a: Application) -> str:
        plan = plans.get(a.use_case)
        return plan.theme if plan else (a.theme or "unknown")

    themes: list[Row] = []
    for t in THEMES:
        mine = [a for a in applications if theme(a) == t]
        ok = [a for a in mine if not reasons[a.application_id]]
        requested = _eur_sum(a.total_cost_eur for a in ok)
        themes.append(
            {
                "theme": t,
                "budget": scenario.theme_budgets.get(t),
                "requested_all": _eur_sum(a.total_cost_eur for a in mine),
                "requested_eligible": requested,
                "subscription": _ratio(requested, scenario.theme_budgets.get(t)),
                "applications": len(mine),
                "eligible": len(ok),
                "fte_eligible": math.fsum(a.fte for a in ok),
            }
        )
    total_eligible = _eur_sum(a.total_cost_eur for a in eligible)
    themes.append(
        {
            "theme": "total",
            "budget": scenario.ceiling,
            "requested_all": _eur_sum(a.total_cost_eur for a in applications),
            "requested_eligible": total_eligible,
            "subscription": _ratio(total_eligible, scenario.ceiling),
            "applications": len(applications),
            "eligible": len(eligible),
            "fte_eligible": math.fsum(a.fte for a in eligible),
        }
    )

    years = []
    for y in scenario.years:
        requested = math.fsum(a.cost_eur_by_year.get(y, 0.0) for a in eligible)
        budget = scenario.year_budgets[y]
        years.append(
            {
                "year": y,
                "budget": budget,
                "requested_eligible": requested,
                "subscription": _ratio(requested, budget),
            }
        )

    by_region: dict[str, list[Application]] = defaultdict(list)
    for a in eligible:
        by_region[a.region].append(a)
    region_rows = []
    for code in [*sorted(regions.population), NATIONAL_REGION]:
        national = code == NATIONAL_REGION
        share = None if national else regions.share(code)
        cap = None if national else REGION.cap_eur(scenario, regions, code)
        requested = _eur_sum(a.total_cost_eur for a in by_region[code])
        region_rows.append(
            {
                "region": code,
                "name": regions.names.get(code, "national" if national else ""),
                "population_share": share,
                "fair_share": None if share is None else round(share * scenario.ceiling, 2),
                "cap": None if cap is None else limit_cents(cap) / 100,  # as the constraints sheet
                "requested_eligible": requested,
                "subscription": _ratio(requested, cap),
                "eligible": len(by_region[code]),
                "eur_requested_per_inhabitant": None
                if national
                else round(requested / regions.population[code], 2),
            }
        )

    codes = []
    for code in ELIGIBILITY_CODES:
        hit = [a for a in applications if code in reasons[a.application_id]]
        if hit:
            codes.append(
                {
                    "reason": code,
                    "applications": len(hit),
                    "requested": _eur_sum(a.total_cost_eur for a in hit),
                }
            )

    bars = []
    for bar in sorted({*IMPACT_BARS, float(scenario.impact_bar)}):
        variant = scenario.model_copy(update={"impact_bar": bar})
        ok = [a for a in applications if not check_all([a], variant, plans)[a.application_id]]
        requested = _eur_sum(a.total_cost_eur for a in ok)
        row: Row = {
            "impact_bar": bar,
            "eligible": len(ok),
            "requested_eligible": requested,
            "subscription": _ratio(requested, scenario.ceiling),
            "fte_eligible": math.fsum(a.fte for a in ok),
        }
        for t in THEMES:
            row[f"requested_{t}"] = _eur_sum(a.total_cost_eur for a in ok if theme(a) == t)
        bars.append(row)
    return {
        "themes": themes,
        "years": years,
        "regions": region_rows,
        "ineligible": codes,
        "impact_bars": bars,
    }
