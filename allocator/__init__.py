"""allocator: provably optimal allocation of the Dutch AZWA breakthrough funds.

Python API (for notebooks)::

    from allocator import load_scenario, load_submission, allocate, RunOptions
    scenario = load_scenario("scenarios/baseline.yaml")
    regions = regions_for(scenario)
    submission = load_submission("applications.csv", regions)
    alloc = allocate(submission.applications, scenario, RunOptions(method="optimal"))
    alloc.result.status, alloc.result.objective_fte
    awards_frame(alloc)   # pandas DataFrame
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

__version__ = "0.1.0"

_EXPORTS = {
    "allocate": "engine",
    "Allocation": "engine",
    "RunOptions": "domain",
    "Scenario": "domain",
    "Application": "domain",
    "SolveResult": "domain",
    "SolveStatus": "domain",
    "Method": "domain",
    "load_scenario": "io.inputs",
    "load_submission": "io.inputs",
    "load_regions": "io.inputs",
    "regions_for": "catalog",
    "model_plans": "catalog",
    "shipped_regions": "catalog",
    "awards_frame": "results",
    "write_run": "io.run_files",
    "InputError": "errors",
}
__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:  # lazy: importing allocator stays cheap for the CLI
    if name in _EXPORTS:
        return getattr(import_module(f".{_EXPORTS[name]}", __name__), name)
    raise AttributeError(name)
