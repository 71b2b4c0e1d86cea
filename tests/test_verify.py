"""verify catches each kind of violation (one injected at a time), and passes our own sets."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from allocator.cli import main
from allocator.verify import verify
from tests.conftest import REGIONS, app, scenario

M = 1e6
APPS = [
    app("A", 10 * M, 50, region="R1"),
    app("B", 10 * M, 40, region="R2", exclusive_group="G"),
    app("C", 10 * M, 30, region="R2", exclusive_group="G"),
    app("D", 10 * M, 20, region="R2", min_scale=0.5, use_case="mt-stoma-sensor"),
    app("E", 10 * M, 20, region="R2", parties=1),  # ineligible: single_party
    app("F", {2027: 0, 2028: 10 * M}, 20, region="R2", min_scale=0.5),
]
SCEN = scenario(
    ceiling=40 * M,
    theme_budgets={"ai": 30 * M, "medtech": 8 * M},
    year_budgets={2027: 35 * M, 2028: 8 * M},
    region_max_factor=1.0,  # R1 <= 10M, R2 <= 30M
)
VALID = {"A": 1.0, "B": 1.0, "C": 0.0, "D": 0.5, "E": 0.0, "F": 0.5}  # 30M, all rules hold


def table(scales: dict[str, float], **overrides: dict) -> dict[str, dict[str, object]]:
    cost = {a.application_id: a.total_cost_eur for a in APPS}
    rows = {
        k: {"application_id": k, "scale": v, "awarded_amount": v * cost[k]}
        for k, v in scales.items()
    }
    for k, extra in overrides.items():
        rows[k].update(extra)
    return rows


def violations(scales=None, scen=SCEN, **overrides) -> list[str]:
    return verify(APPS, scen, REGIONS, table(scales or VALID, **overrides)).violations


def test_valid_set_passes() -> None:
    assert violations() == []


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({}, "ceiling"),  # 30M > 28M (checked under a lower ceiling below)
        ({"D": 1.0}, "theme:medtech"),
        ({"F": 1.0}, "year:2028"),
        ({"A": 1.0, "B": 0.0}, None),  # still valid: less money
        ({"C": 1.0}, "exclusive:G"),
        ({"D": 0.3}, "scale_min:D"),
        ({"E": 1.0}, "E: ineligible (single_party)"),
        ({"A": 1.5}, "A: scale 1.5 outside [0, 1]"),
    ],
)
def test_each_kind_of_violation(change: dict, expected: str | None) -> None:
    scen = SCEN
    if expected == "ceiling":
        scen = SCEN.model_copy(update={"ceiling": 28 * M, "region_max_factor": None})
    found = violations({**VALID, **change}, scen=scen)
    if expected is None:
        assert found == []
    else:
        assert any(expected in v for v in found), found


def test_region_cap_violation() -> None:
    apps_r1 = dict(VALID)
    found = verify(
        [*APPS, app("H", 5 * M, 5, region="R1")],
        SCEN,
        REGIONS,
        {**table(apps_r1), "H": {"application_id": "H", "scale": 1.0}},
    ).violations
    assert any(v.startswith("region:R1") and "over by 5,000,000.00" in v for v in found), found


def test_amount_fte_missing_and_unknown_rows() -> None:
    rows = table(VALID, A={"awarded_amount": 9 * M, "awarded_fte": 7})
    del rows["F"]
    rows["Z"] = {"application_id": "Z", "scale": 1}
    found = verify(APPS, SCEN, REGIONS, rows).violations
    assert any("A: awarded_amount" in v and "off by EUR -1,000,000.00" in v for v in found)
    assert any("A: awarded_fte" in v for v in found)
    assert "F: no row in the award table" in found
    assert "Z: in the award table but not in the submission" in found


def test_board_rules_are_checked() -> None:
    scen = SCEN.model_copy(
        update={"must_fund": ["C"], "must_not": ["A"], "theme_floors": {"medtech": 6 * M}}
    )
    found = violations(scen=scen)
    assert any(v.startswith("must_fund:C") for v in found)
    assert any(v.startswith("must_not:A") for v in found)
    assert any(v.startswith("theme_floor:medtech") and "short by 1,000,000.00" in v for v in found)


def test_cli_verify_exit_codes_and_xlsx(tmp_path: Path) -> None:
    out = tmp_path / "o"
    assert CliRunner().invoke(main, ["solve", "-q", "-o", str(out)]).exit_code == 0
    from allocator.catalog import sample_applications_path, scenario_path

    base = ["verify", "-a", str(sample_applications_path()), "-s", str(scenario_path())]
    for name in ("awards.csv", "awards.xlsx"):
        result = CliRunner().invoke(main, [*base, "--awards", str(out / name)])
        assert result.exit_code == 0 and "no violations" in result.output
    lines = (out / "awards.csv").read_text().splitlines()
    rejected = next(i for i, line in enumerate(lines) if ",rejected,0,0," in line)
    lines[rejected] = lines[rejected].replace(",rejected,0,0,", ",awarded,1,,", 1)
    edited = tmp_path / "edited.csv"
    edited.write_text("\n".join(lines) + "\n")
    result = CliRunner().invoke(main, [*base, "--awards", str(edited)])
    assert result.exit_code == 1 and "over by" in result.output


# --- every award in every rule, in exact cents, the product's quoting read back ----------


def test_an_ineligible_award_counts_in_every_budget_it_draws_on() -> None:
    """E is ineligible (single party) and gets EUR 10M on top of a set at the ceiling: its
    money breaks the ceiling and the AI theme budget as well, all reported at once."""
    scen = SCEN.model_copy(update={"ceiling": 30 * M, "region_max_factor": None})
    assert violations(scen=scen) == []
    found = violations({**VALID, "E": 1.0}, scen=scen)
    assert any(v.startswith("E: ineligible (single_party)") for v in found), found
    assert any(v.startswith("ceiling:") and "over by 10,000,000.00" in v for v in found), found
    assert any(v.startswith("theme:ai:") and "over by 5,000,000.00" in v for v in found), found


def test_all_violations_are_reported_at_once() -> None:
    scen = SCEN.model_copy(update={"ceiling": 30 * M, "region_max_factor": None})
    found = violations({**VALID, "E": 1.0, "C": 1.0, "D": 0.3}, scen=scen)
    for expected in ("E: ineligible", "ceiling:", "theme:ai:", "exclusive:G", "scale_min:D"):
        assert any(v.startswith(expected) for v in found), (expected, found)


def _partial_d(amount: object, scale: float | None) -> dict[str, dict[str, object]]:
    rows = table(VALID)
    rows["D"] = {"application_id": "D", "awarded_amount": amount}
    if scale is not None:
        rows["D"]["scale"] = scale
    if amount is None:
        del rows["D"]["awarded_amount"]
    return rows


@pytest.mark.parametrize(
    ("amount", "scale"),
    [
        ("5000000.01", (5 * M + 0.0099) / (10 * M)),  # amount and scale agree to the cent
        (None, (5 * M + 0.0099) / (10 * M)),  # only the scale: scale x request to the cent
        ("5000000.0099", (5 * M + 0.0099) / (10 * M)),  # not whole cents: counted as 0.01
    ],
)
def test_one_cent_over_the_ceiling_fails(amount: object, scale: float | None) -> None:
    """EUR 0.0099 over the ceiling passed under the old EUR 0.01 tolerance."""
    scen = SCEN.model_copy(update={"ceiling": 30 * M, "region_max_factor": None})
    found = verify(APPS, scen, REGIONS, _partial_d(amount, scale)).violations
    assert any(v.startswith("ceiling:") and "over by 0.01" in v for v in found), found


def test_exactly_at_the_ceiling_passes_and_sub_cent_amounts_are_named() -> None:
    scen = SCEN.model_copy(update={"ceiling": 30 * M, "region_max_factor": None})
    assert verify(APPS, scen, REGIONS, _partial_d("5000000.00", 0.5)).violations == []
    found = verify(APPS, scen, REGIONS, _partial_d("4999999.994", 0.5)).violations
    assert found == ["D: awarded_amount EUR 4999999.994 is not in whole cents"]


def test_neutralise_round_trip_and_collisions() -> None:
    from allocator.io.outputs import neutralise, neutralise_collisions, unneutralise

    for text in ("=A020", "+1", "-5", "@SUM", "\tx", "A1", "'A1", "''=A", "", "'"):
        assert unneutralise(neutralise(text)) == text
    assert unneutralise("'=A020") == "=A020" and unneutralise("'A1") == "'A1"
    assert neutralise_collisions(["=A020", "A1", "'=A020", "'A1"]) == [("=A020", "'=A020")]
    assert neutralise_collisions(["A1", "'A1", "=B", "B"]) == []


def test_colliding_ids_are_named() -> None:
    apps = [app("=A020", 1 * M, 10), app("'=A020", 1 * M, 10)]
    rows = {a.application_id: {"application_id": a.application_id, "scale": 0} for a in apps}
    found = verify(apps, scenario(), REGIONS, rows).violations
    assert any("'=A020'" in v and "cannot tell them apart" in v for v in found), found


def test_verify_reads_back_the_products_own_quoting(tmp_path: Path) -> None:
    """Ids and titles starting with = + - @ or ' go through solve and verify, CSV and XLSX."""
    from allocator.catalog import sample_applications_path, scenario_path

    lines = sample_applications_path().read_text().splitlines()
    new_ids = {"A001": "=A001", "A002": "'A002", "A003": "-A003", "A004": "@A004", "A005": "'=A5"}
    for i, line in enumerate(lines[1:], start=1):
        app_id = line.split(",", 1)[0]
        if app_id in new_ids:
            lines[i] = new_ids[app_id] + line[len(app_id) :]
    apps = tmp_path / "apps.csv"
    apps.write_text("\n".join(lines) + "\n")
    out = tmp_path / "o"
    result = CliRunner().invoke(main, ["solve", "-q", "-a", str(apps), "-o", str(out)])
    assert result.exit_code == 0, result.output
    csv_text = (out / "awards.csv").read_text()
    assert "\n'=A001," in csv_text and "\n'A002," in csv_text and "\n'=A5," in csv_text
    base = ["verify", "-a", str(apps), "-s", str(scenario_path())]
    for name in ("awards.csv", "awards.xlsx"):
        result = CliRunner().invoke(main, [*base, "--awards", str(out / name)])
        assert result.exit_code == 0 and "no violations" in result.output, (name, result.output)


def test_cli_ineligible_award_on_top_of_the_optimum(tmp_path: Path) -> None:
    """Issue 8: awarding ineligible A001 (EUR 4.817M) on top of the optimum takes the total
    past EUR 600M; verify names the ineligibility, the ceiling and the theme budget."""
    from allocator.catalog import sample_applications_path, scenario_path

    out = tmp_path / "o"
    assert CliRunner().invoke(main, ["solve", "-q", "-o", str(out)]).exit_code == 0
    lines = (out / "awards.csv").read_text().splitlines()
    i = next(i for i, line in enumerate(lines) if line.startswith("A001,"))
    cells = lines[i].split(",")
    assert cells[1] == "ineligible"
    cells[1:5] = ["awarded", "1", "4817000", cells[4]]
    lines[i] = ",".join(cells)
    edited = tmp_path / "edited.csv"
    edited.write_text("\n".join(lines) + "\n")
    base = ["verify", "-a", str(sample_applications_path()), "-s", str(scenario_path())]
    result = CliRunner().invoke(main, [*base, "--awards", str(edited)])
    assert result.exit_code == 1
    assert "A001: ineligible" in result.output
    assert "ceiling: EUR 604,816,999.99 > limit 600,000,000.00" in result.output
    assert "theme:ai:" in result.output
