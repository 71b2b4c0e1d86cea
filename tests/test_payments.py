"""Payment schedules (allocator payments): to the cent, per milestone and year."""

from __future__ import annotations

import csv
from fractions import Fraction

import pytest
from click.testing import CliRunner

from allocator.catalog import model_plans, regions_for, sample_applications_path, scenario_path
from allocator.cli_after import payments
from allocator.domain import Milestone, ModelPlan, RunOptions
from allocator.engine import allocate
from allocator.errors import InputError
from allocator.feasibility import to_cents
from allocator.io.inputs import load_scenario, load_submission
from allocator.payments import milestones_in, read_award_set
from allocator.run_output import write_run


@pytest.fixture(scope="module")
def sample_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("solve")
    scen = load_scenario(scenario_path("baseline"))
    apps = load_submission(sample_applications_path(), regions_for(scen)).applications
    alloc = allocate(apps, scen, RunOptions(), regions=regions_for(scen))
    write_run(alloc, out, xlsx=False)
    return alloc, out / "awards.csv"


def _read(path):
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def _cents(text: str) -> int:
    value = Fraction(text)
    assert (value * 100).denominator == 1, text  # whole cents
    return int(value * 100)


def test_every_plan_has_a_milestone_template():
    for plan in model_plans().values():
        assert plan.milestones, plan.id
        assert any(m.year == "each" for m in plan.milestones)


def test_sample_schedule_adds_up_to_the_cent(sample_run, tmp_path):
    alloc, awards = sample_run
    result = CliRunner().invoke(payments, ["--awards", str(awards), "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    rows = _read(tmp_path / "payments.csv")
    assert list(rows[0]) == ["application_id", "milestone", "year", "amount"]
    apps = {a.application_id: a for a in alloc.applications}
    funded = [w for w in alloc.result.awards if w.awarded_amount_eur > 0]
    assert funded
    for award in alloc.result.awards:
        mine = [r for r in rows if r["application_id"] == award.application_id]
        assert sum(_cents(r["amount"]) for r in mine) == to_cents(award.awarded_amount_eur)
        app = apps[award.application_id]
        if mine:
            names = {m.name for m in alloc.plans[app.use_case].milestones}
            assert {r["milestone"] for r in mine} <= names
        for year, cost in app.cost_eur_by_year.items():
            if not mine:
                break
            paid = sum(_cents(r["amount"]) for r in mine if int(r["year"]) == year)
            due = (
                Fraction(to_cents(award.awarded_amount_eur))
                * Fraction(cost)
                / Fraction(app.total_cost_eur)
            )  # = scale * cost_year in cents
            assert abs(paid - due) < 1, (award.application_id, year)
    cash = {int(r["year"]): r for r in _read(tmp_path / "cash.csv")}
    for year, budget in alloc.scenario.year_budgets.items():
        paid = sum(_cents(r["amount"]) for r in rows if int(r["year"]) == year)
        assert _cents(cash[year]["paid"]) == paid <= to_cents(budget)
    assert (tmp_path / "payments.xlsx").stat().st_size > 0


def test_milestones_fall_in_the_right_years():
    t = model_plans()["ai-speech-reporting"].milestones
    got = milestones_in([2027, 2028, 2029], t)
    assert [m.name for m in got[2027]] == ["plan-approved", "implementation", "yearly-results"]
    assert [m.name for m in got[2028]] == ["implementation", "yearly-results"]
    assert [m.name for m in got[2029]] == ["implementation", "yearly-results", "final-evaluation"]
    one = milestones_in([2028], t)
    assert [m.name for m in one[2028]] == [m.name for m in t]
    offset = [Milestone(name="a", share=1, year="each"), Milestone(name="b", share=1, year=5)]
    assert [m.name for m in milestones_in([2027, 2028], offset)[2028]] == ["a", "b"]


def test_a_template_must_pay_every_year():
    base = model_plans()["ai-speech-reporting"].model_dump()
    with pytest.raises(ValueError, match="each"):
        ModelPlan.model_validate(base | {"milestones": [{"name": "x", "share": 1, "year": 0}]})


def test_split_by_hand(tmp_path, sample_run):
    from allocator.payments import schedule

    alloc, _ = sample_run
    app = next(a for a in alloc.applications if len(a.cost_eur_by_year) >= 1)
    app = app.model_copy(update={"cost_eur_by_year": {2027: 100.0, 2028: 200.0}})
    plan = model_plans()[app.use_case]
    # award EUR 100.01 = 10001 cents over years 1:2 -> 3333.67 and 6667.33 -> 3334, 6667
    rows = schedule(app, 10001, plan)
    by_year = {}
    for r in rows:
        by_year.setdefault(r["year"], []).append((r["milestone"], round(r["amount"] * 100)))
    # 2027 (first): 3334 over 0.2:0.5:0.3 -> 666.8, 1667, 1000.2 -> 667, 1667, 1000
    assert by_year[2027] == [
        ("plan-approved", 667),
        ("implementation", 1667),
        ("yearly-results", 1000),
    ]
    # 2028 (last): 6667 over 0.5:0.3:0.1 -> 3703.9, 2222.3, 740.8 -> 3704, 2222, 741
    assert by_year[2028] == [
        ("implementation", 3704), ("yearly-results", 2222), ("final-evaluation", 741)
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("body", "row", "column"),
    [
        ("application_id,scale\nNOPE,1\n", 2, "application_id"),
        ("application_id,scale\n{a},abc\n", 2, "scale"),
        ("application_id,scale\n{a},1\n{a},1\n", 3, "application_id"),
        ("application_id,scale\n{a},1.5\n", 2, "scale"),
        ("application_id,scale,awarded_amount\n{a},,12.345\n", 2, "awarded_amount"),
        ("application_id,scale,awarded_amount\n{a},,x\n", 2, "awarded_amount"),
        ("application_id,status\n{a},awarded\n", 1, "scale"),
        ("id,scale\n{a},1\n", 1, "application_id"),
    ],
)
def test_bad_award_files_are_refused_naming_row_and_field(tmp_path, sample_run, body, row, column):
    alloc, _ = sample_run
    first = alloc.applications[0].application_id
    path = tmp_path / "awards.csv"
    path.write_text(body.format(a=first), encoding="utf-8")
    with pytest.raises(InputError) as err:
        read_award_set(path, alloc.applications)
    assert any(p.row == row and p.column == column for p in err.value.problems), err.value.render()
    result = CliRunner().invoke(payments, ["--awards", str(path), "--out", str(tmp_path / "o")])
    assert result.exit_code == 2
    assert f"row {row}, column {column}" in result.output
