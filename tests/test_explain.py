"""Every number in the explanations equals a re-solve from scratch with a fresh model."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from allocator.domain import RunOptions, SolveStatus
from allocator.engine import _optimal, allocate
from allocator.explain import explain
from allocator.narrative import texts
from tests.test_model import generated

ROOT = Path(__file__).resolve().parents[1]
TOL = 1e-3  # FTE: both sides are optima to a relative gap of 1e-7


@pytest.fixture(scope="module")
def case():
    apps, scen, regions = generated(90, seed=5)
    scen = scen.model_copy(update={"carry_over": False})
    alloc = allocate(apps, scen, RunOptions(), regions=regions)
    assert alloc.result.status is SolveStatus.optimal
    return apps, scen, regions, alloc, explain(alloc, workers=2)


def test_removed_and_forced_equal_fresh_solves(case) -> None:
    apps, scen, regions, alloc, ex = case
    base = alloc.result.objective_fte
    checked_removed = checked_forced = 0
    for app_id, e in sorted(ex.applications.items())[::3]:
        if e.fte_loss_if_removed is not None:
            fresh = allocate(
                apps,
                scen.model_copy(update={"must_not": [app_id]}),
                RunOptions(solver="ortools-scip"),
                regions=regions,
            )
            assert e.fte_loss_if_removed == pytest.approx(
                base - fresh.result.objective_fte, abs=TOL
            ), app_id
            checked_removed += 1
        award = next(w for w in alloc.result.awards if w.application_id == app_id)
        if award.scale == 0:
            fresh = allocate(
                apps,
                scen.model_copy(update={"must_fund": [app_id]}),
                RunOptions(solver="ortools-scip"),
                regions=regions,
            )
            if e.forced_infeasible:
                assert fresh.result.status is SolveStatus.infeasible, app_id
            else:
                assert e.fte_loss_if_forced == pytest.approx(
                    base - fresh.result.objective_fte, abs=TOL
                ), app_id
                checked_forced += 1
    assert checked_removed >= 3 and checked_forced >= 3


def test_shadow_prices_equal_fresh_solves(case) -> None:
    _, _, _, alloc, ex = case
    problem = alloc.problem
    base = alloc.result.objective_fte
    assert set(ex.shadow_prices) == {
        r.name for r in problem.rows if r.family in ("ceiling", "theme", "year", "region")
    }
    for k, row in enumerate(problem.rows):
        if row.name not in ex.shadow_prices:
            continue
        rhs = list(problem.rhs_eur)
        rhs[k] += 1_000_000
        status, scale, _, _ = _optimal(
            replace(problem, rhs_eur=rhs), RunOptions(solver="ortools-scip", reduce=False), {}
        )
        assert status is SolveStatus.optimal
        assert ex.shadow_prices[row.name] == pytest.approx(
            float(scale @ problem.fte) - base, abs=TOL
        ), row.name


def test_every_eligible_application_explained_and_deterministic(case) -> None:
    _, _, _, alloc, ex = case
    eligible = {w.application_id for w in alloc.result.awards if w.status.value != "ineligible"}
    assert set(ex.applications) == eligible
    again = explain(alloc, workers=1)  # fixed blocks: the same numbers whatever the workers
    assert again.shadow_prices == ex.shadow_prices
    assert again.applications == ex.applications


def test_texts_carry_the_numbers(case) -> None:
    _, _, _, alloc, ex = case
    words = texts(alloc, ex)
    for app_id, e in ex.applications.items():
        if e.fte_loss_if_removed is not None:
            assert f"{e.fte_loss_if_removed:,.1f} FTE less" in words[app_id]
        if e.fte_loss_if_forced and not e.forced_infeasible:
            award = next(w for w in alloc.result.awards if w.application_id == app_id)
            if award.scale == 0:
                assert f"would cost {e.fte_loss_if_forced:,.1f} FTE" in words[app_id]


def test_explain_refuses_a_baseline(case) -> None:
    apps, scen, regions, _, _ = case
    greedy = allocate(apps, scen, RunOptions(method="greedy"), regions=regions)
    with pytest.raises(ValueError, match="optimal"):
        explain(greedy)


def _fresh_losses(apps, scen, regions, alloc, ex, ids) -> None:
    """fte_loss_if_removed / _forced of ``ids`` against fresh solves on SCIP (the scenario's
    own locks stay; the variant adds one)."""
    base = alloc.result.objective_fte
    for app_id in ids:
        e = ex.applications[app_id]
        award = next(w for w in alloc.result.awards if w.application_id == app_id)
        if e.fte_loss_if_removed is not None:
            update = {"must_not": [*scen.must_not, app_id]}
            loss = e.fte_loss_if_removed
        elif award.scale == 0 and not e.forced_infeasible:
            update = {"must_fund": [*scen.must_fund, app_id]}
            loss = e.fte_loss_if_forced
        else:
            continue
        fresh = allocate(
            apps, scen.model_copy(update=update), RunOptions(solver="ortools-scip"), regions=regions
        )
        assert fresh.result.status is SolveStatus.optimal, app_id
        assert loss == pytest.approx(base - fresh.result.objective_fte, abs=TOL), app_id


def test_board_rules_explained_by_fresh_solves() -> None:
    """Locks and a theme floor stay in every re-solve."""
    apps, scen, regions = generated(70, seed=8)
    plain = allocate(apps, scen, RunOptions(), regions=regions).result
    funded = sorted(w.application_id for w in plain.awards if w.scale > 0)
    rules = {"must_not": funded[:1], "theme_floors": {"medtech": 20e6}}
    for locked in funded[1:]:  # the first that can be locked in under these rules
        locked_scen = scen.model_copy(update={**rules, "must_fund": [locked]})
        alloc = allocate(apps, locked_scen, RunOptions(), regions=regions)
        if alloc.result.status is SolveStatus.optimal:
            break
    else:
        pytest.fail("nothing can be locked in")
    scen = locked_scen
    ex = explain(alloc, workers=1)
    assert ex.applications[locked].fte_loss_if_removed is None  # locked in
    assert ex.applications[funded[0]].fte_loss_if_forced is None  # locked out
    assert ex.applications[funded[0]].forced_infeasible
    _fresh_losses(apps, scen, regions, alloc, ex, sorted(ex.applications)[::4])


def test_backend_without_lp_duals_gives_the_same_numbers() -> None:
    """ortools-scip has no LP reduced costs here: each variant is solved whole."""
    apps, scen, regions = generated(40, seed=9)
    ours = explain(allocate(apps, scen, RunOptions(), regions=regions), workers=1)
    scip = explain(
        allocate(apps, scen, RunOptions(solver="ortools-scip"), regions=regions), workers=1
    )
    assert set(ours.applications) == set(scip.applications)
    for app_id, e in ours.applications.items():
        other = scip.applications[app_id]
        for name in ("fte_loss_if_removed", "fte_loss_if_forced"):
            mine, theirs = getattr(e, name), getattr(other, name)
            assert (mine is None) == (theirs is None), (app_id, name)
            if mine is not None:
                assert mine == pytest.approx(theirs, abs=TOL), (app_id, name)
    for name, value in ours.shadow_prices.items():
        assert value == pytest.approx(scip.shadow_prices[name], abs=TOL), name


def test_progress_hears_every_block_and_changes_nothing(case) -> None:
    _, _, _, alloc, ex = case
    heard: list[tuple[int, int]] = []
    again = explain(alloc, workers=2, progress=lambda done, total: heard.append((done, total)))
    assert again.applications == ex.applications and again.shadow_prices == ex.shadow_prices
    total = int(ex.timings_s["count"])
    assert [d for d, _ in heard] == sorted(d for d, _ in heard)
    assert heard[-1] == (total, total) and all(t == total for _, t in heard)


def test_a_cap_raised_lets_in_an_application_too_big_for_it() -> None:
    """ai theme EUR 10M: A (EUR 10.5M, 40 FTE, all or nothing) never fits, so the model
    shuts it; with the theme EUR 1M larger it does (40 FTE against B's 12 and C's 6)."""
    from tests.conftest import app, scenario

    apps = [app("A", 10.5e6, 40), app("B", 6e6, 12), app("C", 4e6, 6)]
    scen = scenario(theme_budgets={"ai": 10e6})
    alloc = allocate(apps, scen, RunOptions())
    assert alloc.result.objective_fte == pytest.approx(18.0)
    reason = next(w.reason for w in alloc.result.awards if w.application_id == "A")
    assert reason == "not funded: its smallest award alone is more than theme:ai holds"
    ex = explain(alloc, workers=1)
    assert ex.shadow_prices["theme:ai"] == pytest.approx(40.0 - 18.0)
    assert ex.applications["A"].forced_infeasible  # at 10M it cannot be forced in
    assert texts(alloc, ex)["A"] == (
        "Not funded: even its smallest award needs EUR 10,500,000 under the AI theme budget, "
        "which holds EUR 10,000,000 in all; no award set can fund it."
    )


def test_shadow_prices_under_the_regional_minimum_equal_fresh_solves() -> None:
    """Under the regional minimum the total awarded is bounded by the ceiling inside the
    model: a raised ceiling must raise that bound too (it was priced 0 where a fresh solve
    with EUR 1M more gains 25.4 FTE). The shipped sample under board-rules with a binding
    ceiling of EUR 500M: the ceiling, every priced cap and one unpriced one, each against a
    fresh solve of the scenario with that limit EUR 1M higher."""
    from allocator.catalog import regions_for, sample_applications_path
    from allocator.explain import shadow_prices
    from allocator.io.inputs import load_scenario, load_submission

    scen = load_scenario(ROOT / "scenarios/board-rules.yaml").model_copy(
        update={"ceiling": 500_000_000.0}
    )
    regions = regions_for(scen)
    apps = load_submission(sample_applications_path(), regions).applications
    alloc = allocate(apps, scen, RunOptions(), regions=regions)
    base = alloc.result.objective_fte
    assert base is not None and alloc.result.status is SolveStatus.optimal
    prices = shadow_prices(alloc, workers=2)
    assert prices["ceiling"] > 1.0  # the ceiling binds
    unpriced = next(c for c, p in sorted(prices.items()) if p == 0)
    for cap in [c for c, p in sorted(prices.items()) if p > 0] + [unpriced]:
        family, _, key = cap.partition(":")
        if family == "ceiling":  # the region caps grow with it: none binds in this instance
            changed = {"ceiling": scen.ceiling + 1e6}
        elif family == "theme":
            changed = {"theme_budgets": {**scen.theme_budgets, key: scen.theme_budgets[key] + 1e6}}
        elif family == "year":
            years = dict(scen.year_budgets)
            years[int(key)] += 1e6
            changed = {"year_budgets": years}
        else:
            continue  # a region cap is a share of the ceiling: no scenario key raises it alone
        fresh = allocate(apps, scen.model_copy(update=changed), RunOptions(), regions=regions)
        assert fresh.result.objective_fte is not None
        assert abs(fresh.result.objective_fte - base - prices[cap]) <= TOL, cap
