"""The board's subscription overview."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from allocator.cli import main
from allocator.overview import overview
from tests.conftest import REGIONS, app, scenario

M = 1e6


def test_overview_by_hand() -> None:
    apps = [
        app("A", {2027: 6 * M, 2028: 0}, 120, region="R1"),  # 20 FTE/M
        app("B", {2027: 0, 2028: 4 * M}, 40, region="R2"),  # 10 FTE/M: below 17
        app("C", 2 * M, 80, region="NL", use_case="mt-stoma-sensor"),  # 40 FTE/M
        app("D", 1 * M, 50, parties=1),  # single party
    ]
    scen = scenario(
        ceiling=10 * M,
        theme_budgets={"ai": 5 * M, "medtech": 4 * M},
        impact_bar=17,
        region_max_factor=1.0,
    )
    tables = overview(apps, scen, REGIONS)
    themes = {r["theme"]: r for r in tables["themes"]}
    assert themes["ai"]["requested_all"] == 11 * M and themes["ai"]["requested_eligible"] == 6 * M
    assert themes["ai"]["subscription"] == pytest.approx(6 / 5)
    assert themes["medtech"]["subscription"] == pytest.approx(0.5)
    assert themes["total"]["eligible"] == 2 and themes["total"]["requested_eligible"] == 8 * M
    years = {r["year"]: r for r in tables["years"]}
    assert years[2027]["requested_eligible"] == 8 * M and years[2028]["requested_eligible"] == 0
    regions = {r["region"]: r for r in tables["regions"]}
    assert regions["R1"]["cap"] == pytest.approx(2.5 * M) and regions["R1"][
        "subscription"
    ] == pytest.approx(6 / 2.5)
    assert regions["NL"]["requested_eligible"] == 2 * M
    codes = {r["reason"]: r for r in tables["ineligible"]}
    assert (
        codes["below_impact_bar"]["applications"] == 1
        and codes["single_party"]["requested"] == 1 * M
    )
    bars = {r["impact_bar"]: r for r in tables["impact_bars"]}
    assert [bars[b]["eligible"] for b in (9.0, 17.0, 35.0)] == [3, 2, 1]


def test_overview_command_writes_files(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["overview", "-o", str(tmp_path)])
    assert result.exit_code == 0, result.output
    data = json.loads((tmp_path / "overview.json").read_text())
    assert set(data) == {"themes", "years", "regions", "ineligible", "impact_bars"}
    assert (tmp_path / "overview.xlsx").stat().st_size > 0
