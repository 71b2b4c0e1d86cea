"""Every sentence true: the award sheet's explanations read back and checked against the data
(tests/sentence_check.py), on the shipped sample under every shipped scenario and on random
instances, with and without --explain."""

from __future__ import annotations

import re
import tempfile
from pathlib import Path

import pandas as pd
import pytest
import yaml
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from allocator.cli import main
from tests.sentence_check import Data, check_sentences

ROOT = Path(__file__).parents[1]
SAMPLE = ROOT / "allocator/data/sample_applications.csv"
SCENARIOS = sorted(
    p for p in (ROOT / "scenarios").glob("*.yaml") if not p.stem.startswith("infeasible")
)


def _solve(apps: Path, scenario: Path, out: Path, *extra: str) -> Data:
    args = ["solve", "-q", "--no-xlsx", "-a", str(apps), "-s", str(scenario), "-o", str(out)]
    result = CliRunner().invoke(main, [*args, *extra], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return Data(apps, scenario, out)


@pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda p: p.stem)
def test_every_sentence_true_on_the_sample(tmp_path: Path, scenario: Path) -> None:
    data = _solve(SAMPLE, scenario, tmp_path, "--explain", "--workers", "2")
    assert check_sentences(data) == []
    assert data.prices is not None


def test_every_sentence_true_without_explain(tmp_path: Path) -> None:
    data = _solve(SAMPLE, ROOT / "scenarios/baseline.yaml", tmp_path)
    assert check_sentences(data) == []


def test_the_checker_catches_false_claims(tmp_path: Path) -> None:
    """The read-back is not a rubber stamp: each kind of false claim is caught."""
    data = _solve(SAMPLE, ROOT / "scenarios/baseline.yaml", tmp_path, "--explain")
    text = data.awards["explanation"]
    binding = next(c for c, p in data.prices.items() if p > 0)  # type: ignore[union-attr]
    slack = next(c for c, p in data.prices.items() if p == 0 and c.startswith("region"))
    lies = {
        "exhausted": lambda s: s.replace(" full", " exhausted", 1),
        "more/less": lambda s: (
            s.replace(", less than", ", more than", 1)
            if ", less than" in s
            else s.replace(", more than", ", less than", 1)
        ),
        "a price": lambda s: s.replace(" FTE;", "1 FTE;", 1),
        "an amount": lambda s: s.replace("EUR 1", "EUR 2", 1),
    }
    for name, lie in lies.items():
        changed = text.map(lie)
        assert (changed != text).any(), name
        data.awards["explanation"] = changed
        assert check_sentences(data), f"a changed {name} went unnoticed"
    data.awards["explanation"] = text
    assert binding and slack  # a slack cap is never named as binding: the sample has both
    assert check_sentences(data) == []


# ---- random instances -------------------------------------------------------------------

USE_CASES = ["ai-speech-reporting", "dh-pathway-copd", "mt-stoma-sensor"]


@st.composite
def instances(draw: st.DrawFn) -> tuple[list[dict], dict]:
    n = draw(st.integers(4, 10))
    rows = []
    for k in range(n):
        rows.append(
            {
                "application_id": f"X{k:02d}",
                "use_case": draw(st.sampled_from(USE_CASES)),
                "region": draw(st.sampled_from(["R1", "R2", "NL"])),
                "parties": 2,
                "submitted_at": f"2026-10-01T09:{k:02d}:00",
                "cost_2027": draw(st.integers(1, 40)) * 100_000,
                "cost_2028": draw(st.integers(0, 40)) * 100_000,
                "fte": draw(st.integers(0, 400)) / 2,
                "min_scale": draw(st.sampled_from([1.0, 1.0, 0.5, 0.25])),
                "exclusive_group": draw(st.sampled_from(["", "", "", "G1", "G2"])),
            }
        )
    scenario = {
        "name": "random",
        "ceiling": draw(st.integers(5, 30)) * 1_000_000,
        "theme_budgets": {"ai": draw(st.integers(2, 20)) * 1_000_000},
        "year_budgets": {2027: draw(st.integers(3, 20)) * 1_000_000, 2028: 15_000_000},
        "carry_over": draw(st.booleans()),
        "impact_bar": 0,
        "region_max_factor": draw(st.sampled_from([None, 1.0, 1.5])),
        "regions": "regions.csv",
    }
    return rows, scenario


@settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(case=instances())
def test_every_sentence_true_on_random_instances(tmp_path: Path, case) -> None:  # type: ignore[no-untyped-def]
    rows, scenario = case
    folder = Path(tempfile.mkdtemp(dir=tmp_path))  # hypothesis re-runs examples: fresh each
    apps = folder / "apps.csv"
    pd.DataFrame(rows).to_csv(apps, index=False)
    (folder / "regions.csv").write_text("region,name,population\nR1,One,1000\nR2,Two,3000\n")
    scen = folder / "scenario.yaml"
    scen.write_text(yaml.safe_dump(scenario))
    data = _solve(apps, scen, folder / "out", "--explain", "--workers", "1")
    assert check_sentences(data) == []


def test_re_solved_numbers_in_sentences_equal_fresh_solves(tmp_path: Path) -> None:
    """A 'would cost X FTE', an 'EUR 1M more would add Y FTE' and a 'would save Z FTE less'
    read from the sentences equal fresh solves of the changed scenario (a locked application,
    a raised cap), run as a user would, on the command line."""
    import json
    import re

    base_yaml = ROOT / "scenarios/baseline.yaml"
    data = _solve(SAMPLE, base_yaml, tmp_path / "base", "--explain")
    base_fte = json.loads((tmp_path / "base/summary.json").read_text())["objective_fte"]
    text = data.awards["explanation"]
    scen = yaml.safe_load(base_yaml.read_text())

    def fresh(name: str, **changes: object) -> float:
        folder = tmp_path / name
        folder.mkdir()
        (folder / "s.yaml").write_text(yaml.safe_dump({**scen, **changes}))
        _solve(SAMPLE, folder / "s.yaml", folder / "out")
        return json.loads((folder / "out/summary.json").read_text())["objective_fte"]

    forced = next(
        (i, m) for i, s in text.items() if (m := re.search(r"would cost ([\d.,]+) FTE", s))
    )
    got = base_fte - fresh("forced", must_fund=[forced[0]])
    assert abs(got - float(forced[1][1].replace(",", ""))) <= 0.05
    removed = next(
        (i, m) for i, s in text.items() if (m := re.search(r"save ([\d.,]+) FTE less", s))
    )
    got = base_fte - fresh("removed", must_not=[removed[0]])
    assert abs(got - float(removed[1][1].replace(",", ""))) <= 0.05
    price = next(m for s in text if (m := re.search(r"under the (\d{4}) budget ([\d.]+) FTE", s)))
    years = {**scen["year_budgets"], int(price[1]): scen["year_budgets"][int(price[1])] + 1e6}
    assert abs(fresh("raised", year_budgets=years) - base_fte - float(price[2])) <= 0.05


def test_removed_under_board_rules_equals_a_withdrawal(tmp_path: Path) -> None:
    """Under the regional minimum ("applications permitting") 'without it' means withdrawn:
    the region no longer waits for it. explanations.csv's fte_loss_if_removed against fresh
    solves of the submission without the application, for the largest losses, every gain
    (a negative loss) and a few from the middle."""
    import json

    from allocator.catalog import regions_for
    from allocator.engine import allocate
    from allocator.io.inputs import load_scenario, load_submission

    rules = ROOT / "scenarios/board-rules.yaml"
    data = _solve(SAMPLE, rules, tmp_path / "out", "--explain", "--workers", "2")
    base_fte = json.loads((tmp_path / "out/summary.json").read_text())["objective_fte"]
    assert data.explained is not None
    losses = data.explained["fte_loss_if_removed"].dropna().astype(float).sort_values()
    middle = len(losses) // 2
    picked = {*losses.index[-3:], *losses.index[losses < 0], *losses.index[middle : middle + 2]}
    scen = load_scenario(rules)
    regions = regions_for(scen)
    apps = load_submission(SAMPLE, regions).applications
    for app_id in sorted(picked):
        rest = [a for a in apps if a.application_id != app_id]
        without = allocate(rest, scen, regions=regions).result.objective_fte
        assert without is not None
        assert abs((base_fte - without) - losses[app_id]) <= 1e-6 * base_fte, app_id


def test_the_checker_catches_false_board_claims(tmp_path: Path) -> None:
    """Under the board rules: a regional minimum said to need an award where the region holds
    plenty, or is let off, and a lock claimed for an application without one, are caught."""
    data = _solve(SAMPLE, ROOT / "scenarios/board-rules.yaml", tmp_path)
    assert check_sentences(data) == []
    text = data.awards["explanation"]
    region = data.apps["region"]
    funded = data.awards["status"] == "awarded"

    def claim(name: str) -> str:
        return (
            f" {name}'s regional minimum (0.5 x its population share of the total awarded) "
            "needs this award: without it the region would fall short."
        )

    plenty = next(
        i for i in text.index if funded[i] and region[i] == "PV25" and "minimum" not in text[i]
    )
    let_off = next(i for i in text.index if funded[i] and region[i] == "PV20")
    plain = next(i for i in text.index if funded[i] and "must_fund" not in text[i] and i != "A004")
    pointed = next(i for i in text.index if "regional minimum needs that award" in text[i])
    other = re.search(r"; (\S+)'s regional minimum needs that award", text[pointed])
    assert other
    lies = {
        pointed: text[pointed].replace(f"; {other[1]}'s", "; Gelderland's"),
        plenty: text[plenty] + claim("Gelderland"),
        let_off: text[let_off] + claim("Groningen"),
        plain: text[plain] + " The board requires it (must_fund).",
    }
    for app_id, lie in lies.items():
        changed = text.copy()
        changed[app_id] = lie
        data.awards["explanation"] = changed
        assert check_sentences(data), f"a false claim on {app_id} went unnoticed"
    data.awards["explanation"] = text
