"""Read the award sheet's sentences back and check every claim in them against the data.

Written from the files a user reads (awards.csv, shadow_prices.csv, explanations.csv) and the
inputs (applications CSV, scenario YAML, region table), with pandas and regular expressions:
it does not import the allocator package, so a sentence cannot be checked by the code that
wrote it. Every piece of a sentence must match one of the claim patterns below (an
unrecognised clause is itself a failure), and every claim must hold:

- amounts, scales and FTE equal the award table's;
- a cap said to be full has at most EUR 1 left, and the application draws on it;
- "too little is left under X (EUR a left; it needs EUR b at p%)": a is what is left under
  X, b what the application needs there at min_scale, and a < b;
- "EUR 1M more would add: under X y FTE": X's shadow price is y (> 0); "would add no FTE":
  every cap named has shadow price 0; no other wording claims a cap binds;
- the group winner is funded and in the same exclusive group, with the numbers given;
- the lowest-ratio funded project under X is funded, draws on X and has the lowest FTE per
  EUR 1M there, and "more"/"less" matches the two ratios;
- FTE lost if forced / removed equal explanations.csv's;
- the reason column blames the same caps as the sentence.
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import yaml

FULL_EUR = 1.0
EUR = r"EUR ([\d,]+(?:\.\d\d)?)"
NUM = r"(-?[\d,]+(?:\.\d+)?(?:e-?\d+)?)"
THEME_WORDS = {
    "ai": "AI",
    "digital_hybrid": "digital & hybrid care",
    "medtech": "medical technology",
}
THEME_OF_PREFIX = {"ai": "ai", "dh": "digital_hybrid", "mt": "medtech"}


def _num(text: str) -> float:
    return float(text.replace(",", ""))


class Data:
    """The inputs and outputs of one run, and the caps recomputed from them."""

    def __init__(self, applications: Path, scenario: Path, out_dir: Path) -> None:
        self.apps = pd.read_csv(
            applications, dtype={"application_id": str, "exclusive_group": str}
        ).set_index("application_id")
        self.scen = yaml.safe_load(Path(scenario).read_text())
        regions_file = self.scen.get("regions")
        path = (
            Path(scenario).parent / regions_file
            if regions_file
            else Path(__file__).parents[1] / "allocator/data/regions/provinces.csv"
        )
        reg = pd.read_csv(path, dtype={"region": str})
        self.region_name = dict(zip(reg["region"], reg.get("name", reg["region"])))
        self.share = dict(zip(reg["region"], reg["population"] / reg["population"].sum()))
        self.awards = pd.read_csv(
            out_dir / "awards.csv", dtype={"application_id": str}, keep_default_na=False
        ).set_index("application_id")
        prices = out_dir / "shadow_prices.csv"
        self.prices = (
            dict(pd.read_csv(prices).itertuples(index=False, name=None))
            if prices.exists()
            else None
        )
        ex = out_dir / "explanations.csv"
        self.explained = (
            pd.read_csv(ex, dtype={"application_id": str}).set_index("application_id")
            if ex.exists()
            else None
        )
        self.years = sorted(int(y) for y in self.scen["year_budgets"])
        cost_cols = [c for c in self.apps.columns if re.fullmatch(r"cost_\d{4}", c)]
        self.C = self.apps[cost_cols].sum(axis=1)
        self.scale = self.awards["scale"].astype(float)
        self.theme = self.apps["use_case"].str[:2].map(THEME_OF_PREFIX)
        self.caps = self._caps()

    def _year_cost(self, y: int) -> pd.Series:
        col = f"cost_{y}"
        return self.apps[col] if col in self.apps else pd.Series(0.0, self.apps.index)

    def _caps(self) -> dict[str, tuple[pd.Series, float]]:
        """cap name -> (coefficient per application, EUR limit), from the contract."""
        s = self.scen
        caps = {"ceiling": (self.C, float(s["ceiling"]))}
        for t, limit in (s.get("theme_budgets") or {}).items():
            caps[f"theme:{t}"] = (self.C.where(self.theme == t, 0.0), float(limit))
        cum_cost, cum_budget = pd.Series(0.0, self.apps.index), 0.0
        for y in self.years:
            cum_cost = cum_cost + self._year_cost(y)
            cum_budget += float(s["year_budgets"][y])
            if s.get("carry_over"):
                caps[f"year:{y}"] = (cum_cost.copy(), cum_budget)
            else:
                caps[f"year:{y}"] = (self._year_cost(y), float(s["year_budgets"][y]))
        if s.get("region_max_factor") is not None:
            for r, p in self.share.items():
                limit = float(s["region_max_factor"]) * p * float(s["ceiling"])
                caps[f"region:{r}"] = (self.C.where(self.apps["region"] == r, 0.0), limit)
        return caps

    def left(self, cap: str) -> float:
        coef, limit = self.caps[cap]
        return limit - float((coef * self.scale).sum())

    def words(self) -> dict[str, str]:
        """A cap's words as the sentences should use them -> its name."""
        s = self.scen
        out = {f"the EUR {float(s['ceiling']):,.0f} ceiling": "ceiling"}
        out.update({f"the {THEME_WORDS[t]} theme budget": f"theme:{t}" for t in THEME_WORDS})
        for y in self.years:
            text = (
                f"the cumulative budget {self.years[0]}-{y} (with carry-over)"
                if s.get("carry_over")
                else f"the {y} budget"
            )
            out[text] = f"year:{y}"
        out.update({f"the regional cap of {n}": f"region:{r}" for r, n in self.region_name.items()})
        return out

    def ratio(self, app_id: str) -> float:
        return float(self.apps.at[app_id, "fte"]) / (float(self.C[app_id]) / 1e6)


def _cap_list(text: str, words: dict[str, str]) -> list[str]:
    """'the A, the B and the C' -> cap names; a cap's words may contain commas (amounts)."""
    names: list[str] = []
    rest = text
    while rest:
        match = next((w for w in sorted(words, key=len, reverse=True) if rest.startswith(w)), None)
        if match is None:
            raise AssertionError(f"unknown cap words at {rest!r}")
        names.append(words[match])
        rest = rest[len(match) :]
        for sep in (", ", " and "):
            if rest.startswith(sep):
                rest = rest[len(sep) :]
                break
    return names


def check_sentences(data: Data) -> list[str]:
    """Every claim in every explanation sentence that does not hold (empty: all true)."""
    problems: list[str] = []
    for app_id, row in data.awards.iterrows():
        try:
            problems += [f"{app_id}: {p}" for p in _check(app_id, row, data)]
        except AssertionError as exc:
            problems.append(f"{app_id}: {exc} in {row['explanation']!r}")
    return problems


def _close(a: float, b: float, decimals: int) -> bool:
    return abs(a - b) <= 0.5 * 10**-decimals + 1e-9


def _shown(text: str, value: float) -> bool:
    """The number as written rounds ``value`` to the decimals it shows."""
    digits = len(text.split(".")[1]) if "." in text and "e" not in text else 0
    if "e" in text:
        return abs(float(text) - value) <= 0.01 * abs(value)
    return _close(_num(text), value, digits)


def _check(app_id: str, row: pd.Series, d: Data) -> list[str]:
    text: str = row["explanation"]
    bad: list[str] = []
    words = d.words()
    if "exhausted" in text:
        bad.append("says 'exhausted'")
    if "not funded: not funded" in text.lower():
        bad.append("says 'not funded' twice")
    amount, fte_awarded = float(row["awarded_amount"]), float(row["awarded_fte"])
    rest = text
    named_caps: list[str] = []

    def take(pattern: str) -> re.Match[str] | None:
        nonlocal rest
        m = re.search(pattern, rest)
        if m:
            rest = rest[: m.start()] + rest[m.end() :]
        return m

    if row["status"] == "ineligible":
        m = take(r"^Ineligible: (.*)\.$")
        assert m, "ineligible sentence shape"
        bar = re.search(r"it saves ([\d.]+) FTE per EUR 1M, below the bar of ([\d.]+)", m[1])
        if bar and not (float(bar[1]) < float(bar[2]) and d.ratio(app_id) < d.scen["impact_bar"]):
            bad.append("below-bar claim false")
        return bad
    m = take(rf"^Funded in full: {EUR} for {NUM} FTE \(([\d.]+) FTE per EUR 1M\)\.")
    if m:
        if row["status"] != "awarded" or not _close(_num(m[1]), amount, 2):
            bad.append("full-funding claim does not match the table")
        if not _close(_num(m[2]), fte_awarded, 1) or not _close(float(m[3]), d.ratio(app_id), 1):
            bad.append("FTE or ratio of a full award wrong")
    m = take(rf"^Funded at ([\d.]+)%: {EUR} of {EUR}, {NUM} FTE\.")
    if m:
        digits = len(m[1].split(".")[1]) if "." in m[1] else 0
        ok = row["status"] == "partial" and _close(float(m[1]), 100 * d.scale[app_id], digits)
        ok &= _close(_num(m[2]), amount, 2) and _close(_num(m[3]), float(d.C[app_id]), 2)
        ok &= _close(_num(m[4]), fte_awarded, 1) and 0 < float(m[1]) < 100
        if not ok:
            bad.append("partial award claim does not match the table")
    m = take(r" Scaled down because (.+?) (?:is|are) full\.")
    if m:
        for cap in _cap_list(m[1], words):
            named_caps.append(cap)
            if d.left(cap) > FULL_EUR or d.caps[cap][0][app_id] <= 0:
                bad.append(f"{cap} called full: {d.left(cap):.2f} left or not drawn on")
    if take(r" The board requires it \(must_fund\)\.") and app_id not in (
        d.scen.get("must_fund") or []
    ):
        bad.append("said to be required by the board, not in must_fund")
    m = take(
        r" ([^.;:]+?)'s regional minimum \(([\d.]+) x its population share of the total awarded\) "
        r"needs this award: without it the region would fall short\."
    )
    if m:
        bad += _needed_by_minimum(app_id, m[1], float(m[2]), d)
    m = take(r"^Not funded: (.+?)\.(?= |$)")
    if m:
        bad += _not_funded(app_id, m[1], d, words, named_caps)
    m = take(r" EUR 1M more would add: (.+?)\.(?= |$)")
    if m:
        for part in m[1].split("; "):
            pm = re.fullmatch(rf"under (.+) {NUM} FTE", part)
            assert pm, f"price clause {part!r}"
            (cap,) = _cap_list(pm[1], words)
            price = (d.prices or {}).get(cap)
            if price is None or price <= 0 or not _shown(pm[2], price):
                bad.append(f"{cap} said to bind at {pm[2]} FTE, shadow price {price}")
            if cap not in named_caps:
                bad.append(f"{cap} priced but not named among its caps")
    if take(r" Raising (?:it|any one of them alone) by EUR 1M would add no FTE\."):
        if any((d.prices or {}).get(c, 0) > 0 for c in named_caps):
            bad.append("'would add no FTE' while a named cap has a positive shadow price")
    elif (
        d.prices is not None
        and named_caps
        and "no award set can fund it" not in text
        and not any(d.prices.get(c, 0) > 0 for c in named_caps)
    ):
        bad.append("caps named without saying whether raising them helps")
    m = take(rf" Funding it at [\d.]+% would cost {NUM} FTE in total\.")
    if m and not _shown(m[1], _explained(d, app_id, "fte_loss_if_forced")):
        bad.append("FTE lost if forced does not match explanations.csv")
    take(r" It cannot be funded at [\d.]+% with the other rules in place\.")
    take(r" Funding it at [\d.]+% would cost no FTE: another optimum funds it\.")
    m = take(
        r" It saves ([\d.]+) FTE per EUR 1M, (more|less|as much as)(?: than)? (\S+) \(([\d.]+)\), the funded project with the lowest FTE per EUR 1M under (.+?)(?:; ([^.;:()]+?)'s regional minimum needs that award)?\.(?= |$)"
    )
    if m:
        bad += _marginal(app_id, m, d, words, named_caps)
    m = take(rf" Without it the best award set would save {NUM} FTE less\.")
    if m and not _shown(m[1], _explained(d, app_id, "fte_loss_if_removed")):
        bad.append("FTE lost if removed does not match explanations.csv")
    m = take(
        rf" Without it the best award set would save {NUM} FTE more: the regional minimum "
        r"\(applications permitting\) waits for every application of its region, this one "
        r"included\."
    )
    if m and (
        not d.scen.get("region_min_factor")
        or not _shown(m[1], -_explained(d, app_id, "fte_loss_if_removed"))
    ):
        bad.append("FTE gained if removed does not match explanations.csv or the rules")
    take(r" Without it another award set would save just as much\.")
    if rest.strip():
        bad.append(f"unchecked words left: {rest.strip()!r}")
    reason_caps = re.search(
        r"(?:full under|too little left under|more than) (.+?)(?: holds)?$", row["reason"]
    )
    if reason_caps and named_caps and sorted(reason_caps[1].split(", ")) != sorted(named_caps):
        bad.append(f"reason blames {reason_caps[1]}, the sentence {named_caps}")
    return bad


def _needed_by_minimum(app_id: str, name: str, factor: float, d: Data) -> list[str]:
    """The claim that the region's minimum needs this award, recomputed from the files: the
    region is not let off (one of its eligible applications is neither funded in full, nor
    locked out, nor beaten by a funded group partner), and without the award (the total
    dropping with it) the region would hold less than factor x its population share."""
    from fractions import Fraction

    region = str(d.apps.at[app_id, "region"])
    if d.region_name.get(region) != name or factor != d.scen.get("region_min_factor"):
        return [f"regional minimum named {name!r} x{factor}, region {region}"]
    cents = (d.awards["awarded_amount"].astype(float) * 100).round().astype(int)
    eligible = d.awards[d.awards["status"] != "ineligible"]
    mine = eligible[d.apps.loc[eligible.index, "region"] == region]
    groups = d.apps["exclusive_group"]
    waiting = [
        i
        for i in mine.index
        if mine.at[i, "status"] != "awarded"
        and i not in (d.scen.get("must_not") or [])
        and not (
            isinstance(groups.get(i), str)
            and any(d.scale[j] > 0 for j in groups[groups == groups[i]].index if j != i)
        )
    ]
    if not waiting:
        return ["regional minimum said to need it, but the region is let off"]
    share = Fraction(factor) * Fraction(d.share[region])
    held, total, award = int(cents[mine.index].sum()), int(cents.sum()), int(cents[app_id])
    if not award * (1 - share) > held - share * total:
        return ["regional minimum said to need it, but the region holds enough without it"]
    return []


def _explained(d: Data, app_id: str, column: str) -> float:
    assert d.explained is not None, "a re-solved number without explanations.csv"
    return float(d.explained.at[app_id, column])


def _not_funded(
    app_id: str, body: str, d: Data, words: dict[str, str], named: list[str]
) -> list[str]:
    bad: list[str] = []
    if d.scale[app_id] != 0:
        bad.append("said not funded but has a scale")
    group = re.fullmatch(
        rf"exclusive group (\S+) allows one award, and (\S+) is funded in it \({NUM} FTE for {EUR}\); this application asks {EUR} for {NUM} FTE",
        body,
    )
    if group:
        g, winner = group[1], group[2]
        if (
            str(d.apps.at[app_id, "exclusive_group"]) != g
            or str(d.apps.at[winner, "exclusive_group"]) != g
        ):
            bad.append("group claim: not in the same group")
        ok = d.scale[winner] > 0 and _close(
            _num(group[3]), float(d.awards.at[winner, "awarded_fte"]), 1
        )
        ok &= _close(_num(group[4]), float(d.awards.at[winner, "awarded_amount"]), 2)
        ok &= _close(_num(group[5]), float(d.C[app_id]), 2)
        ok &= _close(_num(group[6]), float(d.apps.at[app_id, "fte"]), 1)
        if not ok:
            bad.append("group claim numbers wrong")
        return bad
    big = re.fullmatch(
        rf"even its smallest award(?: \([\d.]+%\))? needs {EUR} under (.+), which holds {EUR} in all; no award set can fund it",
        body,
    )
    if big:
        (cap,) = _cap_list(big[2], words)
        named.append(cap)
        coef, limit = d.caps[cap]
        need = float(coef[app_id]) * _min_scale(d, app_id)
        if not (_close(_num(big[1]), need, 2) and _close(_num(big[3]), limit, 2) and need > limit):
            bad.append("too-big claim wrong")
        return bad
    if body in ("the board excluded it (must_not)", "it saves no FTE") or body.startswith(
        "every cap it draws on has room for it"
    ):
        if body.startswith("every cap"):
            for cap, (coef, _) in d.caps.items():
                if coef[app_id] > 0 and d.left(cap) < coef[app_id] * _min_scale(d, app_id) - 0.01:
                    bad.append(f"'room under every cap' but {cap} has too little")
        return bad
    shape = re.fullmatch(
        r"(?:(.+?) (?:is|are) full)?(?:; )?(?:too little is left under (.+))?", body
    )
    if not shape or not (shape[1] or shape[2]):
        raise AssertionError(f"not-funded clause {body!r}")
    for part, kind in ((shape[1], "full"), (shape[2], "short")):
        if part is None:
            continue
        full = re.fullmatch(r"(.+)", part) if kind == "full" else None
        short = re.fullmatch(r"(.+)", part) if kind == "short" else None
        if full:
            for cap in _cap_list(full[1], words):
                named.append(cap)
                if d.left(cap) > FULL_EUR or d.caps[cap][0][app_id] <= 0:
                    bad.append(f"{cap} called full: {d.left(cap):.2f} left")
        elif short:
            items = re.findall(
                rf"(.+?) \({EUR} left; it needs {EUR} at ([\d.]+)%\)(?:, | and |$)", short[1]
            )
            assert items, f"too-little clause {part!r}"
            for words_, left, need, _ in items:
                (cap,) = _cap_list(words_, words)
                named.append(cap)
                coef = float(d.caps[cap][0][app_id])
                want_need = coef * _min_scale(d, app_id)
                if not (_close(_num(left), d.left(cap), 2) and _close(_num(need), want_need, 2)):
                    bad.append(f"{cap}: room or need wrong ({left} / {need})")
                if not d.left(cap) < want_need:
                    bad.append(f"{cap}: 'too little' but it has room")
    return bad


def _min_scale(d: Data, app_id: str) -> float:
    if "min_scale" not in d.apps:
        return 1.0
    value = d.apps.at[app_id, "min_scale"]
    return 1.0 if pd.isna(value) else float(value)


def _marginal(
    app_id: str, m: re.Match[str], d: Data, words: dict[str, str], named: list[str]
) -> list[str]:
    bad: list[str] = []
    mine, word, other, theirs = float(m[1]), m[2], m[3], float(m[4])
    (cap,) = _cap_list(m[5], words)
    coef = d.caps[cap][0]
    funded = [a for a in d.apps.index if d.scale[a] > 0 and coef[a] > 0]
    if other not in funded:
        bad.append(f"marginal {other} is not funded under {cap}")
        return bad
    lowest = min(d.ratio(a) for a in funded)
    if abs(d.ratio(other) - lowest) > 1e-9:
        bad.append(f"{other} is not the lowest-ratio funded project under {cap}")
    if cap not in named:
        bad.append(f"marginal under {cap}, which is not among its caps")
    a, b = d.ratio(app_id), d.ratio(other)
    truth = "more" if a > b else "less" if a < b else "as much as"
    digits = len(m[1].split(".")[1]) if "." in m[1] else 0
    if word != truth or not _close(mine, a, digits) or not _close(theirs, b, digits):
        bad.append(f"ratio comparison false: {a} vs {b} said {word}")
    if m[6] is not None:  # the marginal project is said to be needed by its regional minimum
        bad += _needed_by_minimum(other, m[6], float(d.scen.get("region_min_factor") or 0), d)
    return bad
