"""Money returned without a withdrawal (``allocator reallocate --underspend FILE``).

An underspend file has the columns ``application_id,year,amount``: EUR of that application's
award in that year that was not spent. The award itself stays as it is (its scale is its
upper bound, "bovengrens"); the money returns to the budgets it was counted under: the
ceiling, the application's theme budget and its region's cap by the amount, and the year
budgets as the scenario allows: with ``carry_over`` every cumulative year cap from that year
on (the money may be used later), without it only that year's cap (the money belongs to its
year). The re-allocation then awards it like freed money, exactly, by raising those rows'
limits in the problem (engine.allocate's ``extra_rows``).
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Callable, Mapping
from pathlib import Path

from .domain import NATIONAL_REGION, Application, Scenario
from .errors import InputError, InputProblem
from .model.problem import AllocationProblem
from .payments import AwardLine

COLUMNS = ("application_id", "year", "amount")


def read_underspend(
    path: str | Path,
    applications: list[Application],
    scenario: Scenario,
    old: dict[str, AwardLine],
) -> dict[tuple[str, int], float]:
    """(application_id, year) -> EUR not spent. Every bad row is refused at once, naming row
    and field: an unknown or unfunded application, a year the scenario does not fund, an
    amount that is not a number of whole cents >= 0, or more than the award spends that year."""
    from .io.tables import read_table

    table = read_table(path, expect=COLUMNS)
    file = table.file
    problems = [
        InputProblem(file, "required column is missing", 1, c)
        for c in COLUMNS
        if c not in table.header
    ]
    if problems:
        raise InputError(problems)
    col = {c: table.header.index(c) for c in COLUMNS}
    apps = {a.application_id: a for a in applications}
    found: dict[tuple[str, int], float] = defaultdict(float)
    for k, row in enumerate(table.rows):
        n = table.row_number(k)
        app_id = str(row[col["application_id"]] or "").strip()
        year_cell, amount_cell = row[col["year"]], row[col["amount"]]
        if app_id not in apps:
            problems.append(
                InputProblem(file, "no application with this id", n, "application_id", app_id)
            )
            continue
        line = old.get(app_id)
        if line is None or line.cents == 0:
            problems.append(
                InputProblem(file, "not funded in the award set", n, "application_id", app_id)
            )
            continue
        try:
            year = int(str(year_cell).strip())
        except ValueError:
            problems.append(InputProblem(file, "not a year", n, "year", year_cell))
            continue
        if year not in scenario.year_budgets:
            problems.append(
                InputProblem(file, "a year the scenario does not fund", n, "year", year)
            )
            continue
        try:
            amount = float(str(amount_cell).strip())
        except ValueError:
            amount = math.nan
        if not math.isfinite(amount) or amount < 0 or round(amount * 100) != amount * 100:
            problems.append(
                InputProblem(file, "not an amount in whole cents >= 0", n, "amount", amount_cell)
            )
            continue
        found[(app_id, year)] += amount
        spent = line.scale * apps[app_id].cost_eur_by_year.get(year, 0.0)
        if found[(app_id, year)] > spent + 0.005:
            problems.append(
                InputProblem(
                    file,
                    f"more than the award spends in {year} (EUR {spent:,.2f})",
                    n,
                    "amount",
                    amount_cell,
                )
            )
    if problems:
        raise InputError(problems)
    return dict(found)


def returned_rows(
    underspend: dict[tuple[str, int], float],
    scenario: Scenario,
    applications: list[Application],
    themes: Mapping[str, str],
) -> dict[str, float]:
    """Row name -> EUR its limit grows by. ``themes``: application_id -> theme."""
    region = {a.application_id: a.region for a in applications}
    grow: dict[str, float] = defaultdict(float)
    for (app_id, year), amount in underspend.items():
        grow["ceiling"] += amount
        grow[f"theme:{themes[app_id]}"] += amount
        if region[app_id] != NATIONAL_REGION:
            grow[f"region:{region[app_id]}"] += amount
        for y in [y for y in scenario.years if y >= year] if scenario.carry_over else [year]:
            grow[f"year:{y}"] += amount
    return dict(grow)


def raise_limits(
    grow: dict[str, float],
) -> Callable[[AllocationProblem, list[Application]], None]:
    """engine.allocate's ``extra_rows``: the problem's limits raised by ``grow`` (EUR)."""

    def apply(problem: AllocationProblem, _eligible: list[Application]) -> None:
        index = problem.row_index()
        for name, amount in grow.items():
            if name in index:  # a theme without a budget, say, has no row to raise
                problem.rhs_eur[index[name]] += amount

    return apply
