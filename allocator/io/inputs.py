"""Turn raw files into validated domain objects, reporting every problem at once."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml
from pydantic import TypeAdapter, ValidationError

from ..domain import NATIONAL_REGION, Application, RegionTable, Scenario
from ..errors import InputError, InputProblem
from .tables import RawTable, read_table

COST_COLUMN = re.compile(r"^cost_(\d{4})$")
REQUIRED_COLUMNS = ("application_id", "use_case", "region", "parties", "submitted_at", "fte")
OPTIONAL_COLUMNS = (
    "title",
    "theme",
    "sector",
    "lead_insurer",
    "structural_cost",
    "structural_savings",
    "min_scale",
    "exclusive_group",
    "deviates_from_model_plan",
)
_APPLICATIONS = TypeAdapter(list[Application])


@dataclass(frozen=True)
class Submission:
    """A validated applications file."""

    file: str
    applications: list[Application]
    years: list[int]  # the cost_YYYY columns, ascending
    ignored_columns: list[str] = field(default_factory=list)


def load_submission(path: str | Path, regions: RegionTable) -> Submission:
    """Read and validate an applications file (CSV or XLSX) against the contract."""
    return parse_submission(read_table(path), regions)


def parse_submission(table: RawTable, regions: RegionTable) -> Submission:
    problems: list[InputProblem] = []
    header = table.header
    missing = [c for c in REQUIRED_COLUMNS if c not in header]
    problems += [InputProblem(table.file, "required column is missing", 1, c) for c in missing]
    cost_cols = {c: int(m.group(1)) for c in header if (m := COST_COLUMN.match(c))}
    if not cost_cols:
        problems.append(
            InputProblem(table.file, "no cost_YYYY column (one per year is required)", 1)
        )
    if problems:
        raise InputError(problems)
    known = set(REQUIRED_COLUMNS) | set(OPTIONAL_COLUMNS) | set(cost_cols)
    ignored = [c for c in header if c and c not in known]

    records: list[dict[str, object]] = []
    for index, cells in enumerate(table.rows):
        rownum = table.row_number(index)
        if all(c is None for c in cells):
            problems.append(InputProblem(table.file, "empty row between applications", rownum))
        if len(cells) > len(header) and any(c is not None for c in cells[len(header) :]):
            problems.append(
                InputProblem(table.file, "more cells than columns in the header", rownum)
            )
        record: dict[str, object] = {}
        costs: dict[int, object] = {}
        for col, value in zip(header, cells):
            if col in cost_cols:
                if value is None:
                    problems.append(
                        InputProblem(
                            table.file, "cost is required for every year (use 0)", rownum, col
                        )
                    )
                else:
                    costs[cost_cols[col]] = value
            elif col in known and value is not None:
                record[col] = value
        record["cost_eur_by_year"] = costs
        records.append(record)

    problems += _id_and_region_problems(table, records, regions)
    applications: list[Application] = []
    try:
        applications = _APPLICATIONS.validate_python(records)
    except ValidationError as exc:
        problems += _problems_from_pydantic(table, records, exc, cost_cols)
    else:
        problems += _time_zone_problems(table, applications)
    if problems:
        raise InputError(sorted(problems, key=lambda p: (p.row or 0, p.column or "")))
    return Submission(table.file, applications, sorted(cost_cols.values()), ignored)


def _problems_from_pydantic(
    table: RawTable, records: list[dict[str, object]], exc: ValidationError, cost_cols: dict
) -> list[InputProblem]:
    year_to_col = {year: col for col, year in cost_cols.items()}
    problems = []
    for err in exc.errors():
        loc = err["loc"]
        index = loc[0] if loc and isinstance(loc[0], int) else None
        rownum = table.row_number(index) if index is not None else None
        column: str | None = None
        value = err.get("input")
        if len(loc) >= 2:
            column = str(loc[1])
            if column == "cost_eur_by_year" and len(loc) >= 3:
                column = year_to_col.get(int(loc[2]), f"cost_{loc[2]}")
        if err["type"] == "missing":
            reason, value = "required value is missing", None
        else:
            reason = err["msg"]
        if isinstance(value, dict):  # whole-record errors carry the record: not useful to show
            value = None
        problems.append(InputProblem(table.file, reason, rownum, column, value))
    return problems


def _id_and_region_problems(
    table: RawTable, records: list[dict[str, object]], regions: RegionTable
) -> list[InputProblem]:
    """Checks across rows, on the raw values so they run even when other fields are broken."""
    problems = []
    first_row: dict[str, int] = {}
    for index, record in enumerate(records):
        rownum = table.row_number(index)
        app_id = record.get("application_id")
        if app_id is not None:
            key = str(app_id).strip()
            if key in first_row:
                reason = f"duplicate application_id (first used in row {first_row[key]})"
                problems.append(InputProblem(table.file, reason, rownum, "application_id", key))
            else:
                first_row[key] = rownum
        region = record.get("region")
        if region is not None:
            code = str(region).strip()
            if code != NATIONAL_REGION and code not in regions.population:
                reason = f"unknown region (not in region table {regions.name!r}, and not NL)"
                problems.append(InputProblem(table.file, reason, rownum, "region", code))
    return problems


def _time_zone_problems(table: RawTable, applications: list[Application]) -> list[InputProblem]:
    """fcfs compares timestamps: all must be with a time zone, or all without."""
    problems = []
    aware = None
    for index, app in enumerate(applications):
        has_tz = app.submitted_at.tzinfo is not None
        if aware is None:
            aware = has_tz
        elif has_tz != aware:
            problems.append(
                InputProblem(
                    table.file,
                    "timestamps mix with and without time zone; use one form for all rows",
                    table.row_number(index),
                    "submitted_at",
                    app.submitted_at.isoformat(),
                )
            )
    return problems


def load_regions(path: str | Path, name: str | None = None) -> RegionTable:
    """Read a region table (columns region,population; more allowed)."""
    table = read_table(path)
    problems = [
        InputProblem(table.file, "required column is missing", 1, c)
        for c in ("region", "population")
        if c not in table.header
    ]
    if problems:
        raise InputError(problems)
    col = {c: i for i, c in enumerate(table.header)}
    population: dict[str, int] = {}
    names: dict[str, str] = {}
    for index, cells in enumerate(table.rows):
        rownum = table.row_number(index)
        cells = list(cells) + [None] * (len(table.header) - len(cells))
        code, pop = cells[col["region"]], cells[col["population"]]
        if code is None:
            problems.append(InputProblem(table.file, "required value is missing", rownum, "region"))
            continue
        code = str(code)
        if code in population:
            problems.append(InputProblem(table.file, "duplicate region", rownum, "region", code))
        if code == NATIONAL_REGION:
            problems.append(
                InputProblem(
                    table.file, "NL is reserved for national applications", rownum, "region"
                )
            )
        try:
            value = float(pop)  # type: ignore[arg-type]
            if not value.is_integer() or value <= 0:
                raise ValueError
        except (TypeError, ValueError):
            problems.append(
                InputProblem(
                    table.file, "population must be a whole number > 0", rownum, "population", pop
                )
            )
            continue
        population[code] = int(value)
        if "name" in col and cells[col["name"]] is not None:
            names[code] = str(cells[col["name"]])
    if not population and not problems:
        problems.append(InputProblem(table.file, "the region table has no rows"))
    if problems:
        raise InputError(problems)
    return RegionTable(name=name or table.file, population=population, names=names)


def load_scenario(path: str | Path) -> Scenario:
    """Read a scenario YAML; a relative ``regions`` path is taken relative to the file."""
    path = Path(path)
    if not path.is_file():
        raise InputError([InputProblem(str(path), "file not found")])
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise InputError([InputProblem(str(path), f"not valid YAML: {exc}")]) from None
    if not isinstance(data, dict):
        raise InputError([InputProblem(str(path), "expected a mapping of scenario keys")])
    try:
        scenario = Scenario.model_validate(data)
    except ValidationError as exc:
        raise InputError(
            [
                InputProblem(
                    str(path),
                    "unknown key" if e["type"] == "extra_forbidden" else e["msg"],
                    column=".".join(str(x) for x in e["loc"] if x != "[key]") or None,
                    value=None if e["type"] == "missing" else e.get("input"),
                )
                for e in exc.errors()
            ]
        ) from None
    if scenario.regions is not None and not scenario.regions.is_absolute():
        scenario = scenario.model_copy(update={"regions": path.parent / scenario.regions})
    return scenario
