"""Domain models: the words of the policy as typed, documented data.

No solver, file-format or pandas code lives here. Money is always in euros (EUR). A scenario's
fields carry the YAML names of CONTRACT.md (``ceiling``, ``theme_budgets`` ...: EUR, said in
their descriptions); an application's money fields carry an ``_eur`` name in Python and the
file's column name (``cost_2027``, ``structural_cost``) as alias.
"""

from __future__ import annotations

import enum
import math
from collections.abc import Mapping
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationInfo,
    field_validator,
    model_validator,
)

Theme = Literal["ai", "digital_hybrid", "medtech"]
Sector = Literal["msz", "vvt", "ggz", "huisartsenzorg"]
THEMES: tuple[Theme, ...] = ("ai", "digital_hybrid", "medtech")
"""The three themes of the breakthrough funds, in report order."""
SECTORS: tuple[Sector, ...] = ("msz", "vvt", "ggz", "huisartsenzorg")
NATIONAL_REGION = "NL"
"""Region code of a national application: exempt from the regional spreading rule."""

MAX_MONEY_EUR = 1e12
"""No real amount is larger (CONTRACT.md): a money value above EUR 1e12 is an input error."""
MAX_FTE = 1e7
"""No real application saves more (CONTRACT.md): an fte above 1e7 is an input error."""


def _not_bool(value: Any) -> Any:
    """A number field must not take true/false (pydantic would read true as 1)."""
    if isinstance(value, bool):
        raise ValueError("a number is expected, not true/false")
    return value


def _number_only(value: Any) -> Any:
    """A scenario amount must be a number, not true/false and not text (no guessing)."""
    _not_bool(value)
    if isinstance(value, str):
        raise ValueError("a number is expected, not text (write it without quotes)")
    return value


def _money_in_range(value: float) -> float:
    if value > MAX_MONEY_EUR:
        raise ValueError(f"more than EUR {MAX_MONEY_EUR:,.0f} (1e12): no real amount is this large")
    return value


def _fte_in_range(value: float) -> float:
    if value > MAX_FTE:
        raise ValueError(f"more than {MAX_FTE:,.0f} FTE (1e7): no real application saves this much")
    return value


EUR = Annotated[
    float,
    BeforeValidator(_not_bool),
    Field(ge=0, allow_inf_nan=False),
    AfterValidator(_money_in_range),
]
"""A money amount in a file: a finite number of euros in [0, 1e12]; text is parsed."""
FteBound = Annotated[
    float,
    BeforeValidator(_not_bool),
    Field(ge=0, allow_inf_nan=False),
    AfterValidator(_fte_in_range),
]
"""An end of an application's FTE interval (fte_low, fte_high): a finite number in [0, 1e7]."""
ScenarioEUR = Annotated[
    float,
    BeforeValidator(_number_only),
    Field(ge=0, allow_inf_nan=False),
    AfterValidator(_money_in_range),
]
"""A scenario amount: a YAML number of euros in [0, 1e12]; true/false or text is refused."""

ELIGIBILITY_CODES: tuple[str, ...] = (
    "unknown_use_case",
    "theme_mismatch",
    "below_impact_bar",
    "structural_gap",
    "single_party",
    "outside_window",
    "over_project_cap",
    "zero_cost",
)
"""Reason codes of CONTRACT.md, in the order they are checked and reported."""


class Milestone(BaseModel):
    """A milestone (mijlpaal) of a model plan: insurers pay per milestone reached.

    ``year`` says which of an application's cost years (the years with cost_YYYY > 0, in
    order) the milestone falls in: ``each`` (one per cost year), ``first``, ``last`` or an
    offset (0 = first cost year; past the last one it falls in the last). A cost year's
    award is split over the milestones falling in it in proportion to ``share``."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(min_length=1)
    share: float = Field(gt=0, le=1, allow_inf_nan=False, description="share of a year's cost")
    year: Literal["each", "first", "last"] | Annotated[int, Field(ge=0, le=20)] = "each"


class ModelPlan(BaseModel):
    """A national model plan (modelplan): one per use case (toepassingsgebied)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(description="use-case id that applications refer to")
    theme: Theme
    name_nl: str
    name_en: str
    sectors: list[Sector]
    description: str
    single_applicant_allowed: bool = Field(
        False, description="basic requirement 12: may a single provider apply alone"
    )
    indicative_fte_per_meur: float | None = Field(
        None, description="indicative FTE saved per EUR 1M one-off investment (Gupta), if given"
    )
    indicative_source: str | None = None
    source: str = ""
    milestones: list[Milestone] = Field(
        default_factory=list,
        description="payment milestones (assumed template, see models/README.md); at least "
        "one with year 'each' so that every cost year is paid",
    )

    @field_validator("milestones")
    @classmethod
    def _every_year_paid(cls, value: list[Milestone]) -> list[Milestone]:
        if value and not any(m.year == "each" for m in value):
            raise ValueError("at least one milestone needs year 'each' (every cost year paid)")
        names = [m.name for m in value]
        if len(set(names)) != len(names):
            raise ValueError("milestone names must be unique")
        return value


class Application(BaseModel):
    """One application (aanvraag) as submitted. Costs are one-off costs at full scale, in EUR
    (per year); ``fte`` is the FTE (full-time equivalents) it saves at full scale."""

    model_config = ConfigDict(
        extra="forbid",
        frozen=True,
        populate_by_name=True,
        str_strip_whitespace=True,
        coerce_numbers_to_str=True,
    )

    application_id: str = Field(min_length=1, description="unique id")
    title: str = Field("", description="the application's title")
    use_case: str = Field(min_length=1, description="id of a model plan; decides the theme")
    theme: str | None = Field(None, description="if given, must match the use case's theme")
    sector: Sector | None = Field(None, description="care sector: msz, vvt, ggz, huisartsenzorg")
    region: str = Field(min_length=1, description="region code, or NL for a national one")
    lead_insurer: str = Field("", description="the health insurer leading the application")
    parties: Annotated[int, BeforeValidator(_not_bool)] = Field(
        ge=1, description="number of cooperating parties"
    )
    submitted_at: datetime = Field(description="used only by the fcfs baseline")
    cost_eur_by_year: dict[int, EUR] = Field(
        description="one-off cost requested per year at full scale, EUR (columns cost_YYYY)"
    )
    fte: Annotated[float, BeforeValidator(_not_bool), AfterValidator(_fte_in_range)] = Field(
        ge=0, allow_inf_nan=False, description="FTE saved at full scale"
    )
    fte_low: FteBound | None = Field(
        None, description="low end of an 80% interval around fte (allocator robust)"
    )
    fte_high: FteBound | None = Field(
        None, description="high end of an 80% interval around fte (allocator robust)"
    )
    structural_cost_eur: EUR = Field(0.0, alias="structural_cost", description="EUR a year")
    structural_savings_eur: EUR = Field(0.0, alias="structural_savings", description="EUR a year")
    min_scale: Annotated[float, BeforeValidator(_not_bool)] = Field(
        1.0, gt=0, le=1, description="smallest workable fraction; 1 = all or nothing"
    )
    exclusive_group: str | None = Field(None, description="at most one of a group is awarded")
    deviates_from_model_plan: bool = Field(False, description="explain instead of comply")

    @field_validator("fte_low", "fte_high")
    @classmethod
    def _interval_holds_fte(cls, value: float | None, info: ValidationInfo) -> float | None:
        """fte_low <= fte <= fte_high (each checked where given and fte itself is valid)."""
        fte = info.data.get("fte")
        if value is None or fte is None:
            return value
        if info.field_name == "fte_low" and value > fte:
            raise ValueError(f"fte_low must be <= fte ({fte:g}): an 80% interval around fte")
        if info.field_name == "fte_high" and value < fte:
            raise ValueError(f"fte_high must be >= fte ({fte:g}): an 80% interval around fte")
        return value

    @property
    def total_cost_eur(self) -> float:
        """C_i: the sum of the yearly one-off costs, EUR."""
        return math.fsum(self.cost_eur_by_year.values())

    @property
    def fte_per_meur(self) -> float:
        """FTE saved per EUR 1M of one-off cost (inf for a zero-cost application)."""
        cost = self.total_cost_eur
        return math.inf if cost == 0 else self.fte / (cost / 1e6)


class RegionTable(BaseModel):
    """Region codes with population (inhabitants); p_r = population_r / total population."""

    model_config = ConfigDict(frozen=True)

    name: str = Field(description="where the table came from (file or shipped name)")
    population: dict[str, int] = Field(description="region code -> inhabitants")
    names: dict[str, str] = Field(default_factory=dict, description="region code -> name")

    @field_validator("population")
    @classmethod
    def _positive(cls, value: dict[str, int]) -> dict[str, int]:
        if not value:
            raise ValueError("the region table has no rows")
        bad = [code for code, pop in value.items() if pop <= 0]
        if bad:
            raise ValueError(f"population must be > 0 (regions {', '.join(bad)})")
        if NATIONAL_REGION in value:
            raise ValueError(f"{NATIONAL_REGION} is reserved for national applications")
        return value

    def share(self, region: str) -> float:
        """Population share p_r of a region."""
        return self.population[region] / sum(self.population.values())


class Scenario(BaseModel):
    """A board scenario: the budget rules an allocation must respect (CONTRACT.md). Money
    (ceiling, budgets, caps, floors) in EUR; ``impact_bar`` in FTE per EUR 1M; the region
    factors are multiples of a region's population share. The fields are the YAML keys."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    name: str = Field("scenario", description="a label (compare names a run by its file stem)")
    ceiling: ScenarioEUR = Field(gt=0, description="total over all years, EUR")
    theme_budgets: dict[Theme, ScenarioEUR] = Field(
        default_factory=dict, description="cap per theme; absent = none"
    )
    year_budgets: dict[int, ScenarioEUR] = Field(
        min_length=1, description="cap per funding year, EUR"
    )
    carry_over: bool = Field(False, description="unspent budget moves to later years")
    impact_bar: Annotated[float, BeforeValidator(_number_only)] = Field(
        0, ge=0, allow_inf_nan=False, description="minimum FTE per EUR 1M; 0 = off"
    )
    project_cap: ScenarioEUR | None = Field(
        None, gt=0, description="maximum C_i of one application, EUR"
    )
    region_max_factor: Annotated[float, BeforeValidator(_number_only)] | None = Field(
        None, gt=0, allow_inf_nan=False, description="region total <= factor * p_r * ceiling"
    )
    regions: Path | None = Field(None, description="region table CSV; default: shipped provinces")
    # board rules (beyond CONTRACT.md's minimum)
    must_fund: list[str] = Field(
        default_factory=list, description="application_ids that must be funded (>= min_scale)"
    )
    must_not: list[str] = Field(default_factory=list, description="application_ids never funded")
    theme_floors: dict[Theme, ScenarioEUR] = Field(
        default_factory=dict, description="minimum awarded per theme, EUR"
    )
    region_min_factor: Annotated[float, BeforeValidator(_number_only)] | None = Field(
        None,
        ge=0,
        allow_inf_nan=False,
        description="region total >= factor * p_r * total awarded, applications permitting",
    )
    secondary: list[Literal["most_regions", "fewest_partial"]] = Field(
        default_factory=list,
        description="tie-breaking objectives applied in order after maximising FTE; the FTE "
        "optimum is kept",
    )

    @model_validator(mode="after")
    def _years_are_plausible(self) -> Scenario:
        bad = [y for y in self.year_budgets if not 2000 <= y <= 2100]
        if bad:
            raise ValueError(f"year_budgets has implausible years: {bad}")
        both = sorted(set(self.must_fund) & set(self.must_not))
        if both:
            raise ValueError(f"must_fund and must_not both name {', '.join(both)}")
        return self

    @property
    def years(self) -> list[int]:
        """Funding years, ascending."""
        return sorted(self.year_budgets)

    @classmethod
    def from_yaml(cls, path: str | Path) -> Scenario:
        """Read a scenario YAML (CONTRACT.md keys); a relative ``regions`` path is taken
        relative to the file. Raises InputError naming the file, key and reason."""
        from .io.inputs import load_scenario  # the reader lives with the other readers

        return load_scenario(path)

    def replace(self, **changes: Any) -> Scenario:
        """A validated variant: ``sc.replace(impact_bar=9, ceiling=300e6)``. Keys are the YAML
        names; an unknown key or a bad value raises pydantic's ValidationError, exactly as
        loading the YAML would."""
        return type(self).model_validate({**self.model_dump(exclude_unset=True), **changes})

    def model_copy(
        self, *, update: Mapping[str, Any] | None = None, deep: bool = False
    ) -> Scenario:
        """pydantic's copy, but an ``update`` is validated like :meth:`replace` (pydantic's own
        would silently accept an unknown key or a negative impact bar)."""
        if update:
            return self.replace(**update)
        return super().model_copy(deep=deep)


class Method(str, enum.Enum):
    """How awards are chosen: ``optimal`` (the most FTE under every rule, solved to proven
    optimality), ``fcfs`` (first come, first served by submitted_at) or ``greedy`` (by FTE
    per EUR 1M); the last two are the baselines."""

    optimal = "optimal"
    fcfs = "fcfs"
    greedy = "greedy"


class SolveStatus(str, enum.Enum):
    """Our own status; no backend's codes leak past the solver layer: ``optimal`` (proven
    within the gap), ``feasible`` (an award set, optimality not proven: see bound and gap),
    ``infeasible`` (the rules contradict each other), ``no_solution`` (stopped before any award
    set) or ``error`` (the solver failed, or its answer broke a rule)."""

    optimal = "optimal"
    feasible = "feasible"  # a solution, optimality not proven (time limit); see bound and gap
    infeasible = "infeasible"
    no_solution = "no_solution"  # stopped (time limit) before any solution was found
    error = "error"

    @property
    def has_solution(self) -> bool:
        """Is there an award set (optimal or feasible)?"""
        return self in (SolveStatus.optimal, SolveStatus.feasible)


class AwardStatus(str, enum.Enum):
    awarded = "awarded"
    partial = "partial"
    rejected = "rejected"
    ineligible = "ineligible"


class Award(BaseModel):
    """The decision on one application."""

    model_config = ConfigDict(frozen=True)

    application_id: str
    status: AwardStatus
    scale: float = Field(ge=0, le=1, description="fraction of the request awarded")
    awarded_amount_eur: float = Field(ge=0, description="scale * C_i, EUR")
    awarded_fte: float = Field(ge=0, description="scale * fte")
    reason: str = Field("", description="eligibility codes, or why not fully funded")


class RunOptions(BaseModel):
    """All options of one run, in one object: ``time_limit_s`` in seconds, ``mip_rel_gap`` a
    fraction of the proven bound (1e-7: optimal to a ten-millionth of the FTE)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    method: Method = Field(Method.optimal, description="optimal, or a baseline (fcfs, greedy)")
    solver: str = Field("highs", description="backend name, see allocator.backends")
    time_limit_s: float | None = Field(
        None, gt=0, description="wall-clock limit of the run, seconds; None: none"
    )
    mip_rel_gap: float = Field(
        1e-7, ge=0, lt=1, description="relative gap at which a solution counts as optimal"
    )
    threads: int = Field(1, ge=1, description="solver threads (1 keeps runs reproducible)")
    reduce: bool = Field(
        True,
        description="start from an LP-guided walk and fix columns by reduced cost (exact; "
        "used by backends with LP duals and warm starts)",
    )


class SolveResult(BaseModel):
    """What a run produced; read ``status`` before anything else. FTE in full-time
    equivalents, money in EUR, ``gap`` a fraction of the bound, timings in seconds."""

    method: Method = Field(description="how the awards were chosen")
    solver: str | None = Field(None, description="backend used (optimal method only)")
    status: SolveStatus = Field(description="whether there is an award set, and how good")
    objective_fte: float | None = Field(None, description="total awarded FTE")
    total_awarded_eur: float | None = Field(None, description="total awarded, EUR")
    bound: float | None = Field(None, description="proven upper bound on the FTE")
    gap: float | None = Field(None, description="relative gap (bound - objective) / bound")
    awards: list[Award] = Field(
        default_factory=list, description="the decision on every application (input order)"
    )
    timings_s: dict[str, float] = Field(default_factory=dict, description="seconds per step")
    message: str = Field("", description="why there is no award set, or where the run stopped")
    conflicts: list[str] = Field(
        default_factory=list,
        description="infeasible scenario: the rules that conflict, each with its amount",
    )
