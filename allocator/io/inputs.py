"""Turn raw files into validated domain objects, reporting every problem at once."""

from __future__ import annotations

import difflib
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path

from pydantic import TypeAdapter, ValidationError
from pydantic_core import ErrorDetails

from ..domain import NATIONAL_REGION, THEMES, Application, RegionTable, Scenario
from ..errors import InputError, InputProblem
from .limits import MONEY_DECIMALS, PLAUSIBLE_FTE_PER_MEUR, SEED_HIGHEST_BAR_FTE_PER_MEUR
from .outputs import neutralise, neutralise_collisions
from .safe_yaml import load_yaml_file
from .tables import RawTable, normalise_name, read_table

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
    "fte_low",
    "fte_high",
)
MONEY_COLUMNS = ("structural_cost", "structural_savings")  # besides the cost_YYYY columns
_APPLICATIONS = TypeAdapter(list[Application])


@dataclass(frozen=True)
class Submission:
    """A validated applications file: its applications (money in EUR, fte in FTE), the
    cost_YYYY years it has, the columns it ignored and its warnings."""

    file: str
    applications: list[Application]
    years: list[int]  # the cost_YYYY columns, ascending
    ignored_columns: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    """Possible but implausible values, by application_id: the run goes on (CONTRACT.md)."""


def load_submission(
    path: str | Path, regions: RegionTable, years: Sequence[int] | None = None
) -> Submission:
    """Read and validate an applications file (CSV or XLSX) against the contract: the
    ``Submission``'s applications carry costs in EUR (per year, at full scale) and fte in
    FTE saved at full scale. Raises InputError listing every bad row and field.

    ``years``: the funding years of the scenario (``scenario.years``); a funded year without
    its ``cost_YYYY`` column is then an input error (it would read as zero costs)."""
    return parse_submission(read_table(path, expect=REQUIRED_COLUMNS), regions, years)


def parse_submission(
    table: RawTable, regions: RegionTable, years: Sequence[int] | None = None
) -> Submission:
    problems: list[InputProblem] = []
    header = table.header
    cost_cols = {c: int(m.group(1)) for c in header if (m := COST_COLUMN.match(c))}
    problems += _column_problems(table, cost_cols, years)
    if problems:
        raise InputError(problems)
    known = set(REQUIRED_COLUMNS) | set(OPTIONAL_COLUMNS) | set(cost_cols)
    ignored = [c for c in header if c and c not in known]
    money_cols = set(cost_cols) | set(MONEY_COLUMNS)

    records: list[dict[str, object]] = []
    rownums: list[int] = []  # the spreadsheet row of each record
    for index, cells in enumerate(table.rows):
        rownum = table.row_number(index)
        if all(c is None for c in cells):
            problems.append(InputProblem(table.file, "empty row between applications", rownum))
            continue
        width = table.widths[index] if table.widths is not None else len(header)
        if width < len(header):
            problems.append(
                InputProblem(
                    table.file,
                    f"{width} cell(s) where the header has {len(header)} columns: a cell is "
                    "missing (a lost comma?), so no cell of this row can be trusted",
                    rownum,
                )
            )
            continue
        if len(cells) > len(header) and any(c is not None for c in cells[len(header) :]):
            problems.append(
                InputProblem(table.file, "more cells than columns in the header", rownum)
            )
        record: dict[str, object] = {}
        costs: dict[int, object] = {}
        for col, value in zip(header, cells):
            if col in money_cols and value is not None and _sub_cent(value):
                problems.append(
                    InputProblem(
                        table.file,
                        f"more than {MONEY_DECIMALS} decimals (a fraction of a cent): "
                        "amounts are awarded in whole cents, so round it to cents",
                        rownum,
                        col,
                        value,
                    )
                )
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
        rownums.append(rownum)
    if not table.rows:
        problems.append(
            InputProblem(table.file, "no applications: the file has a header but no rows")
        )

    problems += _id_and_region_problems(table, records, rownums, regions)
    applications: list[Application] = []
    try:
        applications = _APPLICATIONS.validate_python(records)
    except ValidationError as exc:
        problems += _problems_from_pydantic(table, rownums, exc, cost_cols)
    else:
        problems += _time_zone_problems(table, applications, rownums)
    if problems:
        raise InputError(sorted(problems, key=lambda p: (p.row or 0, p.column or "")))
    return Submission(
        table.file,
        applications,
        sorted(cost_cols.values()),
        ignored,
        implausible_warnings(applications),
    )


def _column_problems(
    table: RawTable, cost_cols: dict[str, int], years: Sequence[int] | None
) -> list[InputProblem]:
    """Missing, misnamed and (for the scenario's funding years) absent cost columns."""
    header = table.header
    problems: list[InputProblem] = []
    wanted = set(REQUIRED_COLUMNS) | set(OPTIONAL_COLUMNS)
    renamed: set[str] = set()
    for col in header:
        if not col or col in wanted or col in cost_cols:
            continue
        target = normalise_name(col)
        if (target in wanted or COST_COLUMN.match(target)) and target not in header:
            renamed.add(target)
            problems.append(
                InputProblem(
                    table.file,
                    f"column {col!r} should be named {target!r} (column names are lower case, "
                    "with underscores): rename it",
                    1,
                    col,
                )
            )
    strangers = [c for c in header if c and c not in wanted and not COST_COLUMN.match(c)]
    for col in REQUIRED_COLUMNS:
        if col in header or col in renamed:
            continue
        close = difflib.get_close_matches(col, strangers, n=1, cutoff=0.75)
        hint = f" (is {close[0]!r} meant? rename it to {col!r})" if close else ""
        problems.append(InputProblem(table.file, "required column is missing" + hint, 1, col))
    if not cost_cols and not any(COST_COLUMN.match(c) for c in renamed):
        problems.append(
            InputProblem(table.file, "no cost_YYYY column (one per year is required)", 1)
        )
    if cost_cols and years is not None:
        present = set(cost_cols.values())
        for year in sorted(set(years) - present):
            problems.append(
                InputProblem(
                    table.file,
                    f"the scenario funds {year} but the file has no cost_{year} column: its "
                    f"costs would read as zero; add the column (0 where nothing is asked in "
                    f"{year})",
                    1,
                    f"cost_{year}",
                )
            )
    return problems


def _sub_cent(value: object) -> bool:
    """Does a money cell hold more than two decimals? (Text is read exactly, not as float.)"""
    if isinstance(value, (bool, int)):
        return False
    if isinstance(value, float):
        text = repr(value)
    elif isinstance(value, str):
        text = value.strip()
        if "." not in text and "e" not in text.lower():
            return False
    else:
        return False
    try:
        number = Decimal(text)
        if not number.is_finite() or abs(number) > 10**15:
            return False  # validation refuses it for that
        exponent = number.normalize().as_tuple().exponent
    except (InvalidOperation, ArithmeticError, ValueError):
        return False  # not a number, or one no context holds (1e3081000000): validation says so
    return isinstance(exponent, int) and exponent < -MONEY_DECIMALS


def implausible_warnings(applications: Sequence[Application]) -> list[str]:
    """Possible but implausible values, one sentence per application (the run goes on)."""
    warnings = []
    for app in applications:
        cost = app.total_cost_eur
        if cost > 0 and app.fte_per_meur > PLAUSIBLE_FTE_PER_MEUR:
            warnings.append(
                f"{app.application_id}: {app.fte_per_meur:,.1f} FTE per EUR 1M (fte "
                f"{app.fte:,g} for EUR {cost:,.2f}) is more than {PLAUSIBLE_FTE_PER_MEUR:g}, "
                f"5x the highest impact bar of the seeds ({SEED_HIGHEST_BAR_FTE_PER_MEUR:g}): "
                "check fte and the costs for a typo"
            )
    return warnings


_DECIMAL_COMMA = re.compile(r"^[+-]?\d[\d.]*,\d+$")
_THOUSANDS_DOTS = re.compile(r"^[+-]?\d{1,3}(\.\d{3}){2,}$")


def _number_hint(value: object) -> str:
    """A hint for the usual Dutch spellings of a number."""
    if not isinstance(value, str):
        return ""
    text = value.strip()
    if _DECIMAL_COMMA.match(text):
        return (
            " - it looks like a decimal comma (Dutch notation): write a decimal point and no "
            "thousands separator, e.g. 1234.5"
        )
    if _THOUSANDS_DOTS.match(text):
        return " - it looks like dots as thousands separators: write the number without them"
    return ""


def _problems_from_pydantic(
    table: RawTable, rownums: list[int], exc: ValidationError, cost_cols: dict[str, int]
) -> list[InputProblem]:
    year_to_col = {year: col for col, year in cost_cols.items()}
    problems = []
    for err in exc.errors():
        loc = err["loc"]
        index = loc[0] if loc and isinstance(loc[0], int) else None
        rownum = rownums[index] if index is not None else None
        column: str | None = None
        value = err.get("input")
        if len(loc) >= 2:
            column = str(loc[1])
            if column == "cost_eur_by_year" and len(loc) >= 3:
                column = year_to_col.get(int(loc[2]), f"cost_{loc[2]}")
        if err["type"] == "missing":
            reason, value = "required value is missing", None
        else:
            reason = _message(err["msg"]) + _number_hint(value)
        if isinstance(value, dict):  # whole-record errors carry the record: not useful to show
            value = None
        problems.append(InputProblem(table.file, reason, rownum, column, value))
    return problems


def _message(msg: str) -> str:
    """pydantic's message without its 'Value error, ' prefix."""
    return msg.removeprefix("Value error, ")


def first_row_of(records: list[dict[str, object]], rownums: list[int], app_id: str) -> int | None:
    """The file row of an application_id (None when absent)."""
    for record, rownum in zip(records, rownums):
        if str(record.get("application_id", "")).strip() == app_id:
            return rownum
    return None


def _id_and_region_problems(
    table: RawTable, records: list[dict[str, object]], rownums: list[int], regions: RegionTable
) -> list[InputProblem]:
    """Checks across rows, on the raw values so they run even when other fields are broken."""
    problems = []
    first_row: dict[str, int] = {}
    ids = [str(r["application_id"]).strip() for r in records if r.get("application_id") is not None]
    for first, second in neutralise_collisions(ids):
        reason = (
            f"application_id {second!r} and {first!r} (row "
            f"{first_row_of(records, rownums, first)}) are both written "
            f"{neutralise(second)!r} in the award sheet (quoted against spreadsheet "
            "formulas), which could not tell them apart: rename one"
        )
        row = first_row_of(records, rownums, second)
        problems.append(InputProblem(table.file, reason, row, "application_id", second))
    for record, rownum in zip(records, rownums):
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


def _time_zone_problems(
    table: RawTable, applications: list[Application], rownums: list[int]
) -> list[InputProblem]:
    """fcfs compares timestamps: all must be with a time zone, or all without."""
    problems = []
    aware = None
    for app, rownum in zip(applications, rownums):
        has_tz = app.submitted_at.tzinfo is not None
        if aware is None:
            aware = has_tz
        elif has_tz != aware:
            problems.append(
                InputProblem(
                    table.file,
                    "timestamps mix with and without time zone; use one form for all rows",
                    rownum,
                    "submitted_at",
                    app.submitted_at.isoformat(),
                )
            )
    return problems


def load_regions(path: str | Path, name: str | None = None) -> RegionTable:
    """Read a region table (columns region,population in inhabitants, optionally name; more
    allowed). Raises InputError listing every bad row."""
    table = read_table(path, expect=("region", "population"))
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
        width = table.widths[index] if table.widths is not None else len(table.header)
        if width < len(table.header) and any(c is not None for c in cells):
            problems.append(
                InputProblem(
                    table.file,
                    f"{width} cell(s) where the header has {len(table.header)} columns",
                    rownum,
                )
            )
            continue
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
            if not isinstance(pop, (str, int, float)):  # e.g. a date from an XLSX
                raise TypeError
            value = float(pop)
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
    """Read a scenario YAML; a relative ``regions`` path is taken relative to the file.

    The file is read by :mod:`allocator.io.safe_yaml` (no aliases, bounded size and depth, no
    duplicate keys, UTF-8 only); amounts must be YAML numbers."""
    path = Path(path)
    data = load_yaml_file(path)
    if not isinstance(data, dict):
        raise InputError([InputProblem(str(path), "expected a mapping of scenario keys")])
    try:
        scenario = Scenario.model_validate(data)
    except ValidationError as exc:
        raise InputError([_scenario_problem(str(path), e) for e in exc.errors()]) from None
    if scenario.regions is not None and not scenario.regions.is_absolute():
        scenario = scenario.model_copy(update={"regions": path.parent / scenario.regions})
    return scenario


def _scenario_problem(file: str, err: ErrorDetails) -> InputProblem:
    loc = [str(x) for x in err["loc"] if x != "[key]"]
    value = None if err["type"] == "missing" else err.get("input")
    if err["type"] == "extra_forbidden":
        return InputProblem(
            file,
            "unknown key" + _nearest(loc[-1], list(Scenario.model_fields)),
            column=".".join(loc),
        )
    if (
        err["loc"]
        and err["loc"][-1] == "[key]"
        and loc
        and loc[0]
        in (
            "theme_budgets",
            "theme_floors",
        )
    ):
        reason = "unknown theme" + _nearest(loc[-1], THEMES) + f" (themes: {', '.join(THEMES)})"
        return InputProblem(file, reason, column=".".join(loc))
    if isinstance(value, (dict, list)):
        value = None
    return InputProblem(file, _message(err["msg"]), column=".".join(loc) or None, value=value)


def _nearest(word: str, choices: Sequence[str]) -> str:
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return f"; did you mean {close[0]!r}?" if close else f" (known: {', '.join(choices)})"


def _eur(amount: float) -> str:
    return f"EUR {amount:,.0f}" if float(amount).is_integer() else f"EUR {amount:,.2f}"


def scenario_warnings(scenario: Scenario) -> list[str]:
    """Budgets that cannot all be used, or that contradict each other: plain sentences.

    None of these stops a run (the solver finds what the rules allow, or says which rules
    conflict); they tell the board that the scenario does not say what it seems to say."""
    warnings: list[str] = []
    ceiling = scenario.ceiling
    themes = scenario.theme_budgets
    theme_total = math.fsum(themes.values())
    if len(themes) >= 2 and theme_total > ceiling:
        warnings.append(
            f"the theme budgets add up to {_eur(theme_total)}, more than the ceiling of "
            f"{_eur(ceiling)}: they cannot all be used in full"
        )
    if set(themes) == set(THEMES) and theme_total < ceiling:
        warnings.append(
            f"the theme budgets add up to only {_eur(theme_total)}, less than the ceiling of "
            f"{_eur(ceiling)}: at most {_eur(theme_total)} can be awarded"
        )
    for theme, budget in sorted(themes.items()):
        if budget > ceiling:
            warnings.append(
                f"the theme budget of {theme} ({_eur(budget)}) is above the ceiling of "
                f"{_eur(ceiling)}: it can never bind"
            )
    year_total = math.fsum(scenario.year_budgets.values())
    if len(scenario.year_budgets) >= 2 and year_total > ceiling:
        warnings.append(
            f"the year budgets add up to {_eur(year_total)}, more than the ceiling of "
            f"{_eur(ceiling)}: they cannot all be used in full"
        )
    if year_total < ceiling:
        warnings.append(
            f"the year budgets add up to only {_eur(year_total)}, less than the ceiling of "
            f"{_eur(ceiling)}: at most {_eur(year_total)} can be awarded"
        )
    for year, budget in sorted(scenario.year_budgets.items()):
        if budget > ceiling:
            warnings.append(
                f"the year budget of {year} ({_eur(budget)}) is above the ceiling of "
                f"{_eur(ceiling)}: it can never bind"
            )
    floors = scenario.theme_floors
    for theme, floor in sorted(floors.items()):
        if theme in themes and floor > themes[theme]:
            warnings.append(
                f"the theme floor of {theme} ({_eur(floor)}) is above its theme budget "
                f"({_eur(themes[theme])}): no award set can meet both"
            )
    floor_total = math.fsum(floors.values())
    if floor_total > ceiling:
        warnings.append(
            f"the theme floors add up to {_eur(floor_total)}, more than the ceiling of "
            f"{_eur(ceiling)}: no award set can meet them all"
        )
    if scenario.project_cap is not None and scenario.project_cap > ceiling:
        warnings.append(
            f"the project cap ({_eur(scenario.project_cap)}) is above the ceiling of "
            f"{_eur(ceiling)}: it can never bind"
        )
    low, high = scenario.region_min_factor, scenario.region_max_factor
    if low is not None and high is not None and low > high:
        warnings.append(
            f"region_min_factor ({low:g}) is above region_max_factor ({high:g}): a region "
            "cannot get both its minimum and stay under its maximum"
        )
    return warnings
