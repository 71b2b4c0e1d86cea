"""Golden scenarios: every shipped board scenario on the shipped sample, pinned, re-checked
by the independent contract checker and by verify (which also knows the board rules)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from allocator.catalog import (
    regions_for,
    sample_applications_path,
    scenario_path,
    shipped_scenarios,
)
from allocator.cli import main
from allocator.io.inputs import load_scenario, load_submission
from allocator.verify import read_awards, verify
from tests.contract_check import check

PROVINCES = Path(__file__).resolve().parents[1] / "allocator" / "data" / "regions" / "provinces.csv"
GOLDEN = {
    "baseline": 20949.3164,
    "bar-9": 20949.3164,
    "bar-35": 11513.4658,
    "carry-over": 21135.9558,
    "original-rhythm": 12046.7836,
    "board-rules": 20592.7910,
    "rhythm-even": 18935.2280,
    "regions-off": 21201.7881,
    "themes-ai-up": 20405.0249,
    "themes-medtech-up": 21541.1599,
}


def test_every_shipped_scenario_has_a_golden_figure() -> None:
    assert set(shipped_scenarios()) == {*GOLDEN, "infeasible-floors"}


@pytest.mark.parametrize("name", sorted(GOLDEN))
def test_golden_scenario(tmp_path: Path, name: str) -> None:
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


def test_board_rules_scenario_keeps_its_locks(tmp_path: Path) -> None:
    assert (
        CliRunner()
        .invoke(main, ["solve", "-q", "-s", str(scenario_path("board-rules")), "-o", str(tmp_path)])
        .exit_code
        == 0
    )
    rows = {
        line.split(",")[0]: line.split(",")
        for line in (tmp_path / "awards.csv").read_text().splitlines()[1:]
    }
    assert float(rows["A004"][2]) >= 0.7 - 1e-9  # must_fund: at least its min_scale
    assert rows["A002"][1] == "rejected"  # must_not


def test_infeasible_scenario_names_its_conflict(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        main, ["solve", "-q", "-s", str(scenario_path("infeasible-floors")), "-o", str(tmp_path)]
    )
    assert result.exit_code == 3
    assert "theme:medtech: must be raised by EUR 30,000,000.00" in result.output
    summary = json.loads((tmp_path / "summary.json").read_text())
    assert summary["status"] == "infeasible" and summary["conflicts"]
    assert not (tmp_path / "awards.csv").exists()
