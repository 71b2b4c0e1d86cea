"""An independent re-check of an award table against CONTRACT.md.

Written from the contract alone, with pandas: it shares no code with the allocator package
(it does not import it), so a bug in the engine cannot hide itself here.
"""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pandas as pd
import yaml

TOL_EUR = 1e-4  # money computed from scales (year spends): float round-off only
TOL_SCALE = 1e-9
THEME_OF_USE_CASE_PREFIX = {"ai": "ai", "dh": "digital_hybrid", "mt": "medtech"}
KNOWN_USE_CASES = {
    "ai-speech-reporting", "ai-capacity-planning", "ai-mental-switch-point",
    "dh-pathway-copd", "dh-pathway-heart-failure", "dh-pathway-diabetes", "dh-pathway-asthma",
    "dh-pathway-pregnancy-hypertension", "dh-pathway-ibd", "dh-digital-emdr",
    "dh-decision-support-ggz", "dh-digital-triage", "dh-district-nursing-training",
    "mt-smart-incontinence", "mt-vacuum-wound-therapy", "mt-stoma-sensor",
}  # fmt: skip


def expected_codes(row: pd.Series, scen: dict, cost_cols: list[str]) -> set[str]:
    codes = set()
    total = sum(float(row[c]) for c in cost_cols)
    if row["use_case"] not in KNOWN_USE_CASES:
        codes.add("unknown_use_case")
    elif (
        isinstance(row.get("theme"), str)
        and row["theme"] != THEME_OF_USE_CASE_PREFIX[row["use_case"][:2]]
    ):
        codes.add("theme_mismatch")
    if total == 0:
        codes.add("zero_cost")
    elif float(row["fte"]) / (total / 1e6) < float(scen.get("impact_bar", 0) or 0):
        codes.add("below_impact_bar")
    if float(row.get("structural_savings", 0) or 0) < float(row.get("structural_cost", 0) or 0):
        codes.add("structural_gap")
    if int(row["parties"]) < 2:
        codes.add("single_party")
    years = {int(y) for y in scen["year_budgets"]}
    if any(float(row[c]) > 0 and int(c[5:]) not in years for c in cost_cols):
        codes.add("outside_window")
    if scen.get("project_cap") is not None and total > float(scen["project_cap"]):
        codes.add("over_project_cap")
    return codes


def check(applications: Path, scenario: Path, regions: Path, out_dir: Path) -> list[str]:
    """Every way the award files in ``out_dir`` break the contract (empty list: none)."""
    apps = pd.read_csv(applications, dtype={"application_id": str, "exclusive_group": str})
    scen = yaml.safe_load(Path(scenario).read_text())
    reg = pd.read_csv(regions)
    share = dict(zip(reg["region"], reg["population"] / reg["population"].sum()))
    awards = pd.read_csv(
        out_dir / "awards.csv", dtype={"application_id": str}, keep_default_na=False
    )
    summary = json.loads((out_dir / "summary.json").read_text())
    cost_cols = [c for c in apps.columns if c.startswith("cost_")]
    problems: list[str] = []

    if list(awards["application_id"]) != list(apps["application_id"]):
        problems.append("awards.csv must have one row per application, in the input's order")
        return problems
    contract_cols = ["application_id", "status", "scale", "awarded_amount", "awarded_fte", "reason"]
    df = apps.set_index("application_id").join(awards[contract_cols].set_index("application_id"))
    df["C"] = df[cost_cols].sum(axis=1)
    df["scale"] = df["scale"].astype(float)
    df["awarded_amount"] = df["awarded_amount"].astype(float)
    df["awarded_fte"] = df["awarded_fte"].astype(float)
    min_scale = df["min_scale"].fillna(1.0) if "min_scale" in df else pd.Series(1.0, df.index)

    for app_id, row in df.iterrows():
        codes = expected_codes(row, scen, cost_cols)
        got = (
            set(filter(None, str(row["reason"]).split(";")))
            if row["status"] == "ineligible"
            else set()
        )
        if codes and (row["status"] != "ineligible" or got != codes):
            problems.append(
                f"{app_id}: expected ineligible {sorted(codes)}, got {row['status']} {row['reason']!r}"
            )
        if not codes and row["status"] == "ineligible":
            problems.append(f"{app_id}: eligible but marked ineligible ({row['reason']})")
        s = row["scale"]
        want = (
            "awarded" if s == 1 else "partial" if s > 0 else ("ineligible" if codes else "rejected")
        )
        if row["status"] != want:
            problems.append(f"{app_id}: status {row['status']} does not match scale {s}")
        if s > 0 and s < min_scale[app_id] - TOL_SCALE:
            problems.append(f"{app_id}: scale {s} below min_scale {min_scale[app_id]}")
        if abs(row["awarded_amount"] - s * row["C"]) > TOL_EUR:
            problems.append(f"{app_id}: awarded_amount != scale * C")
        if abs(row["awarded_fte"] - s * float(row["fte"])) > 1e-6:
            problems.append(f"{app_id}: awarded_fte != scale * fte")

    # money in whole cents (issue 8): amounts as written, summed exactly
    text = pd.read_csv(out_dir / "awards.csv", dtype=str, keep_default_na=False)
    exact = pd.Series([Decimal(v) for v in text["awarded_amount"]], index=df.index, dtype=object)
    problems += [
        f"{i}: awarded_amount {v} is not in whole cents"
        for i, v in zip(text["application_id"], text["awarded_amount"])
        if v.partition(".")[2].rstrip("0")[2:]
    ]

    def over(used: Decimal, cap: float) -> bool:  # a cap computed in floats: to EUR 1e-6
        return used > Decimal(repr(float(cap))).quantize(Decimal("0.000001"))

    if over(sum(exact), scen["ceiling"]):
        problems.append(f"ceiling: {sum(exact)} > {scen['ceiling']}")
    theme = df["use_case"].str[:2].map(THEME_OF_USE_CASE_PREFIX)
    for t, cap in (scen.get("theme_budgets") or {}).items():
        used = sum(exact[theme == t])
        if over(used, cap):
            problems.append(f"theme:{t}: {used} > {cap}")
    spent_cum, budget_cum = 0.0, 0.0
    for y in sorted(int(y) for y in scen["year_budgets"]):
        col = f"cost_{y}"
        spent = (df["scale"] * df[col]).sum() if col in df else 0.0
        budget = float(scen["year_budgets"][y])
        spent_cum += spent
        budget_cum += budget
        if scen.get("carry_over"):
            if spent_cum > budget_cum + TOL_EUR:
                problems.append(f"year:{y} (cumulative): {spent_cum} > {budget_cum}")
        elif spent > budget + TOL_EUR:
            problems.append(f"year:{y}: {spent} > {budget}")
    factor = scen.get("region_max_factor")
    if factor is not None:
        for r, p in share.items():
            used = sum(exact[df["region"] == r])
            cap = float(factor) * p * float(scen["ceiling"])
            if over(used, cap):
                problems.append(f"region:{r}: {used} > {cap}")
    if "exclusive_group" in df:
        funded = df[
            (df["scale"] > 0) & df["exclusive_group"].notna() & (df["exclusive_group"] != "")
        ]
        for g, n in funded.groupby("exclusive_group").size().items():
            if n > 1:
                problems.append(f"exclusive group {g}: {n} awarded")

    for key in ("method", "status", "objective_fte", "total_awarded", "bound", "gap"):
        if key not in summary:
            problems.append(f"summary.json lacks {key}")
    if abs(summary["objective_fte"] - df["awarded_fte"].sum()) > 1e-6:
        problems.append("summary objective_fte != sum of awarded_fte")
    if Decimal(repr(summary["total_awarded"])) != sum(exact):
        problems.append("summary total_awarded != sum of awarded_amount")
    return problems
