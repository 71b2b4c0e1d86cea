"""The model layer: named constraints in a registry, the reduction is exact, time limits."""

from __future__ import annotations

import re

import pytest

from allocator.catalog import model_plans
from allocator.domain import RunOptions
from allocator.engine import allocate
from allocator.generate import generate_rows, synthetic_regions
from allocator.io.inputs import parse_submission
from allocator.io.tables import RawTable
from allocator.model.mip import build_mip
from allocator.model.problem import build_problem
from tests.conftest import EXACT_SOLVERS, scenario

NAME = re.compile(
    r"^(ceiling|theme:[a-z_]+|year:\d{4}|region:\w+|exclusive:\w+|scale_(min|max):\w+)$"
)


def generated(n: int, seed: int = 11):
    regions = synthetic_regions(38)
    rows = generate_rows(n, regions, seed=seed)
    header = list(rows[0])
    table = RawTable(
        "generated", header, [[str(r[c]) if r[c] != "" else None for c in header] for r in rows]
    )
    apps = parse_submission(table, regions).applications
    scen = scenario(
        ceiling=600e6,
        theme_budgets={"ai": 275e6, "digital_hybrid": 275e6, "medtech": 50e6},
        year_budgets={2027: 250e6, 2028: 250e6, 2029: 100e6},
        carry_over=True,
        impact_bar=17,
        region_max_factor=1.5,
    )
    return apps, scen, regions


def test_every_constraint_is_named_and_registered() -> None:
    apps, scen, regions = generated(400)
    plans = model_plans()
    eligible = [a for a in apps if a.use_case in plans]
    problem = build_problem(
        eligible, scen, regions, {a.application_id: plans[a.use_case].theme for a in eligible}
    )
    model = build_mip(problem)
    names = [r.name for r in model.rows]
    assert len(names) == len(set(names)) == model.num_rows
    assert all(NAME.match(n) for n in names), [n for n in names if not NAME.match(n)][:5]
    families = {r.family for r in model.rows}
    assert families == {"ceiling", "theme", "year", "region", "exclusive", "scale_min", "scale_max"}
    assert sum(r.family == "region" for r in model.rows) == 38
    assert {r.name for r in model.rows if r.family == "year"} == {
        "year:2027",
        "year:2028",
        "year:2029",
    }
    semi = build_mip(problem, semicontinuous=True)
    assert semi.num_rows < model.num_rows  # no link rows for scalable applications outside groups


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_reduction_is_exact(seed: int) -> None:
    apps, scen, regions = generated(600, seed)
    plain = allocate(apps, scen, RunOptions(reduce=False), regions=regions).result
    reduced = allocate(apps, scen, RunOptions(reduce=True), regions=regions).result
    assert plain.status.value == reduced.status.value == "optimal"
    assert reduced.objective_fte == pytest.approx(plain.objective_fte, rel=2e-7)
    for solver in EXACT_SOLVERS[1:]:
        other = allocate(apps, scen, RunOptions(solver=solver), regions=regions).result
        assert other.objective_fte == pytest.approx(plain.objective_fte, rel=2e-7), solver


@pytest.mark.parametrize("reduce", [True, False])
@pytest.mark.parametrize("limit", [0.001, 0.05])
def test_time_limit_never_claims_optimal_without_proof(limit: float, reduce: bool) -> None:
    apps, scen, regions = generated(3000)
    optimum = allocate(apps, scen, RunOptions(), regions=regions).result.objective_fte
    result = allocate(
        apps, scen, RunOptions(time_limit_s=limit, reduce=reduce), regions=regions
    ).result
    assert result.status.value in ("feasible", "optimal", "no_solution")
    if result.status.value == "feasible":
        assert result.objective_fte <= optimum * (1 + 1e-9)
        if result.bound is not None:  # a reported bound must really bound the optimum
            assert result.bound >= optimum * (1 - 1e-9)
            assert result.gap is not None and result.gap >= 0
    if result.status.value == "optimal":
        assert result.objective_fte == pytest.approx(optimum, rel=2e-7)
