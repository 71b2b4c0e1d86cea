"""Result tables (plain rows of dicts) from an Allocation: what every writer and report shows.

Column names with money are in EUR. ``awards`` keeps the contract's columns first.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from .domain import NATIONAL_REGION, THEMES, AwardStatus
from .engine import Allocation, row_usage

if TYPE_CHECKING:
    import pandas as pd

AWARD_COLUMNS = ["application_id", "status", "scale", "awarded_amount", "awarded_fte", "reason"]
Row = dict[str, Any]


def awards_rows(alloc: Allocation) -> list[Row]:
    """One row per application of the input, in input order."""
    out = []
    for app, award in zip(alloc.applications, alloc.result.awards):
        cost = app.total_cost_eur
        out.append(
            {
                "application_id": award.application_id,
                "status": award.status.value,
                "scale": award.scale,
                "awarded_amount": award.awarded_amount_eur,
                "awarded_fte": award.awarded_fte,
                "reason": award.reason,
                "title": app.title,
                "use_case": app.use_case,
                "theme": alloc.theme_of(app) or "",
                "region": app.region,
                "requested_amount": cost,
                "requested_fte": app.fte,
                "fte_per_meur": None if cost == 0 else app.fte / (cost / 1e6),
                "min_scale": app.min_scale,
                "exclusive_group": app.exclusive_group or "",
                "deviates_from_model_plan": app.deviates_from_model_plan,
                "submitted_at": app.submitted_at.isoformat(),
            }
        )
    return out


def _awarded(alloc: Allocation) -> list[tuple[Any, Any]]:
    return list(zip(alloc.applications, alloc.result.awards))


def by_theme(alloc: Allocation) -> list[Row]:
    budgets = alloc.scenario.theme_budgets_eur
    rows = []
    for theme in THEMES:
        pairs = [(a, w) for a, w in _awarded(alloc) if alloc.theme_of(a) == theme]
        eligible = [(a, w) for a, w in pairs if w.status is not AwardStatus.ineligible]
        rows.append(
            {
                "theme": theme,
                "budget": budgets.get(theme),
                "requested_eligible": math.fsum(a.total_cost_eur for a, _ in eligible),
                "awarded_amount": math.fsum(w.awarded_amount_eur for _, w in pairs),
                "awarded_fte": math.fsum(w.awarded_fte for _, w in pairs),
                "applications_eligible": len(eligible),
                "applications_funded": sum(w.scale > 0 for _, w in pairs),
            }
        )
    return rows


def by_year(alloc: Allocation) -> list[Row]:
    scenario = alloc.scenario
    rows, cumulative_budget, cumulative_spend = [], 0.0, 0.0
    for year in scenario.years:
        spend = math.fsum(
            w.scale * a.cost_eur_by_year.get(year, 0.0) for a, w in _awarded(alloc) if w.scale > 0
        )
        cumulative_budget += scenario.year_budgets_eur[year]
        cumulative_spend += spend
        rows.append(
            {
                "year": year,
                "budget": scenario.year_budgets_eur[year],
                "spend": spend,
                "cumulative_budget": cumulative_budget,
                "cumulative_spend": cumulative_spend,
            }
        )
    return rows


def by_region(alloc: Allocation) -> list[Row]:
    scenario, regions = alloc.scenario, alloc.regions
    rows = []
    for code in [*sorted(regions.population), NATIONAL_REGION]:
        pairs = [(a, w) for a, w in _awarded(alloc) if a.region == code]
        share = regions.share(code) if code != NATIONAL_REGION else None
        cap = None
        if share is not None and scenario.region_max_factor is not None:
            cap = scenario.region_max_factor * share * scenario.ceiling_eur
        awarded = math.fsum(w.awarded_amount_eur for _, w in pairs)
        rows.append(
            {
                "region": code,
                "name": regions.names.get(code, "national" if code == NATIONAL_REGION else ""),
                "population_share": share,
                "cap": cap,
                "awarded_amount": awarded,
                "awarded_fte": math.fsum(w.awarded_fte for _, w in pairs),
                "applications": len(pairs),
                "applications_funded": sum(w.scale > 0 for _, w in pairs),
                "eur_per_inhabitant": None
                if code == NATIONAL_REGION
                else awarded / regions.population[code],
            }
        )
    return rows


def ineligible_rows(alloc: Allocation) -> list[Row]:
    return [
        {"application_id": a.application_id, "title": a.title, "reason": w.reason}
        for a, w in _awarded(alloc)
        if w.status is AwardStatus.ineligible
    ]


def constraint_rows(alloc: Allocation) -> list[Row]:
    """Every budget row with its use and slack (EUR)."""
    if alloc.result.awards == [] or alloc.problem.n == 0:
        usage = [0.0] * len(alloc.problem.rows)
    else:
        index = {a: i for i, a in enumerate(alloc.problem.app_ids)}
        import numpy as np

        scale = np.zeros(alloc.problem.n)
        for w in alloc.result.awards:
            if w.application_id in index:
                scale[index[w.application_id]] = w.scale
        usage = row_usage(alloc.problem, scale).tolist()
    return [
        {
            "constraint": info.name,
            "family": info.family,
            "limit": rhs,
            "used": used,
            "slack": rhs - used,
        }
        for info, rhs, used in zip(alloc.problem.rows, alloc.problem.rhs_eur, usage)
    ]


def summary(alloc: Allocation) -> Row:
    r = alloc.result
    counts = {s.value: 0 for s in AwardStatus}
    for w in r.awards:
        counts[w.status.value] += 1
    return {
        "method": r.method.value,
        "status": r.status.value,
        "objective_fte": r.objective_fte,
        "total_awarded": r.total_awarded_eur,
        "bound": r.bound,
        "gap": r.gap,
        "solver": r.solver,
        "scenario": alloc.scenario.name,
        "ceiling": alloc.scenario.ceiling_eur,
        "applications": len(alloc.applications),
        "counts": counts,
        "mip_rel_gap_tolerance": alloc.options.mip_rel_gap if r.method.value == "optimal" else None,
        "message": r.message,
    }


def awards_frame(alloc: Allocation) -> pd.DataFrame:
    """The awards table as a pandas DataFrame indexed by application_id (for notebooks)."""
    import pandas as pd

    return pd.DataFrame(awards_rows(alloc)).set_index("application_id")
