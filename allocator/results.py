"""Result tables (plain rows of dicts) from an Allocation: what every writer and report shows.

Column names with money are in EUR, every amount whole cents (feasibility.py's money rule):
totals are sums of cents, a year's spend is the sum of the awards' year splits, a cap's
limit is the cent below. ``awards`` keeps the contract's columns first.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import numpy as np

from .domain import NATIONAL_REGION, THEMES, AwardStatus, Method
from .engine import Allocation
from .families.region import REGION
from .families.region_min import standings
from .feasibility import limit_cents, row_cents, to_cents, year_cents

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
                "requested_amount": _eur(to_cents(cost)),
                "requested_fte": app.fte,
                "fte_per_meur": None if cost == 0 else app.fte / (cost / 1e6),
                "min_scale": app.min_scale,
                "exclusive_group": app.exclusive_group or "",
                "deviates_from_model_plan": app.deviates_from_model_plan,
                "submitted_at": app.submitted_at.isoformat(),
            }
        )
    return out


def _eur(cents: int) -> float:
    """Cents as euros: the float whose shortest text has at most two decimals."""
    return int(cents) / 100


def _awarded(alloc: Allocation) -> list[tuple[Any, Any]]:
    return list(zip(alloc.applications, alloc.result.awards))


def _totals(alloc: Allocation, key: Callable[[Any], Any]) -> dict[Any, dict[str, float]]:
    """One pass over the applications: sums per group of ``key(application)`` (money in
    cents, turned into euros at the end)."""
    out: dict[Any, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    for app, award in _awarded(alloc):
        t = out[key(app)]
        t["applications"] += 1
        t["awarded_cents"] += to_cents(award.awarded_amount_eur)
        t["awarded_fte"] += award.awarded_fte
        t["applications_funded"] += award.scale > 0
        if award.status is not AwardStatus.ineligible:
            t["applications_eligible"] += 1
            t["requested_cents"] += to_cents(app.total_cost_eur)
    for t in out.values():
        t["awarded_amount"] = _eur(int(t["awarded_cents"]))
        t["requested_eligible"] = _eur(int(t["requested_cents"]))
    return out


def by_theme(alloc: Allocation) -> list[Row]:
    budgets = alloc.scenario.theme_budgets
    totals = _totals(alloc, alloc.theme_of)
    return [
        {
            "theme": theme,
            "budget": None if theme not in budgets else _eur(limit_cents(budgets[theme])),
            "requested_eligible": totals[theme]["requested_eligible"],
            "awarded_amount": totals[theme]["awarded_amount"],
            "awarded_fte": totals[theme]["awarded_fte"],
            "applications_eligible": int(totals[theme]["applications_eligible"]),
            "applications_funded": int(totals[theme]["applications_funded"]),
        }
        for theme in THEMES
    ]


def by_year(alloc: Allocation) -> list[Row]:
    """Spend per year: each award's year split in cents (adding up to the award)."""
    scenario = alloc.scenario
    years = scenario.years
    spend = dict.fromkeys(years, 0)
    for app, award in _awarded(alloc):
        cents = to_cents(award.awarded_amount_eur)
        if cents > 0:
            split = year_cents(
                cents, [app.cost_eur_by_year.get(y, 0.0) for y in years], app.total_cost_eur
            )
            for year, part in zip(years, split):
                spend[year] += part
    rows, cumulative_budget, cumulative_spend = [], 0, 0
    for year in years:
        budget = limit_cents(scenario.year_budgets[year])
        cumulative_budget += budget
        cumulative_spend += spend[year]
        rows.append(
            {
                "year": year,
                "budget": _eur(budget),
                "spend": _eur(spend[year]),
                "cumulative_budget": _eur(cumulative_budget),
                "cumulative_spend": _eur(cumulative_spend),
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
        cap_eur = None if national else REGION.cap_eur(scenario, regions, code)
        cap = None if cap_eur is None else _eur(limit_cents(cap_eur))
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
                else round(t["awarded_amount"] / regions.population[code], 2),
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
    """Every budget row with its limit, use and slack (EUR, whole cents: the limit of a cap
    is the cent below, of a floor the cent above; slack is what is left under a cap and what
    a floor is exceeded by, so never negative in an award set that keeps the rules), then
    the regional minimums of the board rules (``region_min:<r>``, a floor of factor x
    population share x the total awarded, to the cent below: awards are whole cents, and a
    minimum may be missed by the few cents whole-cent rounding moves, as verify allows; limit
    0 where the region is let off: each of its applications funded in full, locked out or
    beaten by a group partner)."""
    problem = alloc.problem
    amount = {w.application_id: to_cents(w.awarded_amount_eur) for w in alloc.result.awards}
    cents = np.array([amount.get(a, 0) for a in problem.app_ids], dtype=np.int64)
    used, limit = row_cents(problem, cents)
    rows = [
        {
            "constraint": info.name,
            "family": info.family,
            "limit": _eur(lim),
            "used": _eur(u),
            "slack": _eur(lim - u if sense == "<=" else u - lim),
        }
        for info, lim, u, sense in zip(problem.rows, limit, used, problem.sense)
    ]
    if alloc.scenario.region_min_factor is None or not alloc.result.awards:
        return rows
    for st in standings(problem, cents, alloc.scales()):
        need = 0 if st.let_off else math.floor(st.need)
        rows.append(
            {
                "constraint": f"region_min:{st.region}",
                "family": "region_min",
                "limit": _eur(need),
                "used": _eur(st.held),
                "slack": _eur(st.held - need),
            }
        )
    return rows


def summary(alloc: Allocation) -> Row:
    r = alloc.result
    counts: dict[str, int | None] = {s.value: 0 for s in AwardStatus}
    for w in r.awards:
        counts[w.status.value] = (counts[w.status.value] or 0) + 1
    if not r.awards:  # no award set: eligibility is known, the rest was never decided
        counts = {s.value: None for s in AwardStatus}
        counts[AwardStatus.ineligible.value] = len(alloc.ineligible)
    return {
        "method": r.method.value,
        "status": r.status.value,
        "objective_fte": r.objective_fte,
        "total_awarded": _eur(sum(to_cents(w.awarded_amount_eur) for w in r.awards))
        if r.awards
        else r.total_awarded_eur,
        "bound": r.bound,
        "gap": r.gap,
        "solver": r.solver,
        "scenario": alloc.scenario.name,
        "ceiling": alloc.scenario.ceiling,
        "applications": len(alloc.applications),
        "counts": counts,
        "mip_rel_gap_tolerance": alloc.options.mip_rel_gap if r.method is Method.optimal else None,
        "message": r.message,
        "conflicts": r.conflicts,
    }


def awards_frame(alloc: Allocation) -> pd.DataFrame:
    """The awards table as a pandas DataFrame indexed by application_id (for notebooks):
    status, scale (0-1), awarded_amount and requested_amount in EUR, awarded_fte in FTE,
    reason, then the application's own columns."""
    import pandas as pd

    return pd.DataFrame(awards_rows(alloc)).set_index("application_id")
