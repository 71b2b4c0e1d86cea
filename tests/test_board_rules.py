"""Board rules as scenario keys: locks, theme floors, regional minimum, infeasible scenarios."""

from __future__ import annotations

import numpy as np
import pytest

from allocator.domain import SolveStatus
from allocator.engine import allocate
from allocator.errors import InputError
from allocator.feasibility import feasibility_problems
from tests.conftest import FTE_TOL, REGIONS, app, options, scenario

M = 1e6
KNAPSACK = [app("A", 6 * M, 6), app("B", 5 * M, 4), app("C", 5 * M, 4)]


def run(apps, scen, method="optimal", solver="highs"):
    alloc = allocate(apps, scen, options(method, solver), regions=REGIONS)
    awards = {w.application_id: w for w in alloc.result.awards}
    if alloc.result.status.has_solution:  # every award set keeps every board rule
        scale = np.array([awards[a].scale for a in alloc.problem.app_ids])
        assert feasibility_problems(alloc.problem, scale, board_rules=method == "optimal") == []
    return alloc.result, awards


def test_must_fund_overrides_the_optimum(solver: str) -> None:
    result, awards = run(KNAPSACK, scenario(ceiling=10 * M, must_fund=["A"]), solver=solver)
    assert result.objective_fte == pytest.approx(6, abs=FTE_TOL)
    assert awards["A"].scale == 1


def test_must_not_excludes(solver: str) -> None:
    result, awards = run(KNAPSACK, scenario(ceiling=10 * M, must_not=["B"]), solver=solver)
    assert result.objective_fte == pytest.approx(6, abs=FTE_TOL)
    assert awards["B"].scale == 0 and "must_not" in awards["B"].reason


def test_must_fund_scalable_at_least_min_scale(solver: str) -> None:
    apps = [app("A", 8 * M, 80), app("B", 10 * M, 10, min_scale=0.3)]
    result, awards = run(apps, scenario(ceiling=11 * M, must_fund=["B"]), solver=solver)
    assert awards["B"].scale == pytest.approx(0.3)
    assert result.objective_fte == pytest.approx(83, abs=FTE_TOL)


def test_theme_floor(solver: str) -> None:
    apps = [
        app("A", 10 * M, 50),
        app("B", 10 * M, 40),
        app("D", 10 * M, 5, use_case="mt-stoma-sensor"),
    ]
    base = scenario(ceiling=20 * M)
    assert run(apps, base, solver=solver)[0].objective_fte == pytest.approx(90, abs=FTE_TOL)
    floored = scenario(ceiling=20 * M, theme_floors={"medtech": 10 * M})
    result, awards = run(apps, floored, solver=solver)
    assert result.objective_fte == pytest.approx(55, abs=FTE_TOL)
    assert awards["D"].scale == 1


def test_region_minimum_share(solver: str) -> None:
    # R1 holds 25% of the population, R2 75%; factor 0.8: R1 >= 20% and R2 >= 60% of the total.
    # Without the rule: A + D + B (40M) = 69 FTE, but R1 would get 5M of 40M (12.5%).
    # With it (worked by hand over all sets; A scales linearly):
    #   A@a + B: T = 30a + 5, R1: 5 >= 0.2 T -> a <= 2/3, R2: 30a >= 0.6 T -> a >= 1/4
    #   -> a = 2/3, 45 FTE; A@a + B + D: a <= 1/2 -> 39 FTE; sets with C break R2's minimum.
    apps = [
        app("A", 30 * M, 60, region="R2", min_scale=0.1),
        app("D", 5 * M, 4, region="R2"),
        app("B", 5 * M, 5, region="R1"),
        app("C", 20 * M, 1, region="R1"),
    ]
    assert run(apps, scenario(ceiling=40 * M), solver=solver)[0].objective_fte == pytest.approx(69)
    result, awards = run(apps, scenario(ceiling=40 * M, region_min_factor=0.8), solver=solver)
    assert result.objective_fte == pytest.approx(45, abs=1e-5)
    assert awards["A"].scale == pytest.approx(2 / 3, abs=1e-7)
    assert awards["B"].scale == 1 and awards["C"].scale == 0 and awards["D"].scale == 0


def test_region_minimum_lets_off_a_fully_funded_region(solver: str) -> None:
    apps = [app("A", 30 * M, 60, region="R2"), app("B", 5 * M, 5, region="R1")]
    result, _ = run(apps, scenario(ceiling=40 * M, region_min_factor=1.0), solver=solver)
    assert result.objective_fte == pytest.approx(65, abs=FTE_TOL)  # R1's only application is funded


def test_region_minimum_ignores_an_application_no_award_set_can_fund(solver: str) -> None:
    """R1's only application is bigger than the ceiling: R1 cannot get anything, and that
    must not hold every other award at zero."""
    apps = [app("A", 30 * M, 60, region="R2"), app("B", 50 * M, 5, region="R1")]
    result, awards = run(apps, scenario(ceiling=40 * M, region_min_factor=1.0), solver=solver)
    assert result.status is SolveStatus.optimal
    assert result.objective_fte == pytest.approx(60, abs=FTE_TOL)
    assert awards["B"].scale == 0


def test_infeasible_floor_names_the_conflict(solver: str) -> None:
    apps = [app("A", 10 * M, 50), app("D", 20 * M, 5, use_case="mt-stoma-sensor")]
    result, _ = run(
        apps, scenario(ceiling=100 * M, theme_floors={"medtech": 50 * M}), solver=solver
    )
    assert result.status is SolveStatus.infeasible
    assert len(result.conflicts) == 1
    assert result.conflicts[0].startswith("theme_floor:medtech")
    assert "30,000,000.00" in result.conflicts[0]


def test_infeasible_locks_name_the_smallest_set() -> None:
    scen = scenario(ceiling=10 * M, must_fund=["A", "B"])
    result, _ = run(KNAPSACK, scen)
    assert result.status is SolveStatus.infeasible
    assert len(result.conflicts) == 1  # one rule giving way is enough
    (conflict,) = result.conflicts
    assert conflict.split(":")[0] in ("ceiling", "must_fund")
    if conflict.startswith("ceiling"):
        assert "1,000,000.00" in conflict
    assert "smallest conflicting set" in result.message


def test_must_fund_on_ineligible_is_a_conflict() -> None:
    apps = [app("A", 6 * M, 6, parties=1), app("B", 5 * M, 4)]
    result, _ = run(apps, scenario(must_fund=["A"]))
    assert result.status is SolveStatus.infeasible
    assert "single_party" in result.conflicts[0]


def test_lock_on_unknown_id_is_an_input_error() -> None:
    with pytest.raises(InputError) as info:
        run(KNAPSACK, scenario(must_not=["ZZ"]))
    assert info.value.problems[0].column == "must_not"


def test_lock_in_both_lists_refused() -> None:
    with pytest.raises(ValueError, match="both name A"):
        scenario(must_fund=["A"], must_not=["A"])


@pytest.mark.parametrize("method", ["fcfs", "greedy"])
def test_baselines_honour_locks(method: str) -> None:
    apps = [
        app("A", 6 * M, 60, minute=0),
        app("B", 5 * M, 4, minute=1),
        app("C", 5 * M, 4, minute=2),
    ]
    result, awards = run(apps, scenario(ceiling=10 * M, must_fund=["C"], must_not=["A"]), method)
    assert awards["C"].scale == 1 and awards["A"].scale == 0 and awards["B"].scale == 1
    assert result.objective_fte == pytest.approx(8)


def test_secondary_most_regions_keeps_the_fte_optimum(solver: str) -> None:
    apps = [app("A", 10 * M, 10, region="R1"), app("B", 10 * M, 10), app("C", 10 * M, 10)]
    result, awards = run(apps, scenario(ceiling=20 * M, secondary=["most_regions"]), solver=solver)
    assert result.objective_fte == pytest.approx(20, abs=FTE_TOL)
    assert awards["A"].scale == 1  # R1 served as well as R2


@pytest.mark.parametrize(("ceiling", "partials"), [(10, 0), (15, 1)])
def test_secondary_fewest_partial(solver: str, ceiling: float, partials: int) -> None:
    apps = [app("A", 10 * M, 10, min_scale=0.5), app("B", 10 * M, 10, min_scale=0.5)]
    scen = scenario(ceiling=ceiling * M, secondary=["most_regions", "fewest_partial"])
    result, awards = run(apps, scen, solver=solver)
    assert result.objective_fte == pytest.approx(ceiling, abs=1e-5)
    assert sum(w.status.value == "partial" for w in awards.values()) == partials
