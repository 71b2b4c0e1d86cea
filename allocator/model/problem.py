"""The allocation problem in columns: eligible applications and their budget rows.

Each constraint family (allocator/families/, one module per family) builds its own rows;
every row has a name in the scheme ``family:entity`` (``ceiling``, ``theme:ai``,
``year:2028``, ``region:PV26``) and a ConstraintInfo saying which family it belongs to. The
fcfs/greedy walk, the MIP builder and the explanations all use this one description, so the
budget rules exist in exactly one place.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..domain import Application, RegionTable, Scenario


@dataclass(frozen=True)
class ConstraintInfo:
    """Registry entry: what a named constraint is about."""

    name: str
    family: str  # a registered family's name (allocator/families), or scale_*, total, ...
    entity: str  # the theme, year, region, group or application_id; "" for the ceiling


@dataclass
class AllocationProblem:
    """Eligible applications (sorted by application_id) and their budget rows.

    Budget row k reads: sum_i coef[k, i] * s_i <= rhs_eur[k] (a cap), or >= for a floor
    (``sense[k] == ">="``), with coef in EUR. Board rules that are not budget rows ride along:
    locks per application and the regional minimum (built into the MIP by its family).
    """

    app_ids: list[str]
    fte: np.ndarray  # (n,) FTE at full scale
    cost_eur: np.ndarray  # (n,) C_i
    cost_by_year_eur: np.ndarray  # (n, n_years) over scenario.years
    min_scale: np.ndarray  # (n,)
    years: list[int]
    groups: dict[str, list[int]]  # exclusive group -> app indices (only groups of >= 1 app)
    rows: list[ConstraintInfo] = field(default_factory=list)
    rhs_eur: list[float] = field(default_factory=list)
    coo_row: list[np.ndarray] = field(default_factory=list)
    coo_app: list[np.ndarray] = field(default_factory=list)
    coo_coef: list[np.ndarray] = field(default_factory=list)
    sense: list[str] = field(default_factory=list)
    must_fund: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=bool))
    must_not: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=bool))
    """Locks, one flag per application (left out when building: none)."""
    app_region: list[str] = field(default_factory=list)
    secondary: list[str] = field(default_factory=list)  # scenario.secondary, in order
    region_minimums: list[tuple[str, float, np.ndarray]] = field(default_factory=list)
    """(region, factor * p_r, member app indices): region total >= factor * p_r * total."""
    _cap_entries: tuple[int, list[list[tuple[int, float]]]] | None = field(
        default=None, repr=False, compare=False
    )

    def __post_init__(self) -> None:
        if not len(self.must_fund):
            self.must_fund = np.zeros(self.n, dtype=bool)
        if not len(self.must_not):
            self.must_not = np.zeros(self.n, dtype=bool)

    @property
    def n(self) -> int:
        return len(self.app_ids)

    def group_partners(self, i: int) -> list[int]:
        """The other members of i's exclusive group."""
        for members in self.groups.values():
            if i in members:
                return [j for j in members if j != i]
        return []

    def region_let_off(self, members: np.ndarray, scale: np.ndarray) -> bool:
        """A region has done what its applications permit when each one is funded in full,
        locked out (must_not), or lost its exclusive group to a funded partner."""
        return all(
            self.must_not[i] or scale[i] >= 1.0 or any(scale[j] > 0 for j in self.group_partners(i))
            for i in members
        )

    @property
    def is_cap(self) -> np.ndarray:
        """Per row: True for a cap (<=), False for a floor (>=)."""
        return np.array([s == "<=" for s in self.sense], dtype=bool)

    def add_row(
        self,
        info: ConstraintInfo,
        rhs_eur: float,
        apps: np.ndarray,
        coef: np.ndarray,
        sense: str = "<=",
    ) -> None:
        k = len(self.rows)
        self.rows.append(info)
        self.sense.append(sense)
        self.rhs_eur.append(float(rhs_eur))
        keep = coef != 0
        self.coo_row.append(np.full(int(keep.sum()), k, dtype=np.int64))
        self.coo_app.append(np.asarray(apps, dtype=np.int64)[keep])
        self.coo_coef.append(np.asarray(coef, dtype=np.float64)[keep])

    def triplets(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(row, app, coef EUR) of all budget rows."""
        if not self.rows:
            empty = np.zeros(0)
            return empty.astype(np.int64), empty.astype(np.int64), empty
        return (
            np.concatenate(self.coo_row),
            np.concatenate(self.coo_app),
            np.concatenate(self.coo_coef),
        )

    def cap_entries(self) -> list[list[tuple[int, float]]]:
        """Per application: (row, coefficient EUR) of every cap row it draws on; built once
        per set of rows (the walk asks for it on every call)."""
        key = len(self.rows)
        if self._cap_entries is None or self._cap_entries[0] != key:
            from ..families import family_of

            rows, apps, coefs = self.triplets()
            honoured = [(f := family_of(info)) is None or f.walks_honour for info in self.rows]
            cap = self.is_cap & np.array(honoured, dtype=bool)
            by_app: list[list[tuple[int, float]]] = [[] for _ in range(self.n)]
            for k, i, c in zip(rows.tolist(), apps.tolist(), coefs.tolist()):
                if cap[k]:
                    by_app[i].append((k, c))
            self._cap_entries = (key, by_app)
        return self._cap_entries[1]

    def row_index(self) -> dict[str, int]:
        return {info.name: k for k, info in enumerate(self.rows)}


def build_problem(
    apps: list[Application], scenario: Scenario, regions: RegionTable, themes: dict[str, str]
) -> AllocationProblem:
    """Columns for the eligible ``apps`` and the budget rows of ``scenario``.

    ``themes`` maps application_id to its theme (from its model plan). Applications are
    ordered by application_id, never by file order, so results do not depend on row order.
    """
    apps = sorted(apps, key=lambda a: a.application_id)
    years = scenario.years
    by_year = np.array(
        [[a.cost_eur_by_year.get(y, 0.0) for y in years] for a in apps], dtype=np.float64
    ).reshape(len(apps), len(years))
    problem = AllocationProblem(
        app_ids=[a.application_id for a in apps],
        fte=np.array([a.fte for a in apps], dtype=np.float64),
        cost_eur=np.array([a.total_cost_eur for a in apps], dtype=np.float64),
        cost_by_year_eur=by_year,
        min_scale=np.array([a.min_scale for a in apps], dtype=np.float64),
        years=years,
        groups={},
        app_region=[a.region for a in apps],
        secondary=list(scenario.secondary),
    )
    from ..families import FAMILIES, BuildContext

    context = BuildContext(
        apps=apps,
        regions=regions,
        app_theme=np.array([themes[a.application_id] for a in apps], dtype=object),
        app_region=np.array([a.region for a in apps], dtype=object),
    )
    for family in FAMILIES:
        if family.applies(scenario):
            family.build(problem, scenario, context)
    return problem


def never_fundable(problem: AllocationProblem, rhs_eur: np.ndarray | None = None) -> np.ndarray:
    """Per application: its smallest award (min_scale) alone breaks a cap whose coefficients
    are all >= 0, so no award set can fund it (``rhs_eur``: other cap limits, in row order)."""
    out = np.zeros(problem.n, dtype=bool)
    out[too_big_alone(problem, rhs_eur)[1]] = True
    return out


def too_big_alone(
    problem: AllocationProblem, rhs_eur: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(row, application, EUR its smallest award needs there) where that alone breaks the cap
    (one whose coefficients are all >= 0, so nothing else can make room)."""
    rows, apps, coefs = problem.triplets()
    rhs = np.asarray(problem.rhs_eur if rhs_eur is None else rhs_eur, dtype=np.float64)
    if not len(rows):
        return rows, apps, coefs
    has_negative = np.zeros(len(problem.rows), dtype=bool)
    has_negative[rows[coefs < 0]] = True
    usable = problem.is_cap[rows] & ~has_negative[rows]
    need = coefs * problem.min_scale[apps]
    too_big = usable & (need > rhs[rows] + 1e-6)
    return rows[too_big], apps[too_big], need[too_big]
