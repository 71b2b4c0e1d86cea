"""What every solver backend offers, and what it hands back (our own types only)."""

from __future__ import annotations

import abc
import enum
from dataclasses import dataclass

import numpy as np

from ..domain import RunOptions, SolveStatus
from ..model.mip import LinearModel

FEASIBILITY_TOL = 1e-7
"""Primal feasibility tolerance asked of the solvers, in model units (EUR 1,000): EUR 0.0001."""


class Feature(str, enum.Enum):
    INTEGER_VARIABLES = "integer_variables"
    TIME_LIMIT = "time_limit"
    GAP_LIMIT = "gap_limit"
    WARM_START = "warm_start"


@dataclass
class RawSolution:
    """A backend's answer in our terms. ``values`` is None unless status has a solution."""

    status: SolveStatus
    values: np.ndarray | None = None
    objective: float | None = None
    bound: float | None = None
    message: str = ""

    @property
    def gap(self) -> float | None:
        if self.objective is None or self.bound is None:
            return None
        return abs(self.bound - self.objective) / max(abs(self.bound), 1e-9)


class Backend(abc.ABC):
    """One solver stack. Subclasses are the only code that imports a solver library."""

    name: str = ""
    description: str = ""
    features: frozenset[Feature] = frozenset()

    @classmethod
    @abc.abstractmethod
    def available(cls) -> bool:
        """True when the library behind this backend can be imported."""

    @abc.abstractmethod
    def solve(self, model: LinearModel, options: RunOptions) -> RawSolution:
        """Solve ``model`` (a maximisation) and map the outcome to our status."""
