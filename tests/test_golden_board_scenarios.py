"""Golden figures of the board scenarios of issue 10 item 5 on the shipped sample, re-checked
by the independent contract checker and by verify (as tests/test_golden_scenarios.py)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from allocator.catalog import regions_for, sample_applications_path, scenario_path
from allocator.cli import main
from allocator.io.inputs import load_scenario, load_submission
from allocator.verify import read_awards, verify
from tests.contract_check import check

PROVINCES = Path(__file__).resolve().parents[1] / "allocator" / "data" / "regions" / "provinces.csv"
GOLDEN = {
    "rhythm-even": 18935.2280,
    "regions-off": 21201.7881,
    "themes-ai-up": 20405.0249,
    "themes-medtech-up": 21541.1599,
}


@pytest.mark.parametrize("name", sorted(GOLDEN))
def test_golden_board_scenario(tmp_path: Path, name: str) -> None:
    result = CliRunner().invoke(
        main, ["solve", "-q", "-s", str(scenario_path(name)), "-o", str(tmp_path)]
    )
    assert result.exit_code == 0, result.output
    summary = json.loads((tmp_path / "summary.json").read_text())
    assert summary["status"] == "optimal"
    assert summary["objective_fte"] == pytest.approx(GOLDEN[name], abs=2e-3)
    assert check(sample_applications_path(), scenario_path(name), PROVINCES, tmp_path) == []
    scen = load_scenario(scenario_path(name))
    regions = regions_for(scen)
    apps = load_submission(sample_applications_path(), regions).applications
    assert verify(apps, scen, regions, read_awards(tmp_path / "awards.csv")).violations == []


@pytest.mark.parametrize("name", sorted(GOLDEN))
def test_header_names_source_and_assumptions(name: str) -> None:
    header = scenario_path(name).read_text(encoding="utf-8").split("\nname:")[0]
    assert "seeds/" in header and "ASSUMPTION" in header
