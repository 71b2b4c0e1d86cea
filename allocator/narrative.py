"""Reasons in words, for the award sheet and the per-application cards.

Every number in a sentence comes from the award set or from the re-solves in explain.py.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction

import numpy as np

from .domain import Application, Award, AwardStatus
from .engine import Allocation
from .explain import ApplicationExplanation, Explanations
from .families import family_of
from .families.region_min import standings
from .families.theme import THEME_NAMES as THEME_NAMES  # its home is the theme family
from .feasibility import to_cents
from .reasons import FULL_EUR, Decision, decide


def eur(value: float) -> str:
    """Euros as a letter writes them: EUR 12,302,000 or EUR 3,948,631.45 (to the cent)."""
    cents = round(value * 100)
    if cents % 100 == 0:
        return f"EUR {cents // 100:,}"
    return f"EUR {cents / 100:,.2f}"


def describe_constraint(name: str, alloc: Allocation) -> str:
    """A constraint name as words: 'theme:ai' -> 'the AI theme budget' (the family of the
    name's prefix describes it, allocator/families; a row without words is its name)."""
    family = family_of(name)
    if family is None:
        return name
    words = family.describe(name.partition(":")[2], alloc.scenario, alloc.regions)
    return name if words is None else words


def ineligible_text(app: Application, codes: list[str], alloc: Allocation) -> str:
    scen = alloc.scenario
    plan = alloc.plans.get(app.use_case)
    words: dict[str, Callable[[], str]] = {  # only the codes given are put in words
        "unknown_use_case": lambda: (
            f"its use case {app.use_case!r} is not one of the national model plans"
        ),
        "theme_mismatch": lambda: (
            f"its theme {app.theme!r} is not the model plan's theme {plan.theme if plan else '?'!r}"
        ),
        "below_impact_bar": lambda: "it saves {} FTE per EUR 1M, below the bar of {}".format(
            *compared(app.fte_per_meur, scen.impact_bar)[:2]
        ),
        "structural_gap": lambda: (
            "its structural savings "
            f"({eur(app.structural_savings_eur)} a year) are below its structural costs "
            f"({eur(app.structural_cost_eur)} a year)"
        ),
        "single_party": lambda: (
            "it is filed by a single party; the model plan asks for a joint application"
        ),
        "outside_window": lambda: (
            f"it plans spending outside the funding years {', '.join(str(y) for y in scen.years)}"
        ),
        "over_project_cap": lambda: (
            f"its request of {eur(app.total_cost_eur)} is above the "
            f"project cap of {eur(scen.project_cap or 0)}"
        ),
        "zero_cost": lambda: "it requests no money",
    }
    return "Ineligible: " + "; ".join(words[c]() if c in words else c for c in codes) + "."


def fte(value: float) -> str:
    """FTE for a sentence: one decimal, more where one would read as 0.0."""
    if value != 0 and abs(value) < 0.05:
        return f"{value:.3g}"
    return f"{value:,.1f}"


def pct(scale: float) -> str:
    """A scale as a percentage that never reads 0% or 100% when it is neither."""
    for digits in range(0, 7):
        text = f"{scale:.{digits}%}"
        shown = round(scale * 100, digits)
        if (0 < scale < 1 and 0 < shown < 100) or scale in (0.0, 1.0):
            return text
    return f"{scale:%}"


def compared(a: float, b: float) -> tuple[str, str, str]:
    """Two ratios as text with enough decimals to show which is larger, and the word:
    ('19.5', '32.1', 'less'), ('17.54', '17.53', 'more'), ('17.5', '17.5', 'as much as')."""
    for digits in range(1, 7):
        x, y = round(a, digits), round(b, digits)
        if x != y:
            return f"{x:.{digits}f}", f"{y:.{digits}f}", "more" if a > b else "less"
    return f"{a:.1f}", f"{b:.1f}", "as much as"


def _listed(words: list[str]) -> str:
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]


def _prices(d: Decision, prices: dict[str, float] | None, alloc: Allocation) -> str:
    """What the shadow prices of the caps in its way say (with the re-solves only)."""
    if prices is None or not d.blocking:
        return ""
    binding = [r.constraint for r in d.blocking if prices.get(r.constraint, 0.0) > 0]
    if not binding:
        one = "it" if len(d.blocking) == 1 else "any one of them alone"
        return f" Raising {one} by EUR 1M would add no FTE."
    parts = [f"under {describe_constraint(c, alloc)} {fte(prices[c])} FTE" for c in binding]
    return " EUR 1M more would add: " + "; ".join(parts) + "."


def _forced(d: Decision, e: ApplicationExplanation | None) -> str:
    if e is None:
        return ""
    if e.forced_infeasible:
        return f" It cannot be funded at {pct(d.min_scale)} with the other rules in place."
    if e.fte_loss_if_forced is None:
        return ""
    if e.fte_loss_if_forced == 0:
        return f" Funding it at {pct(d.min_scale)} would cost no FTE: another optimum funds it."
    return f" Funding it at {pct(d.min_scale)} would cost {fte(e.fte_loss_if_forced)} FTE in total."


@dataclass
class _Minimums:
    """Per region with a regional minimum that is not let off: (its share factor x p_r, the
    cents it holds above the minimum, exactly); with every award in whole cents."""

    above: dict[str, tuple[Fraction, Fraction]]
    cents: dict[str, int]
    region: dict[str, str]  # application_id -> region


def _minimums(alloc: Allocation) -> _Minimums:
    problem = alloc.problem
    cents = {w.application_id: to_cents(w.awarded_amount_eur) for w in alloc.result.awards}
    above: dict[str, tuple[Fraction, Fraction]] = {}
    if alloc.scenario.region_min_factor is not None and problem.region_minimums:
        amount = np.array([cents.get(a, 0) for a in problem.app_ids], dtype=np.int64)
        for st in standings(problem, amount, alloc.scales()):
            if not st.let_off:
                above[st.region] = (st.share, st.held - st.need)
    return _Minimums(above, cents, {a.application_id: a.region for a in alloc.applications})


def _board(app: Application, alloc: Allocation, minimums: _Minimums) -> str:
    """What the board's rules say of a funded application: its lock (must_fund), and a
    regional minimum that needs it: its region, not let off, would fall short of factor x
    population share of the total without this award (the total drops with it, so: award x
    (1 - factor x share) > what the region holds above its minimum)."""
    words = (
        " The board requires it (must_fund)."
        if app.application_id in alloc.scenario.must_fund
        else ""
    )
    name = _needing_region(app.application_id, alloc, minimums)
    if name:
        words += (
            f" {name}'s regional minimum ({alloc.scenario.region_min_factor:g} x its "
            "population share of the total awarded) needs this award: without it the "
            "region would fall short."
        )
    return words


def _needing_region(app_id: str, alloc: Allocation, minimums: _Minimums) -> str | None:
    """The name of the region whose minimum needs this award (see _board), else None."""
    region = minimums.region.get(app_id)
    found = None if region is None else minimums.above.get(region)
    if region is None or found is None:
        return None
    share, above = found
    if minimums.cents[app_id] * (1 - share) > above:
        return alloc.regions.names.get(region, region)
    return None


def _removed(e: ApplicationExplanation | None) -> str:
    if e is None or e.fte_loss_if_removed is None:
        return ""
    if e.fte_loss_if_removed == 0:
        return " Without it another award set would save just as much."
    if e.fte_loss_if_removed < 0:  # only under the regional minimum (explain._removed)
        return (
            f" Without it the best award set would save {fte(-e.fte_loss_if_removed)} FTE more:"
            " the regional minimum (applications permitting) waits for every application of its"
            " region, this one included."
        )
    return f" Without it the best award set would save {fte(e.fte_loss_if_removed)} FTE less."


def _marginal(d: Decision, alloc: Allocation, minimums: _Minimums) -> str:
    m = d.marginal
    if m is None:
        return ""
    mine, theirs, word = compared(d.fte_per_meur, m.fte_per_meur)
    needed = _needing_region(m.application_id, alloc, minimums)
    why = f"; {needed}'s regional minimum needs that award" if needed else ""
    return (
        f" It saves {mine} FTE per EUR 1M, {word} than {m.application_id} ({theirs}), the "
        f"funded project with the lowest FTE per EUR 1M under "
        f"{describe_constraint(m.constraint, alloc)}{why}."
    ).replace("as much as than", "as much as")


def _rooms(d: Decision, alloc: Allocation) -> str:
    """'A and B are full; too little is left under C (EUR x left; it needs EUR y at 35%)':
    the caps in its way, the full ones (at most EUR 1 left) first."""
    full = [describe_constraint(r.constraint, alloc) for r in d.blocking if r.left_eur <= FULL_EUR]
    short = [
        f"{describe_constraint(r.constraint, alloc)} ({eur(r.left_eur)} left; it needs "
        f"{eur(r.need_eur)} at {pct(d.min_scale)})"
        for r in d.blocking
        if r.left_eur > FULL_EUR
    ]
    parts = [f"{_listed(full)} {'is' if len(full) == 1 else 'are'} full"] if full else []
    parts += [f"too little is left under {_listed(short)}"] if short else []
    return "; ".join(parts)


def decision_text(
    app: Application,
    award: Award,
    d: Decision | None,
    e: ApplicationExplanation | None,
    alloc: Allocation,
    prices: dict[str, float] | None = None,
    minimums: _Minimums | None = None,
) -> str:
    """One paragraph: what was decided and why. ``d`` is the application's Decision
    (reasons.py); ``e`` and ``prices`` come from the re-solves (explain.py) when run;
    ``minimums``: the regional minimums of the award set (worked out here when None)."""
    if award.status is AwardStatus.ineligible or d is None:
        return ineligible_text(app, award.reason.split(";"), alloc)
    ratio = f"{d.fte_per_meur:.1f}"
    caps = [describe_constraint(c, alloc) for c in d.caps]
    state = minimums if minimums is not None else _minimums(alloc)
    board = _board(app, alloc, state) if d.kind in ("funded", "partial") else ""
    if d.kind == "funded":
        return (
            f"Funded in full: {eur(award.awarded_amount_eur)} for {fte(award.awarded_fte)} FTE "
            f"({ratio} FTE per EUR 1M)." + board + _removed(e)
        )
    if d.kind == "partial":
        why = (
            f" Scaled down because {_listed(caps)} {'is' if len(caps) == 1 else 'are'} full."
            + _prices(d, prices, alloc)
            if caps
            else " Scaled down: no cap it draws on is full; the board's other rules or the "
            "optimality gap hold it at this scale."
        )
        return (
            f"Funded at {pct(d.scale)}: {eur(award.awarded_amount_eur)} of {eur(d.cost_eur)}, "
            f"{fte(award.awarded_fte)} FTE." + why + board + _removed(e)
        )
    if d.kind == "must_not":
        return "Not funded: the board excluded it (must_not)."
    if d.kind == "too_big":
        r = d.blocking[0]
        at = "" if d.min_scale >= 1.0 else f" ({pct(d.min_scale)})"
        return (
            f"Not funded: even its smallest award{at} needs {eur(r.need_eur)} under "
            f"{caps[0]}, which holds {eur(r.limit_eur)} in all; no award set can fund it."
        )
    if d.kind == "group":
        winner = next(w for w in alloc.result.awards if w.application_id == d.group_winner)
        return (
            f"Not funded: exclusive group {d.group} allows one award, and {d.group_winner} is "
            f"funded in it ({fte(winner.awarded_fte)} FTE for {eur(winner.awarded_amount_eur)}); "
            f"this application asks {eur(d.cost_eur)} for {fte(d.fte)} FTE." + _forced(d, e)
        )
    if d.kind == "budget":
        return (
            f"Not funded: {_rooms(d, alloc)}."
            + _prices(d, prices, alloc)
            + _forced(d, e)
            + _marginal(d, alloc, state)
        )
    if d.kind == "no_fte":
        return "Not funded: it saves no FTE."
    return (
        f"Not funded: every cap it draws on has room for it at {pct(d.min_scale)}; the board's "
        "other rules (theme floors, regional minimums) or the optimality gap keep it out."
        + _forced(d, e)
    )


def texts(alloc: Allocation, ex: Explanations | None) -> dict[str, str]:
    """application_id -> decision text, for every application."""
    decisions = {d.application_id: d for d in decide(alloc.problem, alloc.scales())}
    prices = ex.shadow_prices if ex else None
    minimums = _minimums(alloc)
    out = {}
    for app, award in zip(alloc.applications, alloc.result.awards):
        e = ex.applications.get(app.application_id) if ex else None
        d = decisions.get(app.application_id)
        out[app.application_id] = decision_text(app, award, d, e, alloc, prices, minimums)
    return out


def cards_markdown(alloc: Allocation, ex: Explanations) -> str:
    """One Markdown card per application: the decision, its numbers and its reason."""
    words = texts(alloc, ex)
    decisions = {d.application_id: d for d in decide(alloc.problem, alloc.scales())}
    lines = [
        f"# Decisions: {alloc.scenario.name}",
        "",
        f"Optimal award set: {fte(alloc.result.objective_fte or 0)} FTE for "
        f"{eur(alloc.result.total_awarded_eur or 0)}. FTE more per EUR 1M more under each cap "
        "that binds:",
        "",
    ]
    for name, value in ex.shadow_prices.items():
        if value > 0:
            lines.append(f"- {describe_constraint(name, alloc)} (`{name}`): {value:,.2f} FTE")
    lines.append("")
    for app, award in zip(alloc.applications, alloc.result.awards):
        e = ex.applications.get(app.application_id)
        d = decisions.get(app.application_id)
        lines += [
            f"## {app.application_id}: {app.title or app.use_case}",
            "",
            f"- decision: **{award.status.value}**, scale {award.scale:.4f}, "
            f"{eur(award.awarded_amount_eur)} of {eur(app.total_cost_eur)}, "
            f"{fte(award.awarded_fte)} FTE",
            f"- use case: {app.use_case}; region: {app.region}; {app.fte_per_meur:.1f} FTE per EUR 1M"
            if app.total_cost_eur
            else f"- use case: {app.use_case}; region: {app.region}",
        ]
        if d is not None and d.blocking:
            label = "full caps it draws on" if d.scale > 0 else "caps in its way"
            lines.append(f"- {label}: {', '.join(d.caps)}")
        if e is not None:
            if e.fte_loss_if_forced is not None:
                lines.append(f"- FTE lost if funded at min_scale: {e.fte_loss_if_forced:,.3f}")
            if e.forced_infeasible:
                lines.append("- cannot be funded at min_scale with the other rules in place")
            if e.fte_loss_if_removed is not None:
                lines.append(f"- FTE lost without it: {e.fte_loss_if_removed:,.3f}")
        lines += ["", words[app.application_id], ""]
    return "\n".join(lines)
