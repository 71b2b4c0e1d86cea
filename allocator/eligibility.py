"""The basic requirements of CONTRACT.md, applied before anything is optimised."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from .domain import ELIGIBILITY_CODES, Application, ModelPlan, Scenario


def ineligibility_reasons(
    app: Application, scenario: Scenario, plans: Mapping[str, ModelPlan]
) -> list[str]:
    """Every reason code that makes ``app`` ineligible, in contract order; [] if eligible."""
    codes: set[str] = set()
    plan = plans.get(app.use_case)
    if plan is None:
        codes.add("unknown_use_case")
    elif app.theme is not None and app.theme != plan.theme:
        codes.add("theme_mismatch")
    cost = app.total_cost_eur
    if cost == 0:
        codes.add("zero_cost")
    elif app.fte / (cost / 1e6) < scenario.impact_bar:
        codes.add("below_impact_bar")
    if app.structural_savings_eur < app.structural_cost_eur:
        codes.add("structural_gap")
    single_allowed = plan.single_applicant_allowed if plan is not None else False
    if app.parties < 2 and not single_allowed:
        codes.add("single_party")
    funded = scenario.year_budgets
    if any(amount > 0 and year not in funded for year, amount in app.cost_eur_by_year.items()):
        codes.add("outside_window")
    if scenario.project_cap is not None and cost > scenario.project_cap:
        codes.add("over_project_cap")
    return [c for c in ELIGIBILITY_CODES if c in codes]


def check_all(
    apps: Iterable[Application], scenario: Scenario, plans: Mapping[str, ModelPlan]
) -> dict[str, list[str]]:
    """application_id -> reason codes (empty list = eligible)."""
    return {a.application_id: ineligibility_reasons(a, scenario, plans) for a in apps}
