"""The synthetic generator, and that a plain wheel carries the data the package needs."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

from allocator.catalog import model_plans, sample_applications_path, shipped_regions
from allocator.domain import Scenario
from allocator.eligibility import check_all
from allocator.generate import generate_rows, rows_to_csv, synthetic_regions

ROOT = Path(__file__).resolve().parents[1]


def test_generator_is_deterministic_and_plausible() -> None:
    rows = generate_rows(300, shipped_regions(), seed=7)
    assert rows_to_csv(rows) == rows_to_csv(generate_rows(300, shipped_regions(), seed=7))
    assert rows_to_csv(rows) != rows_to_csv(generate_rows(300, shipped_regions(), seed=8))
    total = sum(r["cost_2027"] + r["cost_2028"] + r["cost_2029"] for r in rows)
    assert abs(total / 600e6 - 3.5) < 0.05
    assert sum(1 for r in rows if r["exclusive_group"]) >= 4
    assert {r["use_case"] for r in rows} >= set(model_plans())


def test_shipped_sample_has_every_ineligibility_kind_and_is_oversubscribed() -> None:
    from allocator.io.inputs import load_submission

    sub = load_submission(sample_applications_path(), shipped_regions())
    scen = Scenario.model_validate(
        {"ceiling": 600e6, "year_budgets": {2027: 3e8, 2028: 3e8, 2029: 1e8}, "impact_bar": 17}
    )
    reasons = check_all(sub.applications, scen, model_plans())
    codes = {c for cs in reasons.values() for c in cs}
    assert {"unknown_use_case", "theme_mismatch", "below_impact_bar", "structural_gap"} <= codes
    assert {"single_party", "zero_cost"} <= codes
    eligible = sum(a.total_cost_eur for a in sub.applications if not reasons[a.application_id])
    assert 1.5 < eligible / 600e6 < 3


def test_synthetic_regions_sum_to_the_national_population() -> None:
    table = synthetic_regions(38)
    assert len(table.population) == 38
    assert sum(table.population.values()) == 17_947_684


def test_wheel_contains_runtime_data(tmp_path: Path) -> None:
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(tmp_path), str(ROOT)],
        check=True,
        capture_output=True,
    )
    (wheel,) = tmp_path.glob("allocator-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    assert "allocator/plans/ai-speech-reporting.yaml" in names
    assert sum(n.startswith("allocator/plans/") and n.endswith(".yaml") for n in names) == 16
    assert "allocator/scenarios/baseline.yaml" in names
    assert "allocator/data/sample_applications.csv" in names
    assert "allocator/data/regions/provinces.csv" in names
    assert "allocator/data/regions/ggd_regions.csv" in names
    # every module of the source tree ships (a subpackage missing from pyproject's list
    # installs fine in editable mode and breaks a plain `pip install .`)
    source = {str(p.relative_to(ROOT)) for p in (ROOT / "allocator").rglob("*.py")}
    assert source <= names, sorted(source - names)
