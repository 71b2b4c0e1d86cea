"""Reasons in words, for the award sheet and the per-application cards.

Every number in a sentence comes from the award set or from the re-solves in explain.py.
"""

from __future__ import annotations

import numpy as np

from .domain import Application, Award, AwardStatus
from .engine import Allocation
from .explain import ApplicationExplanation, Explanations
from .model.problem import too_big_alone

THEME_NAMES = {
    "ai": "AI",
    "digital_hybrid": "digital & hybrid care",
    "medtech": "medical technology",
}


def eur(value: float) -> str:
    if abs(value) >= 1e6:
        return f"EUR {value / 1e6:,.1f}M"
    return f"EUR {value:,.0f}"


def describe_constraint(name: str, alloc: Allocation) -> str:
    """A constraint name as words: 'theme:ai' -> 'the AI theme budget'."""
    family, _, entity = name.partition(":")
    if family == "ceiling":
        return f"the {eur(alloc.scenario.ceiling)} ceiling"
    if family == "theme":
        return f"the {THEME_NAMES.get(entity, entity)} theme budget"
    if family == "year":
        return f"the {entity} budget" + (" (with carry-over)" if alloc.scenario.carry_over else "")
    if family == "region":
        return f"the regional cap of {alloc.regions.names.get(entity, entity)}"
    if family == "exclusive":
        return f"exclusive group {entity}"
    return name


def ineligible_text(app: Application, codes: list[str], alloc: Allocation) -> str:
    scen = alloc.scenario
    plan = alloc.plans.get(app.use_case)
    words = {
        "unknown_use_case": f"its use case {app.use_case!r} is not one of the national model plans",
        "theme_mismatch": f"its theme {app.theme!r} is not the model plan's theme "
        f"{plan.theme if plan else '?'!r}",
        "below_impact_bar": f"it saves {app.fte_per_meur:.1f} FTE per EUR 1M, below the bar of "
        f"{scen.impact_bar:g}",
        "structural_gap": f"its structural savings ({eur(app.structural_savings_eur)} a year) are "
        f"below its structural costs ({eur(app.structural_cost_eur)} a year)",
        "single_party": "it is filed by a single party; the model plan asks for a joint application",
        "outside_window": "it plans spending outside the funding years "
        f"{', '.join(str(y) for y in scen.years)}",
        "over_project_cap": f"its request of {eur(app.total_cost_eur)} is above the project cap of "
        f"{eur(scen.project_cap or 0)}",
        "zero_cost": "it requests no money",
    }
    return "Ineligible: " + "; ".join(words.get(c, c) for c in codes) + "."


def _too_big_text(app: Application, alloc: Allocation) -> str:
    """Why an application can never be funded, where its smallest award alone breaks a cap
    (model/problem.py too_big_alone); '' otherwise."""
    problem = alloc.problem
    i = problem.app_ids.index(app.application_id)
    rows, apps, need = too_big_alone(problem)
    mine = np.flatnonzero(apps == i)
    if not len(mine):
        return ""
    k = int(rows[mine[0]])
    at = "" if app.min_scale >= 1.0 else f" ({app.min_scale:.0%})"
    return (
        f"Not funded: even its smallest award{at} needs {eur(float(need[mine[0]]))} under "
        f"{describe_constraint(problem.rows[k].name, alloc)}, which holds "
        f"{eur(problem.rhs_eur[k])} in all; no award set can fund it."
    )


def _marginal(alloc: Allocation, constraint: str, theme: str | None) -> str:
    """The funded application with the lowest FTE per EUR 1M under a constraint."""
    problem = alloc.problem
    k = problem.row_index().get(constraint)
    if k is None:
        return ""
    rows, apps, coefs = problem.triplets()
    members = set(apps[(rows == k) & (coefs > 0)].tolist())
    scale = {w.application_id: w.scale for w in alloc.result.awards}
    funded = [i for i in members if scale.get(problem.app_ids[i], 0) > 0]
    if not funded:
        return ""
    ratio = {i: problem.fte[i] / (problem.cost_eur[i] / 1e6) for i in funded}
    low = min(funded, key=lambda i: (ratio[i], problem.app_ids[i]))
    what = (
        f"{THEME_NAMES.get(theme or '', '')} project".strip()
        if constraint.startswith("theme")
        else "project"
    )
    return f"the marginal funded {what} there ({problem.app_ids[low]}) saves {ratio[low]:.1f}"


def decision_text(
    app: Application, award: Award, e: ApplicationExplanation | None, alloc: Allocation
) -> str:
    """One paragraph: what was decided and why, with the re-solved numbers."""
    if award.status is AwardStatus.ineligible:
        return ineligible_text(app, award.reason.split(";"), alloc)
    ratio = app.fte_per_meur
    binding = e.binding if e else []
    full = [describe_constraint(b, alloc) for b in binding]
    if award.status is AwardStatus.awarded:
        text = f"Funded in full: {eur(award.awarded_amount_eur)} for {award.awarded_fte:,.1f} FTE ({ratio:.1f} FTE per EUR 1M)."
    elif award.status is AwardStatus.partial:
        text = (
            f"Funded at {award.scale:.0%}: {eur(award.awarded_amount_eur)} of {eur(app.total_cost_eur)}, "
            f"{award.awarded_fte:,.1f} FTE; scaled down because "
            + (
                ", ".join(full) + (" is" if len(full) == 1 else " are") + " exhausted."
                if full
                else "its budgets are full."
            )
        )
    elif e is not None and e.forced_infeasible and (alone := _too_big_text(app, alloc)):
        text = alone
    else:
        text = "Not funded: " + (
            ", ".join(full) + (" is" if len(full) == 1 else " are") + " exhausted"
            if full
            else award.reason
        )
        if e is not None and e.forced_infeasible:
            text += (
                f"; it cannot be funded even at {app.min_scale:.0%} with the other rules in place."
            )
        elif e is not None and e.fte_loss_if_forced is not None:
            text += (
                f"; funding it at {app.min_scale:.0%} would cost {e.fte_loss_if_forced:,.1f} FTE in "
                f"total (it saves {ratio:.1f} FTE per EUR 1M"
            )
            caps = [b for b in binding if not b.startswith("exclusive")]
            marginal = _marginal(alloc, caps[0], alloc.theme_of(app)) if caps else ""
            text += f"; {marginal})." if marginal else ")."
        else:
            text += "."
    if e is not None and e.fte_loss_if_removed is not None:
        text += f" Without it the best award set would save {e.fte_loss_if_removed:,.1f} FTE less."
    return text


def texts(alloc: Allocation, ex: Explanations | None) -> dict[str, str]:
    """application_id -> decision text, for every application."""
    out = {}
    for app, award in zip(alloc.applications, alloc.result.awards):
        e = ex.applications.get(app.application_id) if ex else None
        out[app.application_id] = decision_text(app, award, e, alloc)
    return out


def cards_markdown(alloc: Allocation, ex: Explanations) -> str:
    """One Markdown card per application: the decision, its numbers and its reason."""
    words = texts(alloc, ex)
    lines = [
        f"# Decisions: {alloc.scenario.name}",
        "",
        f"Optimal award set: {alloc.result.objective_fte:,.1f} FTE for "
        f"{eur(alloc.result.total_awarded_eur or 0)}. FTE per EUR 1M more under each full budget:",
        "",
    ]
    for name, value in ex.shadow_prices.items():
        if value > 0:
            lines.append(f"- {describe_constraint(name, alloc)} (`{name}`): {value:,.2f} FTE")
    lines.append("")
    for app, award in zip(alloc.applications, alloc.result.awards):
        e = ex.applications.get(app.application_id)
        lines += [
            f"## {app.application_id}: {app.title or app.use_case}",
            "",
            f"- decision: **{award.status.value}**, scale {award.scale:.4f}, "
            f"{eur(award.awarded_amount_eur)} of {eur(app.total_cost_eur)}, {award.awarded_fte:,.1f} FTE",
            f"- use case: {app.use_case}; region: {app.region}; {app.fte_per_meur:.1f} FTE per EUR 1M"
            if app.total_cost_eur
            else f"- use case: {app.use_case}; region: {app.region}",
        ]
        if e is not None:
            lines.append(f"- tight budgets it draws on: {', '.join(e.binding) or 'none'}")
            if e.fte_loss_if_forced is not None:
                lines.append(f"- FTE lost if funded at min_scale: {e.fte_loss_if_forced:,.3f}")
            if e.forced_infeasible:
                lines.append("- cannot be funded at min_scale with the other rules in place")
            if e.fte_loss_if_removed is not None:
                lines.append(f"- FTE lost without it: {e.fte_loss_if_removed:,.3f}")
        lines += ["", words[app.application_id], ""]
    return "\n".join(lines)
