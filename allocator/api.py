"""The researchers' API (CONTRACT.md, "Python API"): plain data in, plain data out.

    import allocator as al
    apps = al.read_applications("applications.csv")        # DataFrame (raises al.InputError)
    sc = al.Scenario.from_yaml("scenarios/baseline.yaml")   # sc.replace(impact_bar=9): validated
    res = al.solve(apps, sc, explain=True)
    res.status, res.objective_fte, res.total_awarded, res.bound, res.gap
    res.awards, res.shadow_prices, res.constraints, res.explain("A021")

Money in EUR, FTE in full-time equivalents. No solver object or internal class is returned:
every answer is a number, a string or a pandas DataFrame indexed by domain ids.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from .domain import Application, RegionTable, RunOptions, Scenario
from .errors import InputError, InputProblem

if TYPE_CHECKING:
    from .engine import Allocation
    from .explain import Explanations
    from .model.custom import ConstraintBuilder

APPLICATION_COLUMNS = [
    "application_id",
    "title",
    "use_case",
    "theme",
    "sector",
    "region",
    "lead_insurer",
    "parties",
    "submitted_at",
    "fte",
    "structural_cost",
    "structural_savings",
    "min_scale",
    "exclusive_group",
    "deviates_from_model_plan",
]
"""Columns of read_applications' DataFrame, with one ``cost_YYYY`` column per year after
``submitted_at`` (EUR; the file's names)."""


def read_applications(path: str | Path, scenario: Scenario | None = None) -> pd.DataFrame:
    """Read and check an applications file (CSV or XLSX) into a DataFrame, one row per
    application, in the contract's columns under the file's names (APPLICATION_COLUMNS, one
    cost_YYYY per year, fte_low and fte_high where the file gives them; money in EUR, fte in
    FTE saved at full scale; a column the contract does not know is not kept). Raises
    InputError listing every problem, rows numbered as in a spreadsheet (row 2 is the first
    application). Region codes are checked against ``scenario``'s region table when given,
    else when solving."""
    from .catalog import regions_for
    from .io.inputs import parse_submission
    from .io.tables import read_table

    table = read_table(path)
    regions = regions_for(scenario) if scenario is not None else _any_region(table)
    years = scenario.years if scenario is not None else None
    submission = parse_submission(table, regions, years)
    return applications_frame(submission.applications, submission.years)


def _any_region(table: Any) -> RegionTable:
    """A region table that accepts every code the file uses (checked again when solving)."""
    column = table.header.index("region") if "region" in table.header else None
    codes = {str(r[column]) for r in table.rows if column is not None and r[column] is not None}
    codes.discard("NL")
    return RegionTable(name="(any)", population={c: 1 for c in sorted(codes) or ["-"]})


def applications_frame(apps: Sequence[Application], years: Sequence[int] = ()) -> pd.DataFrame:
    """Applications as a DataFrame with the file's column names (cost_YYYY in EUR)."""
    years = sorted(set(years) | {y for a in apps for y in a.cost_eur_by_year})
    rows = []
    for a in apps:
        row: dict[str, Any] = {
            "application_id": a.application_id,
            "title": a.title,
            "use_case": a.use_case,
            "theme": a.theme,
            "sector": a.sector,
            "region": a.region,
            "lead_insurer": a.lead_insurer,
            "parties": a.parties,
            "submitted_at": a.submitted_at,
        }
        row.update({f"cost_{y}": a.cost_eur_by_year.get(y, 0.0) for y in years})
        row.update(
            {
                "fte": a.fte,
                "structural_cost": a.structural_cost_eur,
                "structural_savings": a.structural_savings_eur,
                "min_scale": a.min_scale,
                "exclusive_group": a.exclusive_group,
                "deviates_from_model_plan": a.deviates_from_model_plan,
            }
        )
        rows.append(row)
    columns = APPLICATION_COLUMNS[:9] + [f"cost_{y}" for y in years] + APPLICATION_COLUMNS[9:]
    for end in ("fte_low", "fte_high"):  # allocator robust's interval, where the file has one
        if any(getattr(a, end) is not None for a in apps):
            for row, a in zip(rows, apps):
                row[end] = getattr(a, end)
            columns.insert(columns.index("fte") + (1 if end == "fte_low" else 2), end)
    return pd.DataFrame(rows, columns=columns)


def _applications(data: pd.DataFrame | str | Path, scenario: Scenario) -> list[Application]:
    """Applications from a DataFrame (checked exactly as a file) or a path."""
    from .catalog import regions_for
    from .io.inputs import parse_submission
    from .io.tables import RawTable, read_table

    regions = regions_for(scenario)
    if isinstance(data, (str, Path)):
        table = read_table(data)
    elif isinstance(data, pd.DataFrame):
        frame = data.reset_index() if "application_id" not in data.columns else data
        table = RawTable(
            file="<DataFrame>",
            header=[str(c) for c in frame.columns],
            rows=[[_cell(v) for v in row] for row in frame.itertuples(index=False, name=None)],
        )
    else:
        raise TypeError("applications: a DataFrame (read_applications) or a file path")
    return parse_submission(table, regions, scenario.years).applications


def _cell(value: Any) -> Any:
    """A DataFrame cell as a spreadsheet cell: missing (None, NaN, NaT, pd.NA: what
    ``convert_dtypes`` leaves) -> None, Timestamp -> datetime."""
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, pd.Timestamp):
        return value.to_pydatetime()
    if hasattr(value, "item") and not isinstance(value, (str, datetime)):
        return value.item()  # numpy scalar -> Python
    return value


@dataclass
class Result:
    """One solved scenario, as plain data. Money in EUR; FTE in full-time equivalents.

    ``awards``: indexed by application_id, columns status, scale, awarded_amount,
    awarded_fte, reason, the application's own columns, then explanation;
    ``shadow_prices``: indexed by constraint, column fte_per_meur (FTE more per EUR 1M more;
    empty unless solved with explain=True); ``constraints``: indexed by constraint, columns
    family, limit, used, slack (EUR); ``explanations``: per eligible application, the tight
    caps it draws on and the FTE lost if forced in / removed (explain=True)."""

    status: str
    """optimal, feasible, infeasible, no_solution or error (SolveStatus's values)."""
    objective_fte: float | None
    """Total FTE saved by the award set (None: no award set)."""
    total_awarded: float | None
    """Total awarded, EUR (None: no award set)."""
    bound: float | None
    """Proven upper bound on the FTE any award set can save (None: none proven)."""
    gap: float | None
    """(bound - objective_fte) / bound, a fraction (None without a bound)."""
    message: str
    """The solver's or the engine's remark (why no award set, where it stopped)."""
    conflicts: list[str]
    """Without an award set because the rules cannot all hold: the smallest set of rules that
    must give way, each with how far (e.g. "theme:medtech: must be raised by EUR ..."; the
    ``conflicts`` of summary.json); else empty."""
    awards: pd.DataFrame
    """By application_id: status, scale (0-1), awarded_amount (EUR), awarded_fte (FTE),
    reason, the application's own columns, then explanation (empty: no award set)."""
    shadow_prices: pd.DataFrame
    """By constraint: fte_per_meur, the FTE one more EUR 1M under that cap would save
    (empty unless solved with explain=True)."""
    constraints: pd.DataFrame
    """By constraint: family, limit, used, slack (EUR; a custom row in its own unit)."""
    explanations: pd.DataFrame | None = None
    """With explain=True, by application_id: binding (the tight rules it draws on, ";"
    separated), fte_loss_if_forced and fte_loss_if_removed (FTE); else None."""
    _texts: dict[str, str] = field(default_factory=dict, repr=False)
    _alloc: Allocation | None = field(default=None, repr=False)
    _explained: Explanations | None = field(default=None, repr=False)

    def explain(self, application_id: str) -> str:
        """The decision on one application in words (the award sheet's sentence: amounts in
        EUR, FTE, and with explain=True what forcing or removing it would cost in FTE).
        Raises KeyError for an id that is not in the result."""
        if application_id not in self._texts:
            if self._alloc is not None and not self._texts:
                known = any(a.application_id == application_id for a in self._alloc.applications)
                if known:
                    raise KeyError(
                        f"no decision on {application_id!r}: this result has no award set "
                        f"({self.status}; see message and conflicts)"
                    )
            raise KeyError(f"no application {application_id!r} in this result")
        return self._texts[application_id]

    def write(self, out_dir: str | Path, xlsx: bool = True) -> list[Path]:
        """Write the files of ``allocator solve`` (summary.json, awards.csv, awards.xlsx
        unless ``xlsx`` is False; with explain=True also shadow_prices.csv, explanations.csv
        and cards.md) to ``out_dir``, replacing what is there as one set; the paths written."""
        from .run_output import write_run

        assert self._alloc is not None
        return write_run(self._alloc, out_dir, xlsx=xlsx, explanations=self._explained)


def solve(
    applications: pd.DataFrame | str | Path,
    scenario: Scenario | str | Path,
    method: str = "optimal",
    explain: bool = False,
    extra_constraints: Callable[[ConstraintBuilder], None] | None = None,
    *,
    solver: str | None = None,
    time_limit: float | None = None,
    gap: float = 1e-7,
    workers: int | None = None,
) -> Result:
    """Solve one scenario: ``method`` optimal, fcfs or greedy; ``explain`` adds shadow prices
    (FTE per EUR 1M) and per-application explanations (re-solves; method optimal with a
    proven optimum only). ``applications``: a DataFrame (read_applications, or edited: it is
    checked exactly as a file) or a path; ``scenario``: a Scenario or a YAML path.
    ``extra_constraints(m)`` adds constraints (see ConstraintBuilder). ``solver``: a backend
    name (default: the fastest measured); ``time_limit``: seconds for the run; ``gap``: the
    relative MIP gap counted as optimal (a fraction); ``workers``: processes for the
    re-solves of explain (default: all cores). Raises InputError for bad applications, a bad
    scenario or a malformed custom constraint."""
    from .backends import DEFAULT_SOLVER
    from .engine import allocate

    sc = scenario if isinstance(scenario, Scenario) else Scenario.from_yaml(scenario)
    apps = _applications(applications, sc)
    options = RunOptions(
        method=method, solver=solver or DEFAULT_SOLVER, time_limit_s=time_limit, mip_rel_gap=gap
    )
    alloc = allocate(apps, sc, options, extra_rows=extra_rows_for(extra_constraints))
    explained = None
    if explain:
        from .domain import SolveStatus
        from .explain import explain as run_explain

        if alloc.result.status is not SolveStatus.optimal or method != "optimal":
            raise ValueError(
                f"explain=True needs a proven optimum (method optimal); this run is "
                f"{method}, {alloc.result.status.value}"
            )
        explained = run_explain(alloc, workers=workers)
    return _result(alloc, explained)


def extra_rows_for(fn: Callable[[ConstraintBuilder], None] | None) -> Any:
    """The engine's ``extra_rows`` hook for ``extra_constraints``: ``fn`` run on a
    ConstraintBuilder over the eligible applications (the command line's --constraints too);
    a malformed constraint is an InputError naming it."""
    if fn is None:
        return None
    from .model.custom import ConstraintBuilder, CustomConstraintError

    def add(problem: Any, eligible: list[Application]) -> None:
        frame = applications_frame(eligible).set_index("application_id")
        frame["total_cost"] = [a.total_cost_eur for a in eligible]
        try:
            fn(ConstraintBuilder(problem, frame))
        except CustomConstraintError as exc:
            raise InputError([InputProblem("extra_constraints", str(exc))]) from None

    return add


def _result(alloc: Allocation, explained: Explanations | None) -> Result:
    from . import results
    from .narrative import texts

    r = alloc.result
    words = texts(alloc, explained) if r.status.has_solution else {}
    awards = pd.DataFrame(results.awards_rows(alloc)) if r.status.has_solution else pd.DataFrame()
    if len(awards):
        awards["explanation"] = awards["application_id"].map(words)
        awards = awards.set_index("application_id")
    prices = pd.DataFrame(
        {"fte_per_meur": (explained.shadow_prices if explained else {})}, dtype=float
    )
    prices.index.name = "constraint"
    constraints = pd.DataFrame(results.constraint_rows(alloc)) if r.status.has_solution else None
    constraints = (
        constraints.set_index("constraint")
        if constraints is not None and len(constraints)
        else pd.DataFrame(columns=["family", "limit", "used", "slack"])
    )
    frame = None
    if explained is not None:
        frame = pd.DataFrame(
            [
                {
                    "application_id": e.application_id,
                    "binding": ";".join(e.binding),
                    "fte_loss_if_forced": e.fte_loss_if_forced,
                    "fte_loss_if_removed": e.fte_loss_if_removed,
                }
                for e in explained.applications.values()
            ]
        ).set_index("application_id")
    return Result(
        status=r.status.value,
        objective_fte=r.objective_fte,
        total_awarded=r.total_awarded_eur,
        bound=r.bound,
        gap=r.gap,
        message=r.message,
        conflicts=list(r.conflicts),
        awards=awards,
        shadow_prices=prices,
        constraints=constraints,
        explanations=frame,
        _texts=words,
        _alloc=alloc,
        _explained=explained,
    )


def compare(
    scenarios: Sequence[Scenario | str | Path], applications: pd.DataFrame | str | Path
) -> pd.DataFrame:
    """The rows of compare.csv (CONTRACT.md, "Scenario comparison"): every scenario solved
    (method optimal), plus fcfs and greedy under the first; one row per run with status,
    objective_fte (FTE), total_awarded and the theme:, year: and region: columns (EUR), and
    the Gini of awarded FTE per inhabitant over the regions; figures are numbers (NaN where a
    run has no award set). A scenario given as a path is named by its file stem, one given
    as an object by its ``name``: give a variant its own, ``sc.replace(impact_bar=9,
    name="bar-9")``."""
    from .comparison import compare_runs

    named = [
        (Path(s).stem, Scenario.from_yaml(s)) if isinstance(s, (str, Path)) else (s.name, s)
        for s in scenarios
    ]
    frame = compare_runs(_applications(applications, named[0][1]), named)[0]
    figures = [c for c in frame.columns if c not in ("scenario", "method", "status")]
    frame[figures] = frame[figures].apply(pd.to_numeric)
    return frame
