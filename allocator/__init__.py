"""allocator: provably optimal allocation of the Dutch AZWA breakthrough funds.

Python API (CONTRACT.md, "Python API"; allocator/api.py)::

    import allocator as al
    apps = al.read_applications("applications.csv")      # DataFrame; raises al.InputError
    sc = al.Scenario.from_yaml("scenarios/baseline.yaml") # sc.replace(impact_bar=9) validates
    res = al.solve(apps, sc, explain=True)
    res.status, res.objective_fte, res.awards, res.shadow_prices, res.explain("A021")
    al.compare([sc, sc.replace(impact_bar=9, name="bar-9")], apps)   # compare.csv's rows

The lower layers (``allocate``, ``load_submission`` ...) stay importable for tools.
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
    "write_run": "run_output",
    "InputError": "errors",
    "read_applications": "api",
    "solve": "api",
    "Result": "api",
    "compare": "api",
}
__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:  # lazy: importing allocator stays cheap for the CLI
    if name in _EXPORTS:
        return getattr(import_module(f".{_EXPORTS[name]}", __name__), name)
    raise AttributeError(name)
