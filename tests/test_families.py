"""One place per constraint family (allocator/families): every built-in family is a registry
entry, the rest of the program asks the registry, and a family added as one module (here: a
toy per-insurer cap defined in this test) shows up in the rows, the constraints table, the
shadow prices, the sentences, diagnosis and verify without touching any other file."""

from __future__ import annotations

import numpy as np
import pytest

from allocator import results
from allocator.domain import RunOptions, SolveStatus
from allocator.engine import allocate
from allocator.explain import explain
from allocator.families import (
    CUSTOM,
    FAMILIES,
    REGION,
    Family,
    family_of,
    register,
    unregister,
)
from allocator.model.custom import ConstraintBuilder
from allocator.model.problem import build_problem
from allocator.narrative import describe_constraint, texts
from allocator.verify import verify
from tests.conftest import REGIONS, app, scenario

CAP_EUR = 7e6


class InsurerCap(Family):
    """The whole module a per-insurer cap needs: insurer:<X> <= CAP_EUR per lead insurer."""

    name = "insurer"
    keys = ()
    priced = True
    elastic = True

    def build(self, problem, scenario, context) -> None:  # type: ignore[no-untyped-def]
        insurers = sorted({a.lead_insurer for a in context.apps if a.lead_insurer})
        for insurer in insurers:
            members = np.flatnonzero([a.lead_insurer == insurer for a in context.apps])
            problem.add_row(self.info(insurer), CAP_EUR, members, problem.cost_eur[members])

    def describe(self, entity, scenario, regions) -> str:  # type: ignore[no-untyped-def]
        return f"the cap on insurer {entity}"


def _apps():  # type: ignore[no-untyped-def]
    return [
        app("A1", 4e6, 40, lead_insurer="X"),
        app("A2", 4e6, 32, lead_insurer="X"),
        app("B1", 4e6, 20, lead_insurer="Y"),
    ]


@pytest.fixture
def insurer_family():  # type: ignore[no-untyped-def]
    family = register(InsurerCap())
    try:
        yield family
    finally:
        unregister(family)


def test_every_row_of_the_sample_belongs_to_a_registered_family() -> None:
    apps = _apps()
    sc = scenario(region_max_factor=2.0, theme_budgets={"ai": 50e6}, theme_floors={"ai": 1e6})
    problem = build_problem(apps, sc, REGIONS, {a.application_id: "ai" for a in apps})
    assert all(family_of(info) in FAMILIES for info in problem.rows)
    assert [r.name for r in problem.rows] == [
        "ceiling",
        "theme:ai",
        "year:2027",
        "year:2028",
        "region:R1",
        "region:R2",
        "theme_floor:ai",
    ]
    # the region cap's formula lives in the region family; the row and the report agree
    k = problem.row_index()["region:R2"]
    assert problem.rhs_eur[k] == REGION.cap_eur(sc, REGIONS, "R2")


def test_the_custom_family_is_a_registry_entry_like_the_others() -> None:
    apps = _apps()
    problem = build_problem(apps, scenario(), REGIONS, {a.application_id: "ai" for a in apps})
    ConstraintBuilder(problem, None).add_constraint(  # type: ignore[arg-type]
        "mine", {"A1": 1.0}, "<=", 1.0
    )
    assert CUSTOM in FAMILIES and family_of(problem.rows[-1]) is CUSTOM
    assert CUSTOM.priced and CUSTOM.walks_honour


def test_a_family_added_as_one_module_shows_up_everywhere(insurer_family) -> None:  # type: ignore[no-untyped-def]
    apps, sc = _apps(), scenario()
    alloc = allocate(apps, sc, RunOptions(), regions=REGIONS)
    assert alloc.result.status is SolveStatus.optimal
    # rows: one per insurer; the optimum keeps them (one of A1/A2 only)
    names = [r.name for r in alloc.problem.rows]
    assert "insurer:X" in names and "insurer:Y" in names
    scale = {w.application_id: w.scale for w in alloc.result.awards}
    assert scale == {"A1": 1.0, "A2": 0.0, "B1": 1.0}
    # constraints table: family, limit, use, slack
    table = {r["constraint"]: r for r in results.constraint_rows(alloc)}
    assert table["insurer:X"]["family"] == "insurer"
    assert table["insurer:X"]["used"] == 4e6 and table["insurer:X"]["slack"] == 3e6
    # shadow price re-solved: EUR 1M more under insurer:X lets A2 in (32 FTE)
    ex = explain(alloc, workers=1)
    assert ex.shadow_prices["insurer:X"] == pytest.approx(32.0, abs=1e-3)
    assert ex.shadow_prices["insurer:Y"] == 0.0
    assert "insurer:X" in ex.applications["A2"].binding
    # sentences: the family's own words
    assert describe_constraint("insurer:X", alloc) == "the cap on insurer X"
    words = texts(alloc, ex)["A2"]
    assert "too little is left under the cap on insurer X" in words
    assert "under the cap on insurer X 32.0 FTE" in words
    # verify re-checks an award table against the same rows
    awards = {a.application_id: {"application_id": a.application_id, "scale": 1} for a in apps}
    report = verify(apps, sc, REGIONS, awards)
    assert any(line.startswith("insurer:X: ") for line in report.violations)
    # diagnosis: the family is elastic, so it can be named in a conflict
    locked = allocate(apps, sc.model_copy(update={"must_fund": ["A1", "A2"]}), regions=REGIONS)
    assert locked.result.status is SolveStatus.infeasible
    assert any(c.startswith(("insurer:X", "must_fund:")) for c in locked.result.conflicts)


def test_without_the_toy_family_nothing_of_it_remains() -> None:
    apps = _apps()
    problem = build_problem(apps, scenario(), REGIONS, {a.application_id: "ai" for a in apps})
    assert not any(r.name.startswith("insurer:") for r in problem.rows)
    assert family_of("insurer:X") is None
