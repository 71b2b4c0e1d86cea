"""Payment schedules: an award set turned into payments per application, milestone and year.

Insurers pay per milestone reached (the minister's letter: "per bereikte mijlpaal"); the
milestones come from the application's model plan (models/*.yaml, an assumed template: see
models/README.md). All money is in integer cents:

1. an application's award (cents) is split over its cost years in proportion to its
   cost_YYYY (largest remainder): each year's payments add up to scale x cost_YYYY to the
   cent, and the years to the award exactly (the split the budget rows use, feasibility.py);
2. a year's amount is split over the milestones falling in that year in proportion to their
   shares (largest remainder, ties to the earlier milestone).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import TypedDict

from .domain import Application, Milestone, ModelPlan, Scenario
from .errors import InputError, InputProblem
from .feasibility import limit_cents, split_cents, to_cents

PAYMENT_COLUMNS = ["application_id", "milestone", "year", "amount"]


class PaymentRow(TypedDict):
    """A row of payments.csv: one milestone's payment in one year, amount in EUR (a whole
    number of cents)."""

    application_id: str
    milestone: str
    year: int
    amount: float


DEFAULT_MILESTONE = "award"
"""A plan without milestones is paid as one milestone of this name per cost year."""


@dataclass(frozen=True)
class AwardLine:
    """One application's award as read from an award file."""

    application_id: str
    cents: int  # awarded amount, whole cents
    scale: float  # as written, or cents / C_i when only the amount is given
    row: int  # spreadsheet row in the award file


def read_award_set(path: str | Path, applications: list[Application]) -> dict[str, AwardLine]:
    """application_id -> AwardLine of an awards table (CSV, or the first sheet of an XLSX;
    the columns of awards.csv: application_id and scale and/or awarded_amount). The amount,
    where given, is the money (whole cents); else scale x C_i to the cent. Every bad row is
    refused by row and field: unknown or duplicate application_id, a scale that is not a
    number in [0, 1], an amount that is not a number of whole cents in [0, C_i], an amount
    and a scale that disagree by more than a cent; a missing column by name."""
    from .io.outputs import unneutralise
    from .io.tables import read_table

    table = read_table(path, expect=("application_id", "scale", "awarded_amount"))
    file = table.file
    header = table.header
    missing = []
    if "application_id" not in header:
        missing.append(InputProblem(file, "missing column", 1, "application_id"))
    if "scale" not in header and "awarded_amount" not in header:
        missing.append(
            InputProblem(file, "missing column (scale or awarded_amount is needed)", 1, "scale")
        )
    if missing:
        raise InputError(missing)
    is_csv = Path(path).suffix.lower() not in (".xlsx", ".xlsm")
    apps = {a.application_id: a for a in applications}
    out: dict[str, AwardLine] = {}
    problems: list[InputProblem] = []
    for index, cells in enumerate(table.rows):
        row = dict(zip(header, cells))
        number = table.row_number(index)
        raw_id = row.get("application_id")
        if raw_id is None or str(raw_id).strip() == "":
            problems.append(
                InputProblem(file, "application_id is missing", number, "application_id")
            )
            continue
        app_id = str(raw_id).strip()
        if is_csv and app_id not in apps:
            app_id = unneutralise(app_id)
        app = apps.get(app_id)
        if app is None:
            problems.append(
                InputProblem(file, "no application with this id", number, "application_id", raw_id)
            )
            continue
        if app_id in out:
            problems.append(
                InputProblem(file, "duplicate application_id", number, "application_id", raw_id)
            )
            continue
        line = _award_line(app, row, number, file, problems)
        if line is not None:
            out[app_id] = line
    if problems:
        raise InputError(problems)
    return out


def _exact(value: object) -> Decimal | None:
    """A number exactly as written; None when empty; NaN when not a number."""
    if value is None or (isinstance(value, str) and value.strip() == ""):
        return None
    if isinstance(value, bool):
        return Decimal("NaN")
    try:
        text = repr(value) if isinstance(value, float) else str(value).strip()
        return Decimal(text)
    except (InvalidOperation, ValueError):
        return Decimal("NaN")


def _award_line(
    app: Application,
    row: Mapping[str, object],
    number: int,
    file: str,
    problems: list[InputProblem],
) -> AwardLine | None:
    before = len(problems)
    full = to_cents(app.total_cost_eur)
    scale = _exact(row.get("scale"))
    amount = _exact(row.get("awarded_amount"))
    if scale is not None and not (scale.is_finite() and 0 <= scale <= 1):
        why = "scale is not a number" if not scale.is_finite() else "scale is not in [0, 1]"
        problems.append(InputProblem(file, why, number, "scale", row.get("scale")))
    if amount is not None:
        if not amount.is_finite():
            problems.append(
                InputProblem(
                    file,
                    "awarded_amount is not a number",
                    number,
                    "awarded_amount",
                    row.get("awarded_amount"),
                )
            )
        elif amount * 100 != (amount * 100).to_integral_value() or amount < 0:
            problems.append(
                InputProblem(
                    file,
                    "awarded_amount is not a number >= 0 of whole cents",
                    number,
                    "awarded_amount",
                    row.get("awarded_amount"),
                )
            )
        elif int(amount * 100) > full:
            problems.append(
                InputProblem(
                    file,
                    f"awarded_amount is more than the request EUR {full / 100:,.2f}",
                    number,
                    "awarded_amount",
                    row.get("awarded_amount"),
                )
            )
    if scale is None and amount is None:
        problems.append(
            InputProblem(file, "neither scale nor awarded_amount is given", number, "scale")
        )
    if len(problems) > before:
        return None
    if amount is not None:
        cents = int(amount * 100)
        if scale is not None and abs(float(scale) * app.total_cost_eur * 100 - cents) > 1.0:
            problems.append(
                InputProblem(
                    file,
                    f"awarded_amount disagrees with scale x request (EUR "
                    f"{float(scale) * app.total_cost_eur:,.2f})",
                    number,
                    "awarded_amount",
                    row.get("awarded_amount"),
                )
            )
            return None
        s = float(scale) if scale is not None else (cents / full if full else 0.0)
        if cents == full and full > 0:
            s = 1.0
        return AwardLine(app.application_id, cents, s, number)
    assert scale is not None
    s = float(scale)
    cents = full if s >= 1 else to_cents(s * app.total_cost_eur)
    return AwardLine(app.application_id, cents, s, number)


def cost_years(app: Application) -> list[int]:
    """The application's cost years: those with cost_YYYY > 0, ascending."""
    return sorted(y for y, c in app.cost_eur_by_year.items() if c > 0)


def milestones_in(years: list[int], template: list[Milestone]) -> dict[int, list[Milestone]]:
    """Per cost year, the milestones of the template falling in it (template order)."""
    if not template:
        template = [Milestone(name=DEFAULT_MILESTONE, share=1.0, year="each")]
    out: dict[int, list[Milestone]] = {y: [] for y in years}
    for m in template:
        if m.year == "each":
            targets = years
        elif m.year == "first":
            targets = years[:1]
        elif m.year == "last":
            targets = years[-1:]
        else:
            targets = [years[min(int(m.year), len(years) - 1)]] if years else []
        for y in targets:
            out[y].append(m)
    return out


def schedule(app: Application, cents: int, plan: ModelPlan | None) -> list[PaymentRow]:
    """payments.csv's rows of one application awarded ``cents``: amounts in euros, exact to
    the cent (float of a whole number of cents)."""
    if cents <= 0:
        return []
    years = cost_years(app)
    year_part = split_cents(cents, [to_cents(app.cost_eur_by_year[y]) for y in years])
    falling = milestones_in(years, plan.milestones if plan is not None else [])
    rows: list[PaymentRow] = []
    for y, amount in zip(years, year_part):
        ms = falling[y]
        # shares as exact integers (micro-units) so the split is reproducible
        parts = split_cents(amount, [round(m.share * 1_000_000) for m in ms])
        rows += [
            {
                "application_id": app.application_id,
                "milestone": m.name,
                "year": y,
                "amount": p / 100,
            }
            for m, p in zip(ms, parts)
        ]
    return rows


def payment_rows(
    applications: list[Application], awards: dict[str, AwardLine], plans: dict[str, ModelPlan]
) -> list[PaymentRow]:
    """Every payment of the award set, applications in input order."""
    rows: list[PaymentRow] = []
    for app in applications:
        line = awards.get(app.application_id)
        if line is not None:
            rows += schedule(app, line.cents, plans.get(app.use_case))
    return rows


def cash_view(rows: list[PaymentRow], scenario: Scenario) -> list[dict[str, object]]:
    """Per year: the payments against the year budget (and, with carry_over, cumulatively)."""
    paid: dict[int, int] = {}
    for r in rows:
        y = r["year"]
        paid[y] = paid.get(y, 0) + to_cents(r["amount"])
    out = []
    cum_budget, cum_paid = 0, 0
    for y in sorted(set(paid) | set(scenario.year_budgets)):
        budget = scenario.year_budgets.get(y)
        budget_c = limit_cents(budget) if budget is not None else None
        p = paid.get(y, 0)
        cum_paid += p
        cum_budget += budget_c or 0
        row: dict[str, object] = {
            "year": y,
            "budget": None if budget_c is None else budget_c / 100,
            "paid": p / 100,
            "left": None if budget_c is None else (budget_c - p) / 100,
        }
        if scenario.carry_over:
            row["cumulative_budget"] = cum_budget / 100
            row["cumulative_paid"] = cum_paid / 100
            row["cumulative_left"] = (cum_budget - cum_paid) / 100
        row["within_budget"] = (
            (cum_paid <= cum_budget)
            if scenario.carry_over
            else (budget_c is not None and p <= budget_c)
        )
        out.append(row)
    return out


def per_application(
    applications: list[Application], awards: dict[str, AwardLine], rows: list[PaymentRow]
) -> list[dict[str, object]]:
    """Per awarded application: the award and its payments per year."""
    years = sorted({r["year"] for r in rows})
    by: dict[tuple[str, int], int] = {}
    for r in rows:
        key = (r["application_id"], r["year"])
        by[key] = by.get(key, 0) + to_cents(r["amount"])
    out = []
    for app in applications:
        line = awards.get(app.application_id)
        if line is None or line.cents <= 0:
            continue
        row: dict[str, object] = {
            "application_id": app.application_id,
            "scale": line.scale,
            "awarded_amount": line.cents / 100,
        }
        row |= {f"paid:{y}": by.get((app.application_id, y), 0) / 100 for y in years}
        out.append(row)
    return out


def check_schedule(
    applications: list[Application], awards: dict[str, AwardLine], rows: list[PaymentRow]
) -> list[str]:
    """What does not add up (empty when all is well): per application the payments add up to
    the award to the cent, and per year to scale x cost_YYYY within a cent."""
    problems = []
    for app in applications:
        line = awards.get(app.application_id)
        cents = 0 if line is None else line.cents
        mine = [r for r in rows if r["application_id"] == app.application_id]
        total = sum(to_cents(r["amount"]) for r in mine)
        if total != cents:
            problems.append(f"{app.application_id}: payments {total} cents, award {cents} cents")
        full = app.total_cost_eur
        for y, cost in app.cost_eur_by_year.items():
            paid = sum(to_cents(r["amount"]) for r in mine if r["year"] == y)
            due = cents * cost / full if full else 0.0
            if not math.isclose(paid, due, abs_tol=1.0 + 1e-6):
                problems.append(f"{app.application_id} {y}: paid {paid} cents, due {due:.2f}")
    return problems
