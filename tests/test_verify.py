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
