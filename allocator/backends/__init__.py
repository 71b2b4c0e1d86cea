"""Solver backends by name. Only the modules in this package import a solver library."""

from __future__ import annotations

import importlib

from ..errors import SolverUnavailable
from .base import Backend, Feature, RawSolution, SolverFailed

_BACKENDS: dict[str, tuple[str, str]] = {
    "highs": ("highs", "HighsBackend"),
    "ortools-scip": ("ortools", "OrToolsScipBackend"),
    "ortools-highs": ("ortools", "OrToolsHighsBackend"),
    "pulp-cbc": ("pulp", "PulpCbcBackend"),
    "pulp-highs": ("pulp", "PulpHighsBackend"),
}
DEFAULT_SOLVER = "highs"
"""The fastest backend measured (bench/README.md)."""

__all__ = [
    "DEFAULT_SOLVER",
    "Backend",
    "Feature",
    "RawSolution",
    "SolverFailed",
    "available_solvers",
    "get_backend",
]


def solver_names() -> list[str]:
    return list(_BACKENDS)


def _backend_class(name: str) -> type[Backend]:
    if name not in _BACKENDS:
        raise SolverUnavailable(f"unknown solver {name!r}; choose one of {', '.join(_BACKENDS)}")
    module, cls = _BACKENDS[name]
    found = getattr(importlib.import_module(f".{module}", __name__), cls)
    if not (isinstance(found, type) and issubclass(found, Backend)):
        raise TypeError(f"{module}.{cls} is not a Backend")
    return found


def get_backend(name: str) -> Backend:
    cls = _backend_class(name)
    if not cls.available():
        raise SolverUnavailable(f"solver {name!r} is not installed here")
    return cls()


def available_solvers() -> list[str]:
    return [name for name in _BACKENDS if _backend_class(name).available()]
