"""Tiny cases whose optimum is worked out by hand, on every installed solver backend."""

from __future__ import annotations

import pytest

from allocator.domain import AwardStatus, SolveStatus
from allocator.engine import allocate
from tests.conftest import FTE_TOL, REGIONS, app, options, scenario

M = 1e6


def run(apps, scen, method="optimal", solver="highs"):
    alloc = allocate(apps, scen, options(method, solver), regions=REGIONS)
    awards = {a.application_id: a for a in alloc.result.awards}
    return alloc.result, awards


def test_knapsack_optimal_beats_greedy(solver: str) -> None:
    # ceiling 10M: A (6M, 6 FTE) alone, or B + C (5M + 5M, 4 + 4 FTE) = 8 FTE
    apps = [app("A", 6 * M, 6), app("B", 5 * M, 4), app("C", 5 * M, 4)]
    scen = scenario(ceiling=10 * M)
    result, awards = run(apps, scen, solver=solver)
    assert result.status is SolveStatus.optimal
    assert result.objective_fte == pytest.approx(8, abs=FTE_TOL)
    assert awards["A"].status is AwardStatus.rejected
    assert result.total_awarded_eur == pytest.approx(10 * M)
    greedy, g_awards = run(apps, scen, "greedy")
    assert greedy.objective_fte == pytest.approx(6)  # A first (1.0 FTE per EUR 1M), then no room
    assert "ceiling" in g_awards["B"].reason


def test_partial_scaling(solver: str) -> None:
    # ceiling 10M: A 8M/16 FTE scalable from 50%; B 4M/6 FTE all or nothing.
    # Best: B + A at 75% (6M) = 6 + 12 = 18 FTE; A alone = 16.
    apps = [app("A", 8 * M, 16, min_scale=0.5), app("B", 4 * M, 6)]
    result, awards = run(apps, scenario(ceiling=10 * M), solver=solver)
    assert result.objective_fte == pytest.approx(18, abs=FTE_TOL)
    assert awards["A"].status is AwardStatus.partial
    assert awards["A"].scale == pytest.approx(0.75)
    assert awards["A"].awarded_amount_eur == pytest.approx(6 * M, abs=0.01)
    assert awards["B"].status is AwardStatus.awarded
    greedy, g_awards = run(apps, scenario(ceiling=10 * M), "greedy")
    assert greedy.objective_fte == pytest.approx(16)
    assert g_awards["B"].status is AwardStatus.rejected


def test_min_scale_blocks_partial(solver: str) -> None:
    # 3M left after A; B (10M, min 40% = 4M) cannot start: rejected.
    apps = [app("A", 7 * M, 70), app("B", 10 * M, 50, min_scale=0.4)]
    result, awards = run(apps, scenario(ceiling=10 * M), solver=solver)
    assert result.objective_fte == pytest.approx(70, abs=FTE_TOL)
    assert awards["B"].scale == 0


def test_exclusive_group(solver: str) -> None:
    apps = [
        app("A", 10 * M, 50, exclusive_group="G"),
        app("B", 10 * M, 40, exclusive_group="G"),
        app("C", 10 * M, 10),
    ]
    result, awards = run(apps, scenario(), solver=solver)
    assert result.objective_fte == pytest.approx(60, abs=FTE_TOL)
    assert awards["B"].status is AwardStatus.rejected
    assert "exclusive group G" in awards["B"].reason


def test_exclusive_group_with_partial_members(solver: str) -> None:
    # ceiling 12M: A (10M, 50, min 0.5) and B (8M, 48, min 0.5) compete; C 4M/8.
    # Options: A full + C@... C is all-or-nothing 4M: A@0.8 (8M)+C = 40+8 = 48; A full alone 50;
    # B full + C = 48 + 8 = 56 (12M).  Best 56.
    apps = [
        app("A", 10 * M, 50, min_scale=0.5, exclusive_group="G"),
        app("B", 8 * M, 48, min_scale=0.5, exclusive_group="G"),
        app("C", 4 * M, 8),
    ]
    result, awards = run(apps, scenario(ceiling=12 * M), solver=solver)
    assert result.objective_fte == pytest.approx(56, abs=FTE_TOL)
    assert awards["A"].scale == 0 and awards["B"].scale == 1 and awards["C"].scale == 1


def test_theme_budget(solver: str) -> None:
    apps = [
        app("A", 10 * M, 30),
        app("B", 5 * M, 20),
        app("C", 5 * M, 20),
        app("D", 50 * M, 60, use_case="dh-digital-triage"),
    ]
    result, awards = run(apps, scenario(theme_budgets={"ai": 10 * M}), solver=solver)
    assert result.objective_fte == pytest.approx(100, abs=FTE_TOL)
    assert awards["A"].scale == 0
    assert "theme:ai" in awards["A"].reason


@pytest.mark.parametrize(("carry_over", "expected"), [(False, 10.0), (True, 50.0)])
def test_year_budgets_and_carry_over(solver: str, carry_over: bool, expected: float) -> None:
    # 10M a year. A spends 12M in 2028 only: too much for 2028 alone, fine with 2027's
    # unspent 10M carried over (cumulative 2028 cap 20M >= 12M + 8M).
    apps = [app("A", {2027: 0, 2028: 12 * M}, 40), app("B", {2027: 0, 2028: 8 * M}, 10)]
    scen = scenario(year_budgets={2027: 10 * M, 2028: 10 * M}, carry_over=carry_over)
    result, _ = run(apps, scen, solver=solver)
    assert result.objective_fte == pytest.approx(expected, abs=FTE_TOL)


def test_carry_over_never_moves_money_backwards(solver: str) -> None:
    # A spends 12M in 2027: 2027's cap (10M) holds with or without carry-over.
    apps = [app("A", {2027: 12 * M, 2028: 0}, 40)]
    scen = scenario(year_budgets={2027: 10 * M, 2028: 10 * M}, carry_over=True)
    result, _ = run(apps, scen, solver=solver)
    assert result.objective_fte == pytest.approx(0, abs=FTE_TOL)


def test_region_cap_and_national_exemption(solver: str) -> None:
    # factor 1.0 on ceiling 100M: R1 (1/4 of population) may get 25M, R2 75M; NL is exempt.
    apps = [
        app("A", 20 * M, 40, region="R1"),
        app("B", 10 * M, 30, region="R1"),
        app("C", 50 * M, 10, region="NL"),
    ]
    scen = scenario(ceiling=200 * M, region_max_factor=1.0)
    # caps use the ceiling: R1 <= 1.0 * 0.25 * 200M = 50M, so both R1 apps fit
    result, _ = run(apps, scen, solver=solver)
    assert result.objective_fte == pytest.approx(80, abs=FTE_TOL)
    scen = scenario(ceiling=100 * M, region_max_factor=1.0)  # R1 <= 25M: only A
    result, awards = run(apps, scen, solver=solver)
    assert result.objective_fte == pytest.approx(50, abs=FTE_TOL)
    assert "region:R1" in awards["B"].reason


def test_region_cap_allows_partial_fill(solver: str) -> None:
    apps = [
        app("A", 20 * M, 40, region="R1"),
        app("B", 10 * M, 30, region="R1", min_scale=0.5),
    ]
    result, awards = run(apps, scenario(region_max_factor=1.0), solver=solver)
    assert result.objective_fte == pytest.approx(55, abs=FTE_TOL)  # A + B at 50% (5M)
    assert awards["B"].scale == pytest.approx(0.5)


def test_exact_fit_to_the_euro(solver: str) -> None:
    # budgets filled exactly by whole awards must be allowed (no safety margin)
    apps = [app("A", 300_000_000, 300), app("B", 300_000_000, 300), app("C", 1, 0.5)]
    result, awards = run(apps, scenario(ceiling=600_000_000), solver=solver)
    assert result.objective_fte == pytest.approx(600, abs=FTE_TOL)
    assert awards["C"].scale == 0


def test_no_eligible_application() -> None:
    apps = [app("A", 1 * M, 1, parties=1)]
    result, awards = run(apps, scenario())
    assert result.status is SolveStatus.optimal
    assert result.objective_fte == 0
    assert awards["A"].status is AwardStatus.ineligible
    assert awards["A"].reason == "single_party"


def test_fcfs_follows_submission_time_then_id() -> None:
    apps = [
        app("B", 6 * M, 60, minute=1),
        app("A", 6 * M, 6, minute=1),  # same time as B: A first by id
        app("C", 6 * M, 600, minute=5),
    ]
    result, awards = run(apps, scenario(ceiling=10 * M), "fcfs")
    assert awards["A"].scale == 1
    assert awards["B"].scale == 0 and awards["C"].scale == 0
    assert result.objective_fte == pytest.approx(6)


def test_fcfs_scales_down_to_fit() -> None:
    apps = [app("A", 6 * M, 6, minute=0), app("B", 8 * M, 80, min_scale=0.5, minute=1)]
    result, awards = run(apps, scenario(ceiling=10 * M), "fcfs")
    assert awards["B"].scale == pytest.approx(0.5)  # 4M of 8M left
    assert awards["B"].status is AwardStatus.partial
    assert "ceiling" in awards["B"].reason
    assert result.objective_fte == pytest.approx(46)


def test_greedy_ties_broken_by_id() -> None:
    apps = [app("B", 6 * M, 6), app("A", 6 * M, 6)]
    _, awards = run(apps, scenario(ceiling=10 * M), "greedy")
    assert awards["A"].scale == 1 and awards["B"].scale == 0


def test_result_does_not_depend_on_row_order(solver: str) -> None:
    apps = [
        app(f"X{i}", (i % 5 + 1) * M, (i * 7) % 11 + 1, min_scale=0.5 if i % 3 else 1)
        for i in range(12)
    ]
    scen = scenario(ceiling=15 * M)
    first = run(apps, scen, solver=solver)[1]
    second = run(list(reversed(apps)), scen, solver=solver)[1]
    assert {k: v.scale for k, v in first.items()} == {k: v.scale for k, v in second.items()}
