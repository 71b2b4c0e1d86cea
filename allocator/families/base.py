"""A constraint family: one object that knows everything about one kind of board rule.

A family declares the scenario keys it reads and whether it applies to a scenario, builds
its rows (names in the ``family:entity`` scheme) into the AllocationProblem and, where it
needs the MIP's own columns, into the MIP; it says how its rows read in words (reasons,
cards, diagnosis) and what the rest of the program may do with them:

- ``priced``: the shadow price of each of its caps is re-solved (explain.py);
- ``elastic``: diagnose.py may let it give way to name an infeasible scenario's conflict;
- ``walks_honour``: the fcfs/greedy walks keep it (caps and locks yes, floors no);
- ``check``: what an award set breaks of its rules that are not budget rows (verify).

Use, limit and slack of every row come from the rows themselves (results.constraint_rows),
so a family gets its report for free. The registry (families/__init__.py) lists them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from ..model.problem import ConstraintInfo

if TYPE_CHECKING:
    from ..domain import Application, RegionTable, Scenario
    from ..model.mip import LinearModel, _Rows
    from ..model.problem import AllocationProblem


@dataclass(frozen=True)
class BuildContext:
    """What building rows needs beyond the problem's columns, in problem order."""

    apps: list[Application]  # sorted by application_id, as the problem's columns
    regions: RegionTable
    app_theme: np.ndarray  # per application: its theme (from its model plan)
    app_region: np.ndarray  # per application: its region code


@dataclass(frozen=True)
class AwardedCents:
    """An award set as verify checks it (feasibility.feasibility_problems): per application
    in problem order, the whole cents awarded (``amount``) and at full scale (``full``);
    ``floor_slack``, the cents that rounding may move a floor or minimum; ``board_rules``,
    False where only CONTRACT.md's rules and the locks hold (the fcfs and greedy walks)."""

    amount: np.ndarray
    full: np.ndarray
    floor_slack: int
    board_rules: bool

    @property
    def funded(self) -> np.ndarray:
        return np.asarray(self.amount > 0)


@dataclass(frozen=True)
class BoundRule:
    """A rule held as a bound: its name (``must_fund:A004``), the entity it is about and the
    MIP column whose lower bound of 1 it is."""

    name: str
    entity: str
    column: int


class Family:
    """Base of every family; a subclass overrides what differs from these defaults."""

    name: str = ""
    """The family of its rows (ConstraintInfo.family) and the prefix of their names."""
    prefixes: tuple[str, ...] = ()
    """Other name prefixes of its rules (locks: must_fund, must_not); the name is one too."""
    keys: tuple[str, ...] = ()
    """The scenario keys it reads."""
    priced: bool = False
    elastic: bool = False
    walks_honour: bool = True
    mip_after_links: bool = False
    """Its MIP rows (extend_mip) come after the scale links (they add columns of their own)."""

    def applies(self, scenario: Scenario) -> bool:
        """Whether the scenario asks for this rule at all."""
        return True

    def build(self, problem: AllocationProblem, scenario: Scenario, context: BuildContext) -> None:
        """Add this family's budget rows (or board rules) to ``problem``."""

    def extend_mip(
        self, rows: _Rows, model: LinearModel, problem: AllocationProblem
    ) -> LinearModel:
        """Add rows over the MIP's own columns (choices, totals); returns the model."""
        return model

    def describe(self, entity: str, scenario: Scenario, regions: RegionTable) -> str | None:
        """The rule in words ('the AI theme budget'); None: the row name is its words."""
        return None

    def check(self, problem: AllocationProblem, awarded: AwardedCents) -> list[str]:
        """What ``awarded`` breaks of this family's rules that are not budget rows (budget
        rows are checked from the rows themselves): one line each, starting with the rule's
        name. Default: nothing to check."""
        return []

    def elastic_bounds(self, model: LinearModel, problem: AllocationProblem) -> list[BoundRule]:
        """Rules of this family held as a column's lower bound of 1 (not a row) that may give
        way in diagnosis: diagnose.py lowers each bound to 0 and adds the row
        ``<name>: column + e >= 1`` with an elastic e. Default: none."""
        return []

    def row_name(self, entity: str) -> str:
        return f"{self.name}:{entity}" if entity else self.name

    def info(self, entity: str = "") -> ConstraintInfo:
        """The registry entry of this family's row about ``entity``."""
        return ConstraintInfo(self.row_name(entity), self.name, entity)
