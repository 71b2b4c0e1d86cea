"""Property tests on random small instances: backends agree, the optimum dominates the
baselines, brute force agrees, and every award set keeps every rule."""

from __future__ import annotations

import itertools
import math

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from allocator.domain import Application, Scenario
from allocator.engine import allocate
from tests.conftest import EXACT_SOLVERS, REGIONS, app, options

K = 100_000  # EUR; random costs are whole multiples of this
USE_CASES = {
    "ai": "ai-speech-reporting",
    "digital_hybrid": "dh-digital-triage",
    "medtech": "mt-stoma-sensor",
}
SHARE = {"R1": 0.25, "R2": 0.75}


@st.composite
def instances(draw: st.DrawFn, all_or_nothing: bool = False) -> tuple[list[Application], Scenario]:
    n = draw(st.integers(1, 9))
    apps = []
    for i in range(n):
        c27, c28 = draw(st.integers(0, 40)), draw(st.integers(0, 40))
        apps.append(
            app(
                f"P{i}",
                {2027: c27 * K, 2028: c28 * K},
                draw(st.integers(0, 60)) / 2,
                use_case=USE_CASES[draw(st.sampled_from(sorted(USE_CASES)))],
                region=draw(st.sampled_from(["R1", "R2", "NL"])),
                minute=draw(st.integers(0, 5)),
                min_scale=1.0
                if all_or_nothing
                else draw(st.sampled_from([1.0, 1.0, 0.25, 0.5, 0.8])),
                exclusive_group=draw(st.sampled_from([None, None, "G1", "G2"])),
                parties=draw(st.sampled_from([3, 3, 3, 1])),
            )
        )
    themes = draw(
        st.dictionaries(st.sampled_from(sorted(USE_CASES)), st.integers(0, 60).map(lambda v: v * K))
    )
    scen = Scenario.model_validate(
        {
            "ceiling": draw(st.integers(1, 120)) * K,
            "theme_budgets": themes,
            "year_budgets": {
                2027: draw(st.integers(0, 80)) * K,
                2028: draw(st.integers(0, 80)) * K,
            },
            "carry_over": draw(st.booleans()),
            "impact_bar": draw(st.sampled_from([0, 0, 9, 17])),
            "region_max_factor": draw(st.sampled_from([None, 0.8, 1.5])),
        }
    )
    return apps, scen


def violations(apps: list[Application], scen: Scenario, scales: dict[str, float]) -> list[str]:
    """Re-check the contract's constraints from the applications and the scales alone."""
    out = []
    cost = {a.application_id: sum(a.cost_eur_by_year.values()) for a in apps}
    amount = {k: scales[k] * cost[k] for k in scales}
    tol = 1e-3
    if sum(amount.values()) > scen.ceiling + tol:
        out.append("ceiling")
    for theme, cap in scen.theme_budgets.items():
        if (
            sum(amount[a.application_id] for a in apps if a.use_case == USE_CASES[theme])
            > cap + tol
        ):
            out.append(f"theme:{theme}")
    spent = budget = 0.0
    for y in sorted(scen.year_budgets):
        year_spend = sum(scales[a.application_id] * a.cost_eur_by_year.get(y, 0) for a in apps)
        spent, budget = spent + year_spend, budget + scen.year_budgets[y]
        if (spent if scen.carry_over else year_spend) > (
            budget if scen.carry_over else scen.year_budgets[y]
        ) + tol:
            out.append(f"year:{y}")
    if scen.region_max_factor is not None:
        for r, p in SHARE.items():
            used = sum(amount[a.application_id] for a in apps if a.region == r)
            if used > scen.region_max_factor * p * scen.ceiling + tol:
                out.append(f"region:{r}")
    for g in ("G1", "G2"):
        if sum(scales[a.application_id] > 0 for a in apps if a.exclusive_group == g) > 1:
            out.append(f"group:{g}")
    for a in apps:
        s = scales[a.application_id]
        if not (s == 0 or a.min_scale - 1e-9 <= s <= 1 + 1e-12):
            out.append(f"scale:{a.application_id}")
    return out


def solve(apps, scen, method="optimal", solver="highs"):
    result = allocate(apps, scen, options(method, solver), regions=REGIONS).result
    assert result.status.value in ("optimal", "feasible"), result.message
    return result, {w.application_id: w.scale for w in result.awards}


PROPERTY = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@PROPERTY
@given(instances())
def test_backends_agree_and_dominate_baselines(case) -> None:
    apps, scen = case
    best = None
    for solver in EXACT_SOLVERS:
        result, scales = solve(apps, scen, solver=solver)
        assert result.status.value == "optimal"
        assert violations(apps, scen, scales) == [], solver
        if best is None:
            best = result.objective_fte
        assert result.objective_fte == pytest.approx(best, abs=1e-6), solver
    for method in ("greedy", "fcfs"):
        result, scales = solve(apps, scen, method)
        assert violations(apps, scen, scales) == [], method
        assert result.objective_fte <= best + 1e-6, method


@PROPERTY
@given(instances(all_or_nothing=True))
def test_brute_force_agrees(case) -> None:
    apps, scen = case
    result, _ = solve(apps, scen)
    eligible = [a for a, w in zip(apps, result.awards) if w.status.value != "ineligible"]
    best = 0.0
    for mask in itertools.product((0.0, 1.0), repeat=len(eligible)):
        scales = {a.application_id: 0.0 for a in apps}
        scales.update({a.application_id: s for a, s in zip(eligible, mask)})
        if not violations(apps, scen, scales):
            best = max(best, math.fsum(a.fte * s for a, s in zip(eligible, mask)))
    assert result.objective_fte == pytest.approx(best, abs=1e-6)
