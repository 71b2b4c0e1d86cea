"""custom: a researcher's own constraints (CONTRACT.md, "Python API": ``extra_constraints``).

``fn(m)`` gets a :class:`ConstraintBuilder`: ``m.applications`` is the DataFrame of the
eligible applications (indexed by application_id, the input columns and ``total_cost`` in
EUR) and ``m.add_constraint(name, coefficients, sense, rhs)`` adds the row
``sum coefficients[id] * s_id  <sense>  rhs`` over the scales s. The rows join the problem's
budget rows under the family ``custom``: the MIP, the fcfs/greedy walks (caps only, as for
the built-in floors), the re-check of every award set, the constraints table, shadow prices
(caps) and the explanations treat them as any budget row. An ``==`` row becomes a cap named
``name`` and a floor named ``name:min``.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING

import numpy as np

from ..model.problem import AllocationProblem, ConstraintInfo
from .base import Family

if TYPE_CHECKING:
    import pandas as pd

    from ..domain import RegionTable, Scenario

SENSES = ("<=", ">=", "==")
NAME = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.:\- ]{0,99}$")
"""A constraint name: letters, digits and _ . : - or space, at most 100 characters."""


class Custom(Family):
    """The researcher's rows: their names are their own (not ``custom:...``); the family is
    in each row's ConstraintInfo. No scenario key: the rows come from ``extra_constraints``
    after the scenario's families are built. Caps are priced and walked, floors only checked."""

    name = "custom"
    priced = True

    def applies(self, scenario: Scenario) -> bool:
        return False

    def describe(self, entity: str, scenario: Scenario, regions: RegionTable) -> str:
        return f"the custom constraint {entity!r}"


CUSTOM = Custom()
FAMILY = CUSTOM.name


class CustomConstraintError(ValueError):
    """A custom constraint that cannot be added, with the reason."""


class ConstraintBuilder:
    """What ``extra_constraints(m)`` sees: ``m.applications``, the eligible applications, and
    ``m.add_constraint``. A constraint's unit is its own: with coefficients in EUR (e.g.
    ``total_cost``) the row is a money row, its limit, use and slack in EUR and its shadow
    price in FTE per EUR 1M more of ``rhs``."""

    applications: pd.DataFrame
    """The eligible applications, indexed by application_id: the input columns (money in
    EUR, fte in FTE at full scale) and ``total_cost`` (EUR, all years at full scale)."""
    added: list[str]
    """The names of the constraints added so far, in order."""

    def __init__(self, problem: AllocationProblem, applications: pd.DataFrame) -> None:
        self._problem = problem
        self.applications = applications
        self._index = {a: i for i, a in enumerate(problem.app_ids)}
        self.added: list[str] = []

    def add_constraint(
        self, name: str, coefficients: Mapping[str, float], sense: str, rhs: float
    ) -> None:
        """Add ``sum coefficients[id] * s_id <sense> rhs`` over the scales s (0-1) of the
        eligible applications: ``coefficients`` maps application_id -> number (e.g. its cost in
        EUR: the sum is then euros awarded), ``rhs`` in the same unit, ``sense`` ``<=``, ``>=``
        or ``==`` (a cap ``name`` and a floor ``name:min``). Raises CustomConstraintError
        (an InputError through solve) for a bad name, sense or number or an unknown id."""
        problem = self._problem
        where = f"custom constraint {name!r}"
        if not isinstance(name, str) or not NAME.match(name):
            raise CustomConstraintError(
                f"{where}: a name is 1-100 letters, digits, spaces or _ . : -"
            )
        taken = {info.name for info in problem.rows}
        if name in taken or f"{name}:min" in taken:
            raise CustomConstraintError(f"{where}: the name is already used by another row")
        if sense not in SENSES:
            raise CustomConstraintError(f"{where}: sense {sense!r} is not one of {SENSES}")
        if isinstance(rhs, bool) or not isinstance(rhs, (int, float)) or not math.isfinite(rhs):
            raise CustomConstraintError(f"{where}: rhs {rhs!r} is not a finite number")
        if not isinstance(coefficients, Mapping):
            raise CustomConstraintError(f"{where}: coefficients must map application_id -> number")
        unknown = sorted(str(a) for a in coefficients if a not in self._index)
        if unknown:
            raise CustomConstraintError(
                f"{where}: not an eligible application: {', '.join(unknown[:10])}"
                + (f" and {len(unknown) - 10} more" if len(unknown) > 10 else "")
            )
        bad = [
            a
            for a, c in coefficients.items()
            if isinstance(c, bool) or not isinstance(c, (int, float)) or not math.isfinite(c)
        ]
        if bad:
            raise CustomConstraintError(f"{where}: coefficient of {bad[0]} is not a finite number")
        ids = sorted(coefficients)
        apps = np.array([self._index[a] for a in ids], dtype=np.int64)
        coef = np.array([float(coefficients[a]) for a in ids], dtype=np.float64)
        if sense in ("<=", "=="):
            problem.add_row(ConstraintInfo(name, FAMILY, name), rhs, apps, coef, "<=")
        if sense == ">=":
            problem.add_row(ConstraintInfo(name, FAMILY, name), rhs, apps, coef, ">=")
        if sense == "==":
            problem.add_row(ConstraintInfo(f"{name}:min", FAMILY, name), rhs, apps, coef, ">=")
        self.added.append(name)


ExtraConstraints = Callable[[ConstraintBuilder], None]
