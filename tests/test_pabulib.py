"""Real budget-allocation instances nobody here made: every backend must find the exact
knapsack optimum that an independent dynamic programme computes."""

from __future__ import annotations

import json
import math
from datetime import datetime
from functools import reduce
from pathlib import Path

import numpy as np
import pytest

from allocator.domain import Application, RegionTable, Scenario
from allocator.engine import allocate
from tests.conftest import EXACT_SOLVERS, options

DATA = Path(__file__).parent / "data" / "pabulib"
INSTANCES = sorted(p.stem for p in DATA.glob("*.json"))


def knapsack_dp(costs: list[int], values: list[int], budget: int) -> int:
    """Exact 0/1 knapsack by dynamic programming over the budget (in units of the gcd)."""
    g = reduce(math.gcd, [*costs, budget])
    cap = budget // g
    best = np.zeros(cap + 1, dtype=np.int64)
    for c, v in zip(costs, values):
        w = c // g
        if w <= cap:
            best[w:] = np.maximum(best[w:], best[: cap + 1 - w] + v)
    return int(best[-1])


def as_applications(data: dict) -> tuple[list[Application], Scenario]:
    apps = [
        Application(
            application_id=str(p["id"]),
            use_case="ai-speech-reporting",
            region="NL",
            parties=2,
            submitted_at=datetime(2026, 10, 1),
            cost_eur_by_year={2027: float(p["cost"])},
            fte=float(p["votes"]),
        )
        for p in data["projects"]
    ]
    budget = float(data["budget"])
    scen = Scenario.model_validate({"ceiling": budget, "year_budgets": {2027: budget}})
    return apps, scen


@pytest.mark.parametrize("name", INSTANCES)
@pytest.mark.parametrize("solver", EXACT_SOLVERS)
def test_real_pb_instance_matches_dynamic_programme(name: str, solver: str) -> None:
    data = json.loads((DATA / f"{name}.json").read_text())
    costs = [int(float(p["cost"])) for p in data["projects"]]
    votes = [int(p["votes"]) for p in data["projects"]]
    expected = knapsack_dp(costs, votes, int(float(data["budget"])))
    apps, scen = as_applications(data)
    regions = RegionTable(name="none", population={"X": 1})
    result = allocate(apps, scen, options("optimal", solver), regions=regions).result
    assert result.status.value == "optimal"
    assert result.objective_fte == pytest.approx(expected, abs=1e-6)
    greedy = allocate(apps, scen, options("greedy"), regions=regions).result
    assert greedy.objective_fte <= expected + 1e-6
