"""Re-check any award set (ours, an fcfs run, an insurer's hand-edited sheet) against the
eligibility rules and every constraint of the scenario, with the amounts of each violation."""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .catalog import model_plans
from .domain import Application, RegionTable, Scenario
from .eligibility import check_all
from .errors import InputError, InputProblem
from .feasibility import SNAP_TOL, feasibility_problems
from .io.tables import read_table
from .model.problem import build_problem

AMOUNT_TOL_EUR = 0.01
"""awarded_amount may differ from scale x request by this much (rounding in a sheet)."""
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


def _number(value: object) -> float | None:
    if value is None or value == "":
        return None
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return math.nan
    return number


def read_awards(path: str | Path) -> dict[str, dict[str, object]]:
    """application_id -> row of an awards table (CSV, or the first sheet of an XLSX)."""
    table = read_table(path)
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
        key = str(app_id).lstrip("'")  # our CSV writes '=... for formula-like ids
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


def verify(
    applications: list[Application],
    scenario: Scenario,
    regions: RegionTable,
    awards: dict[str, dict[str, object]],
) -> Verification:
    """Every way ``awards`` breaks the rules of ``scenario`` for these ``applications``."""
    plans = model_plans()
    reasons = check_all(applications, scenario, plans)
    out: list[str] = []
    scale_of: dict[str, float] = {}
    for app in applications:
        row = awards.get(app.application_id)
        if row is None:
            out.append(f"{app.application_id}: no row in the award table")
            scale_of[app.application_id] = 0.0
            continue
        cost = app.total_cost_eur
        scale = _number(row.get("scale"))
        amount = _number(row.get("awarded_amount"))
        if scale is None and amount is not None and cost > 0:
            scale = amount / cost
        if scale is None or math.isnan(scale):
            out.append(f"{app.application_id}: scale is not a number ({row.get('scale')!r})")
            scale = 0.0
        if scale < 0 or scale > 1 + SNAP_TOL:
            out.append(f"{app.application_id}: scale {scale:g} outside [0, 1]")
        if (
            amount is not None
            and not math.isnan(amount)
            and abs(amount - scale * cost) > AMOUNT_TOL_EUR
        ):
            out.append(
                f"{app.application_id}: awarded_amount EUR {amount:,.2f} is not scale x request "
                f"(EUR {scale * cost:,.2f}), off by EUR {amount - scale * cost:,.2f}"
            )
        fte = _number(row.get("awarded_fte"))
        if fte is not None and not math.isnan(fte) and abs(fte - scale * app.fte) > FTE_TOL:
            out.append(
                f"{app.application_id}: awarded_fte {fte:g} is not scale x fte ({scale * app.fte:g})"
            )
        if reasons[app.application_id] and scale > 0:
            out.append(
                f"{app.application_id}: ineligible ({';'.join(reasons[app.application_id])}) but "
                f"awarded EUR {scale * cost:,.2f}"
            )
        scale_of[app.application_id] = min(max(scale, 0.0), 1.0)
    known = {a.application_id for a in applications}
    out += [
        f"{app_id}: in the award table but not in the submission"
        for app_id in awards
        if app_id not in known
    ]

    eligible = [a for a in applications if not reasons[a.application_id]]
    problem = build_problem(
        eligible, scenario, regions, {a.application_id: plans[a.use_case].theme for a in eligible}
    )
    scale = np.array([scale_of[a] for a in problem.app_ids])
    out += feasibility_problems(problem, scale, board_rules=True)
    out += [
        f"must_fund:{app_id}: not funded (the application is ineligible)"
        for app_id in scenario.must_fund
        if reasons.get(app_id) and scale_of.get(app_id, 0) <= 0
    ]
    fte = math.fsum(scale_of[a.application_id] * a.fte for a in applications)
    total = math.fsum(scale_of[a.application_id] * a.total_cost_eur for a in applications)
    return Verification(out, fte, total)
