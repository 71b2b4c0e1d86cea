"""Re-allocating freed money (CONTRACT.md, "After the award"): withdrawn applications get
nothing, no other award goes down, and the money freed is awarded optimally among the
applications the old award set did not fund in full, under every rule of the scenario.

Exact, through the ordinary pipeline (engine.allocate) on an equivalent input: every kept
award (scale s_old > 0) becomes a board lock ``must_fund`` with ``min_scale = s_old``, so its
scale lies in [s_old, 1] (1 for one funded in full: exactly as it was); every withdrawn one
becomes ``must_not``; the others keep their own min_scale and may be funded within
[min_scale, 1] or not at all. Maximising total FTE over this set is maximising the FTE
gained, since the kept awards' FTE at their old scales is a constant. Nothing else of the
scenario changes, so every one of its rules (budgets, caps, floors, groups, locks,
secondary objectives) holds.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TypedDict

from .domain import Application, RegionTable, RunOptions, Scenario
from .engine import Allocation, allocate
from .errors import InputError, InputProblem
from .payments import AwardLine, read_award_set

DIFF_COLUMNS = [
    "application_id", "old_scale", "new_scale", "old_amount", "new_amount", "amount_gained",
    "fte_gained", "change",
]  # fmt: skip


class DiffRow(TypedDict):
    """A row of diff.csv: scales (0-1), amounts in EUR, FTE gained (negative: lost)."""

    application_id: str
    old_scale: float
    new_scale: float
    old_amount: float
    new_amount: float
    amount_gained: float
    fte_gained: float
    change: str  # withdrawn, newly funded or raised


class AwardSetBreaksRules(ValueError):
    """The award set given to re-allocate breaks a rule of the scenario (each one named)."""

    def __init__(self, violations: list[str]):
        self.violations = violations
        super().__init__("the award set breaks the scenario's rules: " + "; ".join(violations))


@dataclass
class Reallocation:
    """A re-allocation: the new allocation, the old award set (application_id -> its line),
    the withdrawn ids, and notes for the user."""

    allocation: Allocation
    old: dict[str, AwardLine]
    withdrawn: list[str]
    notes: list[str]

    def diff_rows(self) -> list[DiffRow]:
        """One row per application whose award changed."""
        old = self.old
        rows: list[DiffRow] = []
        apps = {a.application_id: a for a in self.allocation.applications}
        for award in self.allocation.result.awards:
            app_id = award.application_id
            line = old.get(app_id)
            old_cents = 0 if line is None else line.cents
            old_scale = 0.0 if line is None else line.scale
            new_cents = round(award.awarded_amount_eur * 100)
            if new_cents == old_cents and award.scale == old_scale:
                continue
            if app_id in self.withdrawn:
                change = "withdrawn"
            elif old_cents == 0:
                change = "newly funded"
            else:
                change = "raised"
            rows.append(
                {
                    "application_id": app_id,
                    "old_scale": old_scale,
                    "new_scale": award.scale,
                    "old_amount": old_cents / 100,
                    "new_amount": new_cents / 100,
                    "amount_gained": (new_cents - old_cents) / 100,
                    "fte_gained": (award.scale - old_scale) * apps[app_id].fte,
                    "change": change,
                }
            )
        return rows


def parse_withdrawn(text: str, applications: list[Application]) -> list[str]:
    """``ID[,ID...]``: every id must be an application of the submission."""
    ids = [t.strip() for t in text.split(",") if t.strip()]
    known = {a.application_id for a in applications}
    bad = [
        InputProblem("--withdrawn", "no application with this id", value=i)
        for i in ids
        if i not in known
    ]
    if not ids:
        bad.append(InputProblem("--withdrawn", "no application id given", value=text))
    if bad:
        raise InputError(bad)
    return list(dict.fromkeys(ids))


def locked_inputs(
    applications: list[Application],
    scenario: Scenario,
    old: dict[str, AwardLine],
    withdrawn: list[str],
) -> tuple[list[Application], Scenario, list[str]]:
    """The equivalent input: kept awards as must_fund with min_scale = old scale, the
    withdrawn as must_not. Returns (applications, scenario, notes)."""
    gone = set(withdrawn)
    kept = {i: line for i, line in old.items() if line.cents > 0 and i not in gone}
    apps = [
        a.model_copy(update={"min_scale": kept[a.application_id].scale})
        if a.application_id in kept
        else a
        for a in applications
    ]
    notes = [
        f"must_fund:{i}: withdrawn, so the board's lock no longer applies"
        for i in scenario.must_fund
        if i in gone
    ]
    must_fund = [i for i in scenario.must_fund if i not in gone]
    must_fund += [i for i in kept if i not in must_fund]
    must_not = list(scenario.must_not) + [i for i in withdrawn if i not in scenario.must_not]
    locked = scenario.replace(must_fund=must_fund, must_not=must_not)
    return apps, locked, notes


def reallocate(
    applications: list[Application],
    scenario: Scenario,
    regions: RegionTable,
    awards_path: str | Path,
    withdrawn: list[str],
    options: RunOptions | None = None,
    underspend_path: str | Path | None = None,
) -> Reallocation:
    """Re-allocate after ``withdrawn`` drop out of the award set in ``awards_path``.

    Raises InputError for a bad award file or id, AwardSetBreaksRules when the award set
    itself breaks a rule of the scenario (each rule named, allocator/verify.py)."""
    from .verify import read_awards, verify

    old = read_award_set(awards_path, applications)  # refuses bad rows by row and field
    found = verify(applications, scenario, regions, read_awards(awards_path))
    if not found.ok:
        raise AwardSetBreaksRules(found.violations)
    apps, locked, notes = locked_inputs(applications, scenario, old, withdrawn)
    extra = None
    if underspend_path is not None:  # money returned without a withdrawal (underspend.py)
        from .catalog import model_plans
        from .underspend import raise_limits, read_underspend, returned_rows

        spent_less = read_underspend(underspend_path, applications, scenario, old)
        plans = model_plans()
        apps_by_id = {a.application_id: a for a in applications}
        themes = {a: plans[apps_by_id[a].use_case].theme for a, _ in spent_less}
        grow = returned_rows(spent_less, scenario, applications, themes)
        extra = raise_limits(grow)
        notes += [f"{name}: EUR {eur:,.2f} returned by underspending" for name, eur in grow.items()]
    alloc = allocate(apps, locked, options or RunOptions(), regions=regions, extra_rows=extra)
    # report against the applications as submitted (the locks are this run's, not theirs)
    alloc.applications = applications
    result = Reallocation(alloc, old, withdrawn, notes)
    if alloc.result.status.has_solution:
        lower = [
            f"{w.application_id}: EUR {old[w.application_id].cents / 100:,.2f} -> "
            f"{w.awarded_amount_eur:,.2f}"
            for w in alloc.result.awards
            if w.application_id in old
            and w.application_id not in withdrawn
            and round(w.awarded_amount_eur * 100) < old[w.application_id].cents
        ]
        if lower:  # cannot happen when the old set keeps every cap to the cent
            raise AwardSetBreaksRules(["an award would go down: " + "; ".join(lower)])
    return result
