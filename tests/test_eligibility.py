"""Each basic requirement of CONTRACT.md, one code at a time."""

from __future__ import annotations

import pytest

from allocator.catalog import model_plans
from allocator.eligibility import ineligibility_reasons
from tests.conftest import app, scenario

M = 1e6


@pytest.mark.parametrize(
    ("application", "scen_kw", "codes"),
    [
        (app("ok", 1 * M, 20), {"impact_bar": 17}, []),
        (app("u", 1 * M, 20, use_case="ai-robots"), {}, ["unknown_use_case"]),
        (app("t", 1 * M, 20, theme="medtech"), {}, ["theme_mismatch"]),
        (app("t2", 1 * M, 20, theme="ai"), {}, []),
        (app("b", 1 * M, 16.9), {"impact_bar": 17}, ["below_impact_bar"]),
        (app("b2", 2 * M, 34), {"impact_bar": 17}, []),  # exactly on the bar is eligible
        (app("s", 1 * M, 20, structural_cost=10, structural_savings=9), {}, ["structural_gap"]),
        (app("s2", 1 * M, 20, structural_cost=10, structural_savings=10), {}, []),
        (app("p", 1 * M, 20, parties=1), {}, ["single_party"]),
        (app("w", {2027: 1 * M, 2030: 1}, 20), {}, ["outside_window"]),
        (app("w2", {2027: 1 * M, 2030: 0}, 20), {}, []),
        (app("c", 5 * M, 200), {"project_cap": 4 * M}, ["over_project_cap"]),
        (app("z", 0, 0), {"impact_bar": 17}, ["zero_cost"]),
        (
            app("many", 1 * M, 1, parties=1, use_case="x"),
            {"impact_bar": 9},
            ["unknown_use_case", "below_impact_bar", "single_party"],
        ),
    ],
)
def test_reason_codes(application, scen_kw, codes) -> None:
    assert ineligibility_reasons(application, scenario(**scen_kw), model_plans()) == codes


def test_sixteen_model_plans_none_allows_single_applicants() -> None:
    plans = model_plans()
    assert len(plans) == 16
    assert {p.theme for p in plans.values()} == {"ai", "digital_hybrid", "medtech"}
    assert not any(p.single_applicant_allowed for p in plans.values())
    assert sum(p.theme == "ai" for p in plans.values()) == 3
    assert sum(p.theme == "medtech" for p in plans.values()) == 3
