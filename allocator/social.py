"""The social domain's channel: EUR 200M of the EUR 800M, paid per region (SPUK AZWA).

Per the minister's letter (28 May 2026) EUR 100M in 2027 and EUR 100M in 2028 goes to the
municipalities for the "basisfunctionaliteiten" of the social domain, through a specific
payment (SPUK) per region. The letter gives no distribution key; this module distributes
each year's total over the regions of a table in proportion to population (the default) or
to the weights of a key file (``region,weight``), in whole euros, by largest remainder: each
year's amounts add up exactly to that year's total. Ties of the remainder go to the region
code that sorts first.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from fractions import Fraction
from pathlib import Path
from typing import TypedDict

from .domain import Application, RegionTable
from .errors import InputError, InputProblem

SOCIAL_BUDGET_EUR: dict[int, int] = {2027: 100_000_000, 2028: 100_000_000}
"""SPUK AZWA: EUR 100M in 2027 and in 2028 (EUR 200M in all), whole euros."""

SOCIAL_COLUMNS = ["region", "year", "amount"]


class SocialRow(TypedDict):
    """A row of social.csv: the social domain's whole euros for one region in one year."""

    region: str
    year: int
    amount: int


def largest_remainder(total: int, weights: Mapping[str, Fraction | int]) -> dict[str, int]:
    """``total`` (a whole number) split over the keys in proportion to ``weights`` (>= 0, not
    all 0): each part is floor(total * w / W), then the units left go one each to the largest
    remainders; equal remainders go to the key that sorts first. The parts add up to
    ``total`` exactly."""
    if total < 0:
        raise ValueError("the total must be >= 0")
    exact = {k: Fraction(w) for k, w in weights.items()}
    if any(w < 0 for w in exact.values()):
        raise ValueError("weights must be >= 0")
    whole = sum(exact.values(), Fraction(0))
    if whole <= 0:
        raise ValueError("the weights add up to 0")
    quota = {k: total * w / whole for k, w in exact.items()}
    parts = {k: int(q.numerator // q.denominator) for k, q in quota.items()}
    left = total - sum(parts.values())
    for k in sorted(quota, key=lambda k: (-(quota[k] - parts[k]), k))[:left]:
        parts[k] += 1
    return parts


def read_key(path: str | Path, regions: RegionTable) -> dict[str, Fraction]:
    """A key file ``region,weight`` (CSV or XLSX): one row per region of the table, weight a
    number >= 0, not all 0. Every bad row is named by row and field."""
    from .io.tables import read_table

    table = read_table(path, expect=("region", "weight"))
    missing = [c for c in ("region", "weight") if c not in table.header]
    if missing:
        raise InputError(
            [InputProblem(table.file, f"the key file needs column {c!r}", 1, c) for c in missing]
        )
    problems: list[InputProblem] = []
    weights: dict[str, Fraction] = {}
    for index, cells in enumerate(table.rows):
        row = dict(zip(table.header, cells))
        number = table.row_number(index)
        region = "" if row.get("region") is None else str(row["region"]).strip()
        raw = row.get("weight")
        if not region:
            problems.append(InputProblem(table.file, "region is missing", number, "region"))
            continue
        if region not in regions.population:
            problems.append(
                InputProblem(
                    table.file,
                    f"not a region of the table {regions.name!r}",
                    number,
                    "region",
                    region,
                )
            )
            continue
        if region in weights:
            problems.append(InputProblem(table.file, "duplicate region", number, "region", region))
            continue
        weight = _weight(raw)
        if weight is None:
            problems.append(
                InputProblem(table.file, "weight is not a number", number, "weight", raw)
            )
            continue
        if weight < 0:
            problems.append(InputProblem(table.file, "weight is negative", number, "weight", raw))
            continue
        weights[region] = weight
    absent = sorted(set(regions.population) - set(weights) - _named(problems))
    if absent and not problems:
        problems.append(
            InputProblem(
                table.file,
                f"no row for region(s) {', '.join(absent)} of the table {regions.name!r} "
                "(give weight 0 to leave one out)",
                column="region",
            )
        )
    if not problems and sum(weights.values(), Fraction(0)) <= 0:
        problems.append(InputProblem(table.file, "the weights add up to 0", column="weight"))
    if problems:
        raise InputError(problems)
    return weights


def _named(problems: list[InputProblem]) -> set[str]:
    return {str(p.value) for p in problems if p.column == "region" and p.value is not None}


def _weight(value: object) -> Fraction | None:
    if value is None or isinstance(value, bool) or value == "":
        return None
    try:
        text = repr(value) if isinstance(value, float) else str(value).strip()
        number = Decimal(text)
    except (InvalidOperation, ValueError):
        return None
    if not number.is_finite():
        return None
    return Fraction(number)


def distribute(
    regions: RegionTable,
    key: Mapping[str, Fraction | int] | None = None,
    budgets: Mapping[int, int] | None = None,
) -> list[SocialRow]:
    """social.csv's rows (region, year, amount in whole euros), year by year, regions in the
    table's order. ``key``: weights per region; default: population."""
    weights = dict(key) if key is not None else dict(regions.population)
    budgets = SOCIAL_BUDGET_EUR if budgets is None else budgets
    rows: list[SocialRow] = []
    for year in sorted(budgets):
        parts = largest_remainder(int(budgets[year]), weights)
        rows += [{"region": r, "year": year, "amount": parts.get(r, 0)} for r in regions.population]
    return rows


def per_region(
    regions: RegionTable,
    rows: list[SocialRow],
    zvw_by_region: Mapping[str, float] | None = None,
) -> list[dict[str, object]]:
    """Per region: the social-domain amount per year and in all, with EUR per inhabitant;
    with ``zvw_by_region`` (euros awarded from the Zvw funds per region) also those and the
    sum of both channels, each per inhabitant too."""
    years = sorted({r["year"] for r in rows})
    amounts = {(r["region"], r["year"]): r["amount"] for r in rows}
    out = []
    for region, population in regions.population.items():
        social = sum(amounts.get((region, y), 0) for y in years)
        row: dict[str, object] = {
            "region": region,
            "name": regions.names.get(region, ""),
            "population": population,
        }
        row |= {f"social:{y}": amounts.get((region, y), 0) for y in years}
        row["social_total"] = social
        row["social_per_inhabitant"] = round(social / population, 4)
        if zvw_by_region is not None:
            zvw = float(zvw_by_region.get(region, 0.0))
            row["zvw_awarded"] = round(zvw, 2)
            row["zvw_per_inhabitant"] = round(zvw / population, 4)
            row["combined"] = round(zvw + social, 2)
            row["combined_per_inhabitant"] = round((zvw + social) / population, 4)
        out.append(row)
    return out


def zvw_by_region(
    awards_path: str | Path, applications: list[Application], regions: RegionTable
) -> dict[str, float]:
    """Euros awarded per region from an awards table (national applications left out)."""
    from .verify import read_awards

    table = read_awards(awards_path)
    region_of = {a.application_id: a.region for a in applications}
    out: dict[str, float] = {}
    for app_id, row in table.items():
        region = region_of.get(app_id)
        if region is None or region not in regions.population:
            continue
        value = _weight(row.get("awarded_amount"))
        if value is not None:
            out[region] = out.get(region, 0.0) + float(value)
    return out
