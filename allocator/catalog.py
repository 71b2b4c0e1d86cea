"""The data shipped with the package: model plans, region tables, sample and scenarios."""

from __future__ import annotations

import importlib.util
from functools import cache
from importlib import resources
from pathlib import Path

from .domain import ModelPlan, RegionTable, Scenario
from .io.safe_yaml import load_yaml_file

SHIPPED_REGION_TABLES = {"provinces": "provinces.csv", "ggd": "ggd_regions.csv"}
DEFAULT_REGION_TABLE = "provinces"


_REPO_DIRS = {"allocator.plans": "models", "allocator.scenarios": "scenarios"}


def _package_dir(package: str) -> Path:
    """Where a data package lies: inside the installed package (wheel), or, when the code runs
    from a checkout whose root is on sys.path before the install, the repository folder.
    (models/ and scenarios/ are namespace packages: importlib.resources would hand back a
    MultiplexedPath, so the import system's own search location is used.)"""
    try:
        spec = importlib.util.find_spec(package)
    except ModuleNotFoundError:
        spec = None
    locations = list(spec.submodule_search_locations or []) if spec is not None else []
    for location in locations:
        if Path(location).is_dir():
            return Path(location)
    if package not in _REPO_DIRS:
        return Path(str(resources.files(package)))
    return Path(__file__).resolve().parent.parent / _REPO_DIRS[package]


def _resource(package: str, name: str) -> Path:
    return _package_dir(package) / name


@cache
def model_plans() -> dict[str, ModelPlan]:
    """The 16 national model plans, by use-case id (``ModelPlan``: theme, sectors, payment
    milestones as shares of a year's cost, and the indicative FTE per EUR 1M)."""
    plans = {}
    for entry in sorted(_package_dir("allocator.plans").glob("*.yaml")):
        if entry.is_file():
            plan = ModelPlan.model_validate(load_yaml_file(entry))  # the scenario's safe reader
            plans[plan.id] = plan
    return plans


@cache
def shipped_regions(name: str = DEFAULT_REGION_TABLE) -> RegionTable:
    """A shipped region table: 'provinces' (CBS 2024, default) or 'ggd' (CBS/RIVM 2021);
    ``population`` in inhabitants per region code."""
    from .io.inputs import load_regions

    if name not in SHIPPED_REGION_TABLES:
        raise KeyError(
            f"unknown shipped region table {name!r}; known: {sorted(SHIPPED_REGION_TABLES)}"
        )
    path = _resource("allocator.data", "regions/" + SHIPPED_REGION_TABLES[name])
    return load_regions(path, name=name)


def scenario_path(name: str = "baseline") -> Path:
    """Path of a shipped scenario YAML (scenarios/<name>.yaml)."""
    return _resource("allocator.scenarios", f"{name}.yaml")


def shipped_scenarios() -> list[str]:
    return sorted(e.stem for e in _package_dir("allocator.scenarios").glob("*.yaml"))


def sample_applications_path() -> Path:
    """The shipped synthetic sample submission (see allocator/data/README.md)."""
    return _resource("allocator.data", "sample_applications.csv")


def regions_for(scenario: Scenario) -> RegionTable:
    """The scenario's region table: its own file if it names one, else the shipped default
    (provinces); population in inhabitants per region code."""
    from .io.inputs import load_regions

    if scenario.regions is None:
        return shipped_regions()
    if scenario.regions.name in SHIPPED_REGION_TABLES.values() and not scenario.regions.exists():
        # a scenario may refer to a shipped table by its file name
        stem = {v: k for k, v in SHIPPED_REGION_TABLES.items()}[scenario.regions.name]
        return shipped_regions(stem)
    return load_regions(scenario.regions)
