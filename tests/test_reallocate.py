"""Re-allocating freed money (allocator reallocate): exact, no award goes down."""

from __future__ import annotations

import csv

import numpy as np
import pytest
from click.testing import CliRunner

from allocator.backends import get_backend
from allocator.catalog import model_plans, regions_for, sample_applications_path, scenario_path
from allocator.cli_after import reallocate as reallocate_cmd
from allocator.domain import RunOptions, SolveStatus
from allocator.eligibility import check_all
from allocator.engine import allocate
from allocator.io.inputs import load_scenario, load_submission
from allocator.model.mip import build_mip
from allocator.model.problem import build_problem
from allocator.reallocate import reallocate
from allocator.run_output import write_run

from .conftest import EXACT_SOLVERS

SOLVERS = [s for s in ("highs", "ortools-scip") if s in EXACT_SOLVERS]


@pytest.fixture(scope="module")
def sample(tmp_path_factory):
    out = tmp_path_factory.mktemp("solve")
    scen = load_scenario(scenario_path("baseline"))
    regions = regions_for(scen)
    apps = load_submission(sample_applications_path(), regions).applications
    alloc = allocate(apps, scen, RunOptions(), regions=regions)
    assert alloc.result.status is SolveStatus.optimal
    write_run(alloc, out, xlsx=False)
    full = [w.application_id for w in alloc.result.awards if w.status.value == "awarded"]
    partial = [w.application_id for w in alloc.result.awards if w.status.value == "partial"]
    # three projects: two funded in full and one partial (or three in full)
    withdrawn = (full[:2] + partial[:1]) if partial else full[:3]
    return scen, regions, apps, alloc, out / "awards.csv", withdrawn


def _fixed_optimum(scen, regions, apps, old, withdrawn, solver):
    """A fresh solve, built here from the problem: the old awards fixed as lower bounds on
    their scales (and choices), the withdrawn fixed to 0."""
    plans = model_plans()
    reasons = check_all(apps, scen, plans)
    eligible = [a for a in apps if not reasons[a.application_id]]
    themes = {a.application_id: plans[a.use_case].theme for a in eligible}
    problem = build_problem(eligible, scen, regions, themes)
    model = build_mip(problem, shut_unfundable=False)
    lb, ub = model.col_lb.copy(), model.col_ub.copy()
    for i, app_id in enumerate(problem.app_ids):
        if app_id in withdrawn:
            ub[model.scale_col[i]] = ub[model.choice_col[i]] = 0.0
        elif app_id in old and old[app_id].cents > 0:
            lb[model.scale_col[i]] = old[app_id].scale
            lb[model.choice_col[i]] = 1.0
    model.col_lb, model.col_ub = lb, ub
    raw = get_backend(solver).solve(model, RunOptions(solver=solver))
    assert raw.status is SolveStatus.optimal
    return raw.objective


@pytest.mark.parametrize("solver", SOLVERS)
def test_reallocation_is_the_optimum_with_old_awards_fixed(sample, solver):
    scen, regions, apps, alloc, awards, withdrawn = sample
    done = reallocate(apps, scen, regions, awards, withdrawn, RunOptions(solver=solver))
    res = done.allocation.result
    assert res.status is SolveStatus.optimal
    expected = _fixed_optimum(scen, regions, apps, done.old, set(withdrawn), solver)
    assert res.objective_fte == pytest.approx(expected, rel=1e-7, abs=1e-6)
    old = {w.application_id: w for w in alloc.result.awards}
    gained = False
    for w in res.awards:
        before = old[w.application_id]
        if w.application_id in withdrawn:
            assert w.scale == 0 and w.awarded_amount_eur == 0
            continue
        assert w.awarded_amount_eur >= before.awarded_amount_eur  # no award goes down
        assert w.scale >= before.scale - 1e-12
        if before.scale >= 1.0:  # funded in full: exactly as it was
            assert w.scale == 1.0 and w.awarded_amount_eur == before.awarded_amount_eur
        if w.awarded_amount_eur > before.awarded_amount_eur + 1:
            gained = True
    assert gained  # the freed money went somewhere
    assert res.objective_fte <= alloc.result.objective_fte + 1e-6  # the old set was optimal


def test_cli_writes_solve_files_and_diff(sample, tmp_path):
    _, _, _, alloc, awards, withdrawn = sample
    result = CliRunner().invoke(
        reallocate_cmd,
        ["--awards", str(awards), "--withdrawn", ",".join(withdrawn), "--out", str(tmp_path)],
    )
    assert result.exit_code == 0, result.output
    for name in ("awards.csv", "summary.json", "awards.xlsx", "diff.csv"):
        assert (tmp_path / name).exists(), name
    with open(tmp_path / "diff.csv", newline="", encoding="utf-8") as f:
        diff = list(csv.DictReader(f))
    assert {r["application_id"] for r in diff if r["change"] == "withdrawn"} == set(withdrawn)
    old_total = alloc.result.total_awarded_eur
    new_total = sum(float(r["new_amount"]) - float(r["old_amount"]) for r in diff) + old_total
    with open(tmp_path / "awards.csv", newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    assert np.isclose(sum(float(r["awarded_amount"]) for r in rows), new_total, atol=0.005)
    assert all(float(r["fte_gained"]) > -1e-9 for r in diff if r["change"] != "withdrawn")


def test_an_award_set_that_breaks_a_rule_is_refused(sample, tmp_path):
    _, _, apps, _, awards, withdrawn = sample
    with open(awards, newline="", encoding="utf-8") as f:
        rows = [{"application_id": r["application_id"], "scale": r["scale"],
                 "awarded_amount": r["awarded_amount"], "status": r["status"]}
                for r in csv.DictReader(f)]  # fmt: skip
    # fund every rejected eligible application in full: the ceiling breaks
    cost = {a.application_id: a.total_cost_eur for a in apps}
    for r in rows:
        if r["status"] == "rejected":
            r["scale"], r["awarded_amount"] = "1", f"{cost[r['application_id']]:.2f}"
    bad = tmp_path / "bad.csv"
    with open(bad, "w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    result = CliRunner().invoke(
        reallocate_cmd,
        ["--awards", str(bad), "--withdrawn", withdrawn[0], "--out", str(tmp_path / "o")],
    )
    assert result.exit_code == 2
    assert "breaks the scenario's rules" in result.output
    assert "ceiling" in result.output


def test_unknown_withdrawn_id_is_refused(sample, tmp_path):
    _, _, _, _, awards, _ = sample
    result = CliRunner().invoke(
        reallocate_cmd,
        ["--awards", str(awards), "--withdrawn", "NOPE", "--out", str(tmp_path)],
    )
    assert result.exit_code == 2 and "--withdrawn" in result.output and "NOPE" in result.output
