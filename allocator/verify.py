"""Re-check any award set (ours, an fcfs run, an insurer's hand-edited sheet) against the
eligibility rules and every constraint of the scenario, with the amounts of each violation.

Every award counts, eligible or not: an award to an ineligible application is reported as
such and its money is also counted in every budget it draws on (ceiling, theme, years,
region), so every rule it breaks is named at once. Money is checked in whole cents with
exact integer arithmetic (feasibility.py's money rule): a cap is broken as soon as the sum
of its awards exceeds it by one cent; the only tolerance is the rounding of scale x request
to the cent.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path

import numpy as np

from .catalog import model_plans
from .domain import Application, RegionTable, Scenario
from .eligibility import check_all
from .errors import InputError, InputProblem
from .families import family_of
from .feasibility import SNAP_TOL, feasibility_problems, to_cents
from .io.outputs import neutralise_collisions, unneutralise
from .io.tables import read_table
from .model.problem import build_problem

AMOUNT_TOL_EUR = 0.005
"""awarded_amount may differ from scale x request by half a cent: rounding to the cent."""
FTE_TOL = 1e-4
"""awarded_fte may differ from scale x fte by this much."""


@dataclass(frozen=True)
class Verification:
    violations: list[str]
    objective_fte: float
    total_awarded_eur: float

    @property
    def ok(self) -> bool:
        return not self.violations


def _optimum_only(rule: str) -> bool:
    """A rule of a family the fcfs/greedy walks do not honour (regional minimum, floors)."""
    family = family_of(rule)
    return family is not None and not family.walks_honour


def _number(value: object) -> float | None:
    if value is None or value == "":
        return None
    if not isinstance(value, (str, int, float, Decimal)):  # e.g. a date from an XLSX
        return math.nan
    try:
        return float(value)
    except ValueError:
        return math.nan


def _decimal(value: object) -> Decimal | None:
    """An amount exactly as written (a CSV's text, an XLSX number's shortest form)."""
    if value is None or value == "" or isinstance(value, bool):
        return None
    try:
        text = repr(value) if isinstance(value, float) else str(value).strip()
        number = Decimal(text)
    except (InvalidOperation, ValueError):
        return Decimal("NaN")
    return number


def read_awards(path: str | Path) -> dict[str, dict[str, object]]:
    """application_id -> row of an awards table (CSV, or the first sheet of an XLSX).

    A CSV's ids are read back through ``unneutralise``: exactly the ' that the product puts
    before text starting with = + - @ is removed (``'=A020`` -> ``=A020``; ``'A1`` stays).
    An XLSX holds typed text cells, read as they are.
    """
    table = read_table(path)
    is_csv = Path(path).suffix.lower() not in (".xlsx", ".xlsm")
    if "application_id" not in table.header or not (
        "scale" in table.header or "awarded_amount" in table.header
    ):
        raise InputError(
            [
                InputProblem(
                    table.file, "needs columns application_id and scale (or awarded_amount)", 1
                )
            ]
        )
    rows: dict[str, dict[str, object]] = {}
    problems = []
    for index, cells in enumerate(table.rows):
        row = dict(zip(table.header, cells))
        app_id = row.get("application_id")
        if app_id is None:
            problems.append(
                InputProblem(table.file, "application_id is missing", table.row_number(index))
            )
            continue
        key = unneutralise(str(app_id)) if is_csv else str(app_id)
        if key in rows:
            problems.append(
                InputProblem(
                    table.file,
                    "duplicate application_id",
                    table.row_number(index),
                    "application_id",
                    key,
                )
            )
        rows[key] = row
    if problems:
        raise InputError(problems)
    return rows


def _resolve(awards: dict[str, dict[str, object]], known: set[str]) -> dict[str, dict[str, object]]:
    """Rows by application id: a key read back from a CSV, else the cell as written (an id
    such as ``'=A020`` of its own whose quote read_awards took for ours)."""
    out = {}
    for key, row in awards.items():
        raw = row.get("application_id")
        raw = None if raw is None else str(raw)
        out[raw if key not in known and raw in known else key] = row
    return out


def _amount_cents(
    app: Application, row: dict[str, object], out: list[str]
) -> tuple[int, float | None]:
    """(awarded cents, scale as written) of one row; each problem of the row is added to
    ``out``. The amount, where given, is the money; else scale x request to the cent."""
    app_id, cost = app.application_id, app.total_cost_eur
    scale = _number(row.get("scale"))
    amount = _decimal(row.get("awarded_amount"))
    if scale is not None and math.isnan(scale):
        out.append(f"{app_id}: scale is not a number ({row.get('scale')!r})")
        scale = None
    if amount is not None and not amount.is_finite():
        out.append(f"{app_id}: awarded_amount is not a number ({row.get('awarded_amount')!r})")
        amount = None
    if amount is None:
        if scale is None:
            return 0, None
        return (to_cents(cost) if scale >= 1 else to_cents(max(scale, 0.0) * cost)), scale
    cents_exact = amount * 100
    cents = math.ceil(cents_exact)  # a fraction of a cent counts as a whole one
    if cents_exact != cents:
        out.append(f"{app_id}: awarded_amount EUR {amount} is not in whole cents")
    if cents < 0:
        out.append(f"{app_id}: awarded_amount EUR {amount} is negative")
    return cents, scale


def verify(
    applications: list[Application],
    scenario: Scenario,
    regions: RegionTable,
    awards: dict[str, dict[str, object]],
) -> Verification:
    """Every way ``awards`` breaks the rules of ``scenario`` for these ``applications``."""
    plans = model_plans()
    reasons = check_all(applications, scenario, plans)
    out: list[str] = [
        f"{a!r} and {b!r}: ids that read the same once quoted for a spreadsheet ('...); "
        "an award table cannot tell them apart"
        for a, b in neutralise_collisions([app.application_id for app in applications])
    ]
    known = {a.application_id for a in applications}
    table = _resolve(awards, known)
    cents_of: dict[str, int] = {}
    scale_of: dict[str, float] = {}
    for app in applications:
        app_id, cost = app.application_id, app.total_cost_eur
        row = table.get(app_id)
        if row is None:
            out.append(f"{app_id}: no row in the award table")
            cents_of[app_id], scale_of[app_id] = 0, 0.0
            continue
        cents, written_scale = _amount_cents(app, row, out)
        full = to_cents(cost)
        scale = written_scale
        if scale is None:
            scale = 1.0 if cents >= full > 0 else (cents / 100 / cost if cost > 0 else 0.0)
        if written_scale is None and row.get("awarded_amount") in (None, ""):
            out.append(f"{app_id}: neither scale nor awarded_amount given")
        if scale < 0 or scale > 1 + SNAP_TOL:
            out.append(f"{app_id}: scale {scale:g} outside [0, 1]")
        if cents > full:
            out.append(
                f"{app_id}: awarded EUR {cents / 100:,.2f} is more than requested "
                f"(EUR {full / 100:,.2f})"
            )
        if written_scale is not None and row.get("awarded_amount") not in (None, ""):
            expected = written_scale * cost
            if abs(cents / 100 - expected) > AMOUNT_TOL_EUR + 1e-9 * abs(expected):
                out.append(
                    f"{app_id}: awarded_amount EUR {cents / 100:,.2f} is not scale x request "
                    f"(EUR {expected:,.2f}), off by EUR {cents / 100 - expected:,.2f}"
                )
        fte = _number(row.get("awarded_fte"))
        if fte is not None and not math.isnan(fte) and abs(fte - scale * app.fte) > FTE_TOL:
            out.append(f"{app_id}: awarded_fte {fte:g} is not scale x fte ({scale * app.fte:g})")
        if reasons[app_id] and cents > 0:
            out.append(
                f"{app_id}: ineligible ({';'.join(reasons[app_id])}) but awarded "
                f"EUR {cents / 100:,.2f}"
            )
        cents_of[app_id] = max(cents, 0)
        scale_of[app_id] = min(max(scale, 0.0), 1.0)
    out += [
        f"{app_id}: in the award table but not in the submission"
        for app_id in table
        if app_id not in known
    ]

    # every award against every cap, eligible or not; board floors over the eligible ones
    def theme(a: Application) -> str:
        """Its model plan's theme, else the one it states; "" (in no theme row) without."""
        plan = plans.get(a.use_case)
        return plan.theme if plan is not None else a.theme or ""

    everyone = build_problem(
        applications, scenario, regions, {a.application_id: theme(a) for a in applications}
    )
    out += feasibility_problems(
        everyone,
        np.array([scale_of[a] for a in everyone.app_ids]),
        board_rules=False,
        amount_cents=np.array([cents_of[a] for a in everyone.app_ids], dtype=np.int64),
    )
    eligible = build_problem(
        [a for a in applications if not reasons[a.application_id]],
        scenario,
        regions,
        {a.application_id: theme(a) for a in applications if not reasons[a.application_id]},
    )
    floors = {info.name for info, s in zip(eligible.rows, eligible.sense) if s != "<="}
    out += [
        line
        for line in feasibility_problems(
            eligible,
            np.array([scale_of[a] for a in eligible.app_ids]),
            board_rules=True,
            amount_cents=np.array([cents_of[a] for a in eligible.app_ids], dtype=np.int64),
        )
        if line.split(": ")[0] in floors or _optimum_only(line.split(": ")[0])
    ]
    fte_total = math.fsum(scale_of[a.application_id] * a.fte for a in applications)
    total = sum(cents_of.values()) / 100
    return Verification(out, fte_total, total)
