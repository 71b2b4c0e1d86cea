"""Sweeps (CONTRACT.md, "Sweeps"): a grid over scenario keys, every point solved (optimal).

``parse_set("theme_budgets.ai=150e6:350e6:25e6")`` -> ("theme_budgets.ai", [values]);
``grid(base, sets)`` -> every combination as a validated scenario variant (the first key
varies slowest); ``run_sweep(applications, base, sets)`` -> the rows of sweep.csv, in grid
order whatever the number of worker processes.

Values: ``v1,v2,...`` (each a number, ``true``/``false``, or ``none``/``null`` to switch an
optional rule off, e.g. ``region_max_factor=1.5,none``) or ``start:stop:step`` (numbers;
stop included when the grid reaches it; computed in decimal from the text, so
``0:1:0.1`` gives exactly 0, 0.1, ..., 1). Every point is a ``Scenario.replace`` variant,
validated as a YAML file would be; a bad key or value is an InputError naming the key.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from pydantic import ValidationError

from .domain import Application, RegionTable, RunOptions, Scenario
from .errors import InputError, InputProblem

MAX_POINTS = 100_000
"""A larger grid is refused (a typo in a step, not a board question)."""
NOT_SWEPT = {"regions": "it changes the region table (one table per sweep)", "name": "a label"}
RESULT_COLUMNS = ["status", "objective_fte", "total_awarded"]

Changes = dict[str, Any]


def _refuse(key: str, reason: str, value: object = None) -> InputError:
    where = f"--set {key}"
    return InputError([InputProblem(where, reason, value=value)])


def _number(text: str, key: str) -> Decimal:
    try:
        value = Decimal(text.strip())
    except InvalidOperation:
        raise _refuse(key, f"{text!r} is not a number", text) from None
    if not value.is_finite():
        raise _refuse(key, f"{text!r} is not a finite number", text)
    return value


def _as_python(value: Decimal) -> int | float:
    """An integral decimal as int (150e6 -> 150000000), else the nearest float."""
    if value == value.to_integral_value():
        return int(value)
    return float(value)


def _scalar(text: str, key: str) -> Any:
    word = text.strip()
    lower = word.lower()
    if lower in ("true", "false"):
        return lower == "true"
    if lower in ("none", "null", "~"):
        return None
    if not word:
        raise _refuse(key, "an empty value", text)
    try:
        return _as_python(_number(word, key))
    except InputError:
        return word  # text: the scenario's validation says whether the key takes it


def parse_values(text: str, key: str) -> list[Any]:
    """``v1,v2,...`` or ``start:stop:step`` (stop included; decimal arithmetic)."""
    if ":" in text:
        parts = text.split(":")
        if len(parts) != 3:
            raise _refuse(key, f"{text!r}: a range is start:stop:step", text)
        start, stop, step = (_number(p, key) for p in parts)
        if step == 0:
            raise _refuse(key, f"{text!r}: the step is 0", text)
        count = int((stop - start) / step) + 1  # truncates toward 0: stop included if reached
        if count < 1:
            raise _refuse(key, f"{text!r}: the step moves away from stop", text)
        if count > MAX_POINTS:
            raise _refuse(key, f"{text!r}: {count:,} values (more than {MAX_POINTS:,})", text)
        return [_as_python(start + i * step) for i in range(count)]
    values = [_scalar(v, key) for v in text.split(",")]
    if not values:
        raise _refuse(key, "no values", text)
    return values


def _check_key(key: str) -> tuple[str, str | int | None]:
    """The path of a dotted key into the scenario: (scenario key, its sub-key or None);
    refused unless it names a scenario key (a dict key for nested ones: theme_budgets.ai,
    year_budgets.2029 (an int), theme_floors.x)."""
    parts = key.split(".")
    field = parts[0]
    if field not in Scenario.model_fields:
        known = ", ".join(sorted(set(Scenario.model_fields) - set(NOT_SWEPT)))
        raise _refuse(key, f"{field!r} is not a scenario key (known: {known})")
    if field in NOT_SWEPT:
        raise _refuse(key, f"{field!r} cannot be swept: {NOT_SWEPT[field]}")
    annotation = str(Scenario.model_fields[field].annotation)
    nested = annotation.startswith("dict")
    if nested and len(parts) != 2:
        raise _refuse(key, f"{field!r} needs one sub-key, e.g. {field}.<name>")
    if not nested and len(parts) != 1:
        raise _refuse(key, f"{field!r} has no sub-keys")
    if nested and "[int" in annotation:
        try:
            return field, int(parts[1])
        except ValueError:
            raise _refuse(key, f"{parts[1]!r} is not a year") from None
    return field, parts[1] if nested else None


def parse_set(text: str) -> tuple[str, list[Any]]:
    """``KEY=VALUES`` -> (KEY, values); the key is checked, values parsed (not validated)."""
    key, sep, values = text.partition("=")
    key = key.strip()
    if not sep or not key:
        raise _refuse(key or text, f"{text!r}: write KEY=VALUES, e.g. impact_bar=9,17,35", text)
    _check_key(key)
    return key, parse_values(values, key)


def _apply(base: dict[str, Any], key: str, value: Any) -> None:
    field, sub = _check_key(key)
    if sub is None:
        base[field] = value
        return
    inner = dict(base.get(field) or {})
    if value is None:
        inner.pop(sub, None)  # none: no budget under this key
    else:
        inner[sub] = value
    base[field] = inner


def variant(base: Scenario, changes: Changes) -> Scenario:
    """``base`` with the dotted ``changes``, validated; an InputError names the key(s)."""
    data = base.model_dump(exclude_unset=True)
    for key, value in changes.items():
        _apply(data, key, value)
    try:
        return Scenario.model_validate(data)
    except ValidationError as exc:
        keys = ", ".join(f"{k}={v}" for k, v in changes.items())
        reasons = "; ".join(
            f"{'.'.join(str(p) for p in e['loc']) or 'scenario'}: {e['msg']}" for e in exc.errors()
        )
        key = next(iter(changes)) if len(changes) == 1 else "/".join(changes)
        raise _refuse(key, f"{keys} gives an invalid scenario: {reasons}") from None


def grid(base: Scenario, sets: Sequence[tuple[str, list[Any]]]) -> list[Changes]:
    """Every combination (first key slowest); each value is checked alone first, so an
    error names the key whose value is bad, then every combination as a whole."""
    keys = [k for k, _ in sets]
    twice = sorted({k for k in keys if keys.count(k) > 1})
    if twice:
        raise _refuse(twice[0], "set more than once")
    for key, values in sets:
        for value in values:
            variant(base, {key: value})
    total = 1
    for _, values in sets:
        total *= len(values)
    if total > MAX_POINTS:
        raise _refuse(keys[0], f"the grid has {total:,} points (more than {MAX_POINTS:,})")
    points = [dict(zip(keys, combo)) for combo in itertools.product(*(v for _, v in sets))]
    for point in points:
        variant(base, point)
    return points


# --- solving ----------------------------------------------------------------------------


@dataclass
class PointSolver:
    """Solves one grid point (a pure function of its changes): picklable, sent once to each
    worker by executor.run_map, locally or on a Dask cluster."""

    applications: list[Application]
    base: Scenario
    regions: RegionTable
    options: RunOptions

    def __call__(self, changes: Changes) -> dict[str, Any]:
        """status, objective_fte, total_awarded of one point (as allocator solve's summary)."""
        from . import results
        from .engine import allocate

        scenario = variant(self.base, changes)
        alloc = allocate(self.applications, scenario, self.options, regions=self.regions)
        summary = results.summary(alloc)
        solved = alloc.result.status.has_solution
        return {
            "status": summary["status"],
            "objective_fte": summary["objective_fte"] if solved else None,
            "total_awarded": summary["total_awarded"] if solved else None,
        }


def run_sweep(
    applications: list[Application],
    base: Scenario,
    sets: Sequence[tuple[str, list[Any]]],
    regions: RegionTable | None = None,
    options: RunOptions | None = None,
    workers: int | None = None,
    progress: Callable[[int, int], None] | None = None,
    dask_address: str | None = None,
) -> list[dict[str, Any]]:
    """The rows of sweep.csv: one per grid point (grid order), a column per key as given,
    then status, objective_fte, total_awarded. ``workers``: processes (default: all cores;
    1 solves here); ``dask_address``: the points on a Dask cluster instead (the same rows:
    executor.run_map, as robust)."""
    from .catalog import regions_for
    from .executor import run_map

    points = grid(base, sets)
    regions = regions if regions is not None else regions_for(base)
    options = RunOptions.model_validate(
        {**(options or RunOptions()).model_dump(), "method": "optimal"}
    )
    solver = PointSolver(applications, base, regions, options)
    found = run_map(solver, points, workers, dask_address, progress)
    return [{**point, **row} for point, row in zip(points, found)]


WARNINGS_SHOWN = 10
"""point_warnings lists this many distinct warnings, then how many more there are."""


def point_warnings(base: Scenario, points: Sequence[Changes]) -> list[str]:
    """The scenario warnings (io.inputs.scenario_warnings: budgets that cannot all be used, a
    floor above its budget) of the grid's points: each distinct one once, with the point it
    holds at (or how many and the first, grid order); at most WARNINGS_SHOWN, then a count."""
    from .io.inputs import scenario_warnings

    found: dict[str, list[Changes]] = {}
    for point in points:
        for line in scenario_warnings(variant(base, point)):
            found.setdefault(line, []).append(point)
    out = []
    for line, where in list(found.items())[:WARNINGS_SHOWN]:
        first = ", ".join(f"{k}={v}" for k, v in where[0].items())
        if len(where) == len(points):
            at = "at every point"
        elif len(where) == 1:
            at = f"at {first}"
        else:
            at = f"at {len(where)} of {len(points)} points, the first {first}"
        out.append(f"{line} ({at})")
    if len(found) > WARNINGS_SHOWN:
        out.append(f"... and {len(found) - WARNINGS_SHOWN} more distinct warnings of this sweep")
    return out


def sweep_columns(sets: Sequence[tuple[str, list[Any]]]) -> list[str]:
    return [*(k for k, _ in sets), *RESULT_COLUMNS]
