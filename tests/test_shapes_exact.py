"""Exactness on every shape of issue 13's benchmark family (bench/family.py), on small sizes:
the default pipeline (LP-guided start, reduced-cost fixing, dived start where the walk breaks
a rule, secondary stages fixed by reduced cost) gives the same optimum as an unreduced HiGHS
solve and as SCIP (an independent stack), with the regional minimum on and off."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

from allocator.catalog import regions_for
from allocator.domain import Application, RegionTable, RunOptions, Scenario, SolveStatus
from allocator.engine import allocate
from allocator.io.inputs import load_scenario, load_submission

ROOT = Path(__file__).resolve().parent.parent


def _family() -> ModuleType:
    spec = importlib.util.spec_from_file_location("bench_family", ROOT / "bench" / "family.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


FAMILY = _family()
N = 70  # applications; more where the family's oversubscription would leave nothing fundable
SHAPES = [  # each factor level of the family at least once
    FAMILY.Shape(N, 0.8, 1.0, 0.0, False, 12, 0, 1),
    FAMILY.Shape(N, 1.5, 0.0, 0.15, True, 40, 9, 2),
    FAMILY.Shape(N, 3.5, 0.55, 0.15, False, 40, 17, 3),
    FAMILY.Shape(300, 20.0, 0.0, 0.0, False, 12, 9, 4),
    FAMILY.Shape(1000, 150.0, 0.0, 0.0, True, 12, 9, 5),
    FAMILY.Shape(1000, 150.0, 0.6, 0.15, True, 40, 9, 6, named=True),
    FAMILY.Shape(300, 20.0, 1.0, 0.15, False, 40, 35, 7),
    FAMILY.Shape(N, 3.5, 0.0, 0.0, True, 12, 0, 8),
]


def _inputs(shape: object, work: Path) -> tuple[list[Application], Scenario, RegionTable]:
    FAMILY.WORK = work
    apps_path, scenario_path = FAMILY.make_inputs(shape)
    scenario = load_scenario(scenario_path)
    regions = regions_for(scenario)
    return load_submission(apps_path, regions, scenario.years).applications, scenario, regions


def _solve(
    apps: list[Application], scenario: Scenario, regions: RegionTable, **options: object
) -> float:
    result = allocate(apps, scenario, RunOptions(**options), regions=regions).result
    assert result.status is SolveStatus.optimal, (options, result.message)
    return float(sum(a.awarded_fte for a in result.awards))


@pytest.mark.parametrize("shape", SHAPES, ids=lambda s: s.key)
@pytest.mark.parametrize("region_min", [None, 0.5], ids=["plain", "region-min"])
def test_the_pipeline_finds_the_unreduced_optimum(
    shape: object, region_min: float | None, tmp_path: Path
) -> None:
    apps, scenario, regions = _inputs(shape, tmp_path)
    if region_min is not None:
        scenario = scenario.replace(region_min_factor=region_min)
    fast = _solve(apps, scenario, regions)
    plain = _solve(apps, scenario, regions, reduce=False)
    scip = _solve(apps, scenario, regions, solver="ortools-scip", reduce=False)
    assert fast == pytest.approx(plain, rel=1e-6, abs=1e-6)
    assert fast == pytest.approx(scip, rel=1e-6, abs=1e-6)
