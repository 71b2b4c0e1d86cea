"""Synthetic but plausible submissions (and region tables) for the sample, tests and benchmark.

SYNTHETIC: no row describes a real application. Shapes follow DOMAIN.md: the 16 use cases and
their themes, impact per EUR 1M by use case around Gupta's indicative figures (AI for
administration high, logistics low, digital/hybrid care relatively low, medical technology
relatively high), lognormal costs like the IZA transformation plans (EUR 1-15M typical),
yearly spending profiles over 2027-2029, a few ineligible rows of every kind, exclusive pairs,
and costs scaled so that the total request is ``oversubscription`` times the ceiling (3.5 by
default: after the eligibility checks at the middle bar about 2x over-subscribed).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import TypedDict

import numpy as np

from .catalog import model_plans
from .domain import RegionTable

# use case -> (share of applications, median FTE per EUR 1M). Applicants know the bar, so the
# medians sit around the middle bar (17) with Gupta's ordering: AI for administration and
# medical technology high, logistics (capacity planning) low, digital/hybrid care in between.
USE_CASE_SHAPE: dict[str, tuple[float, float]] = {
    "ai-speech-reporting": (0.16, 34.0),
    "ai-capacity-planning": (0.08, 10.0),
    "ai-mental-switch-point": (0.07, 22.0),
    "dh-pathway-copd": (0.05, 17.0),
    "dh-pathway-heart-failure": (0.05, 17.0),
    "dh-pathway-diabetes": (0.05, 16.0),
    "dh-pathway-asthma": (0.04, 16.0),
    "dh-pathway-pregnancy-hypertension": (0.03, 15.0),
    "dh-pathway-ibd": (0.03, 16.0),
    "dh-digital-emdr": (0.06, 22.0),
    "dh-decision-support-ggz": (0.06, 20.0),
    "dh-digital-triage": (0.07, 19.0),
    "dh-district-nursing-training": (0.07, 21.0),
    "mt-smart-incontinence": (0.07, 30.0),
    "mt-vacuum-wound-therapy": (0.05, 26.0),
    "mt-stoma-sensor": (0.06, 28.0),
}
YEAR_PROFILES = (
    (0.5, 0.5, 0.0),
    (0.4, 0.4, 0.2),
    (0.34, 0.33, 0.33),
    (0.2, 0.4, 0.4),
    (0.6, 0.4, 0.0),
)
INSURERS = ("Zilveren Kruis", "VGZ", "CZ", "Menzis", "DSW", "Zorg en Zekerheid", "ONVZ", "ENO")
YEARS = (2027, 2028, 2029)
COLUMNS = [
    "application_id", "title", "use_case", "theme", "sector", "region", "lead_insurer", "parties",
    "submitted_at", "cost_2027", "cost_2028", "cost_2029", "fte", "structural_cost",
    "structural_savings", "min_scale", "exclusive_group", "deviates_from_model_plan",
]  # fmt: skip


class GeneratedRow(TypedDict):
    """One synthetic application as a row of the applications CSV (CONTRACT.md): money in
    EUR, fte in FTE, min_scale a share (0-1]; booleans as the text true/false."""

    application_id: str
    title: str
    use_case: str
    theme: str
    sector: str
    region: str
    lead_insurer: str
    parties: int
    submitted_at: str
    cost_2027: float
    cost_2028: float
    cost_2029: float
    fte: float
    structural_cost: float
    structural_savings: float
    min_scale: float
    exclusive_group: str
    deviates_from_model_plan: str


def generate_rows(
    n: int,
    regions: RegionTable,
    seed: int = 2026,
    ceiling_eur: float = 600e6,
    oversubscription: float = 3.5,
) -> list[GeneratedRow]:
    """``n`` synthetic application rows (CSV columns of CONTRACT.md), deterministic in ``seed``."""
    rng = np.random.default_rng(seed)
    plans = model_plans()
    use_cases = list(USE_CASE_SHAPE)
    shares = np.array([USE_CASE_SHAPE[u][0] for u in use_cases])
    uc = rng.choice(len(use_cases), size=n, p=shares / shares.sum())
    codes = sorted(regions.population)
    pop = np.array([regions.population[c] for c in codes], dtype=float)
    region_idx = rng.choice(len(codes), size=n, p=pop / pop.sum())
    national = rng.random(n) < 0.08
    raw_cost = rng.lognormal(np.log(2.0e6), 0.9, size=n)
    cost = raw_cost * (oversubscription * ceiling_eur / raw_cost.sum())
    cost = np.maximum(np.round(cost / 1000) * 1000, 1000.0)
    impact = np.array([USE_CASE_SHAPE[use_cases[u]][1] for u in uc]) * rng.lognormal(
        0, 0.45, size=n
    )
    fte = np.round(impact * cost / 1e6, 1)
    profile = rng.integers(len(YEAR_PROFILES), size=n)
    start = datetime(2026, 10, 1, 9, 0, 0)
    submitted = rng.integers(0, 45 * 24 * 3600, size=n)
    min_scale = np.where(
        rng.random(n) < 0.45, 1.0, np.round(rng.uniform(0.3, 0.9, size=n) * 20) / 20
    )
    structural = rng.random(n) < 0.25
    kind = rng.random(n)  # picks the rare ineligible rows

    rows: list[GeneratedRow] = []
    width = len(str(n))
    for i in range(n):
        use_case = use_cases[uc[i]]
        plan = plans[use_case]
        cumulative = np.round(np.cumsum(YEAR_PROFILES[profile[i]]) * cost[i] / 1000) * 1000
        cumulative[-1] = cost[i]  # whole thousands that add up exactly to the total
        year_cost = np.diff(cumulative, prepend=0.0).tolist()
        region = "NL" if national[i] else codes[region_idx[i]]
        row: GeneratedRow = {
            "application_id": f"A{i + 1:0{width}d}",
            "title": f"{plan.name_en} - {regions.names.get(region, 'national') if region != 'NL' else 'national'}",
            "use_case": use_case,
            "theme": plan.theme,
            "sector": plan.sectors[i % len(plan.sectors)],
            "region": region,
            "lead_insurer": INSURERS[i % len(INSURERS)],
            "parties": int(rng.integers(2, 9)),
            "submitted_at": (start + timedelta(seconds=int(submitted[i]))).isoformat(),
            "cost_2027": year_cost[0],
            "cost_2028": year_cost[1],
            "cost_2029": year_cost[2],
            "fte": float(fte[i]),
            "structural_cost": 0.0,
            "structural_savings": 0.0,
            "min_scale": float(min_scale[i]),
            "exclusive_group": "",
            "deviates_from_model_plan": "true" if rng.random() < 0.15 else "false",
        }
        if structural[i]:
            row["structural_cost"] = float(np.round(cost[i] * rng.uniform(0.05, 0.2), -3))
            row["structural_savings"] = float(
                np.round(row["structural_cost"] * rng.uniform(1.0, 3.0), -3)
            )
        _make_rare_ineligible(row, kind[i])
        rows.append(row)
    _pair_exclusive(rows, rng)
    return rows


def _make_rare_ineligible(row: GeneratedRow, u: float) -> None:
    """About 6% of rows break one basic requirement, each kind about 1%."""
    if u < 0.01:
        row["parties"] = 1  # single_party
    elif u < 0.02:
        row["structural_savings"] = (row["structural_cost"] or 10000.0) / 2  # structural_gap
        row["structural_cost"] = row["structural_savings"] * 2
    elif u < 0.03:
        row["use_case"] = "ai-robot-nursing"  # unknown_use_case
        row["theme"] = "ai"
    elif u < 0.04:
        row["theme"] = "medtech" if row["theme"] != "medtech" else "ai"  # theme_mismatch
    elif u < 0.05:
        row["fte"] = round(row["fte"] / 20, 1)  # below_impact_bar for any bar of 9 and up
    elif u < 0.055:
        row["cost_2027"] = row["cost_2028"] = row["cost_2029"] = 0.0  # zero_cost
        row["fte"] = 0.0


def _pair_exclusive(rows: list[GeneratedRow], rng: np.random.Generator) -> None:
    """About 6% of rows: two competing applications for one use case in one region."""
    by_key: dict[tuple[str, str], list[int]] = {}
    for i, row in enumerate(rows):
        by_key.setdefault((row["use_case"], row["region"]), []).append(i)
    pair = 0
    for key in sorted(by_key, key=str):
        members = by_key[key]
        if len(members) >= 2 and rng.random() < 0.15:
            pair += 1
            for i in members[:2]:
                rows[i]["exclusive_group"] = f"G{pair:03d}"


def rows_to_csv(rows: Sequence[Mapping[str, object]]) -> str:
    """Rows as the applications CSV (COLUMNS; whole numbers without a decimal point)."""
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: _fmt(v) for k, v in row.items()})
    return buf.getvalue()


def _fmt(value: object) -> str:
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    return str(value)


def synthetic_regions(
    count: int = 38, seed: int = 38, total_population: int = 17_947_684
) -> RegionTable:
    """SYNTHETIC region table (e.g. the 38 IZA regions, whose populations are not public)."""
    rng = np.random.default_rng(seed)
    weights = rng.lognormal(0, 0.5, size=count)
    pop = np.floor(weights / weights.sum() * total_population).astype(int)
    pop[0] += total_population - pop.sum()
    codes = [f"IZA{i + 1:02d}" for i in range(count)]
    return RegionTable(
        name=f"synthetic-{count}",
        population=dict(zip(codes, pop.tolist())),
        names={c: f"Synthetic region {c[3:]}" for c in codes},
    )


def regions_to_csv(table: RegionTable) -> str:
    lines = ["region,name,population,source"]
    for code in sorted(table.population):
        lines.append(
            f"{code},{table.names.get(code, code)},{table.population[code]},SYNTHETIC (allocator generate)"
        )
    return "\n".join(lines) + "\n"
