"""Result tables (plain rows of dicts) from an Allocation: what every writer and report shows.

Column names with money are in EUR. ``awards`` keeps the contract's columns first.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from .domain import NATIONAL_REGION, THEMES, AwardStatus
from .engine import Allocation
from .feasibility import row_usage

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


def _totals(alloc: Allocation, key: Callable[[Any], Any]) -> dict[Any, dict[str, float]]:
    """One pass over the applications: sums per group of ``key(application)``."""
    out: dict[Any, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    for app, award in _awarded(alloc):
        t = out[key(app)]
        t["applications"] += 1
        t["awarded_amount"] += award.awarded_amount_eur
        t["awarded_fte"] += award.awarded_fte
        t["applications_funded"] += award.scale > 0
        if award.status is not AwardStatus.ineligible:
            t["applications_eligible"] += 1
            t["requested_eligible"] += app.total_cost_eur
    return out


def by_theme(alloc: Allocation) -> list[Row]:
    budgets = alloc.scenario.theme_budgets
    totals = _totals(alloc, alloc.theme_of)
    return [
        {
            "theme": theme,
            "budget": budgets.get(theme),
            "requested_eligible": totals[theme]["requested_eligible"],
            "awarded_amount": totals[theme]["awarded_amount"],
            "awarded_fte": totals[theme]["awarded_fte"],
            "applications_eligible": int(totals[theme]["applications_eligible"]),
            "applications_funded": int(totals[theme]["applications_funded"]),
        }
        for theme in THEMES
    ]


def by_year(alloc: Allocation) -> list[Row]:
    scenario = alloc.scenario
    spend: dict[int, float] = defaultdict(float)
    for app, award in _awarded(alloc):
        if award.scale > 0:
            for year, cost in app.cost_eur_by_year.items():
                spend[year] += award.scale * cost
    rows, cumulative_budget, cumulative_spend = [], 0.0, 0.0
    for year in scenario.years:
        cumulative_budget += scenario.year_budgets[year]
        cumulative_spend += spend[year]
        rows.append(
            {
                "year": year,
                "budget": scenario.year_budgets[year],
                "spend": spend[year],
                "cumulative_budget": cumulative_budget,
                "cumulative_spend": cumulative_spend,
            }
        )
    return rows


def by_region(alloc: Allocation) -> list[Row]:
    scenario, regions = alloc.scenario, alloc.regions
    totals = _totals(alloc, lambda app: app.region)
    rows = []
    for code in [*sorted(regions.population), NATIONAL_REGION]:
        t = totals[code]
        national = code == NATIONAL_REGION
        share = None if national else regions.share(code)
        cap = None
        if share is not None and scenario.region_max_factor is not None:
            cap = scenario.region_max_factor * share * scenario.ceiling
        rows.append(
            {
                "region": code,
                "name": regions.names.get(code, "national" if national else ""),
                "population_share": share,
                "cap": cap,
                "awarded_amount": t["awarded_amount"],
                "awarded_fte": t["awarded_fte"],
                "applications": int(t["applications"]),
                "applications_funded": int(t["applications_funded"]),
                "eur_per_inhabitant": None
                if national
                else t["awarded_amount"] / regions.population[code],
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
    usage = row_usage(alloc.problem, alloc.scales()).tolist()
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
        "ceiling": alloc.scenario.ceiling,
        "applications": len(alloc.applications),
        "counts": counts,
        "mip_rel_gap_tolerance": alloc.options.mip_rel_gap if r.method.value == "optimal" else None,
        "message": r.message,
        "conflicts": r.conflicts,
    }


def awards_frame(alloc: Allocation) -> pd.DataFrame:
    """The awards table as a pandas DataFrame indexed by application_id (for notebooks)."""
    import pandas as pd

    return pd.DataFrame(awards_rows(alloc)).set_index("application_id")
