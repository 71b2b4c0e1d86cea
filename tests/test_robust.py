"""allocator robust: sampling, funded shares, reproducibility, bad intervals (CONTRACT.md,
"Uncertain FTE")."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from allocator.catalog import sample_applications_path, shipped_regions
from allocator.cli_robust import robust
from allocator.errors import InputError
from allocator.executor import run_map
from allocator.io.inputs import load_submission
from allocator.robust import (
    Z80,
    classify,
    expected_fte,
    render,
    run_robust,
    sample_fte,
    sample_normals,
)

from .conftest import REGIONS, app, scenario

SAMPLE_ROWS = 24
SMALL_SCENARIO = """\
name: small
ceiling: 60000000
year_budgets: {2027: 30000000, 2028: 30000000, 2029: 20000000}
impact_bar: 0
"""


def _small_files(tmp_path: Path, width: str = "default") -> tuple[Path, Path]:
    """The first SAMPLE_ROWS rows of the shipped sample under a tight ceiling; ``width``:
    'default' (no interval columns), 'zero' (fte_low == fte_high == fte) or 'wide'."""
    with open(sample_applications_path(), newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))[:SAMPLE_ROWS]
    header = list(rows[0])
    if width != "default":
        header += ["fte_low", "fte_high"]
        for row in rows:
            fte = float(row["fte"])
            row["fte_low"] = row["fte"] if width == "zero" else repr(fte * 0.5)
            row["fte_high"] = row["fte"] if width == "zero" else repr(fte * 2.0)
    apps = tmp_path / f"apps-{width}.csv"
    with open(apps, "w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, header, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    scen = tmp_path / "small.yaml"
    scen.write_text(SMALL_SCENARIO, encoding="utf-8")
    return apps, scen


def _run(apps: Path, scen: Path, out: Path, *extra: str) -> None:
    args = ["-a", str(apps), "-s", str(scen), "--out", str(out), "--quiet", *extra]
    result = CliRunner().invoke(robust, args)
    assert result.exit_code == 0, (result.output, result.exception)


def _same_files(a: Path, b: Path) -> None:
    names = sorted(p.name for p in a.iterdir())
    assert names == sorted(p.name for p in b.iterdir())
    assert {"robust.csv", "robust_summary.json", "robust_recommendation.csv"} <= set(names)
    for name in names:
        assert (a / name).read_bytes() == (b / name).read_bytes(), name


# ---- sampling --------------------------------------------------------------------------------


def test_zero_width_interval_is_exactly_the_point_estimate() -> None:
    fte = np.array([0.0, 1.0, 39.9, 1234.5678, 1e7])
    for k in range(5):
        z = sample_normals(7, k, len(fte))
        assert np.array_equal(sample_fte(fte, fte, fte, z), fte)


def test_interval_ends_are_the_10th_and_90th_percentiles() -> None:
    fte, low, high = np.full(2, 10.0), np.array([4.0, 0.0]), np.array([13.0, 13.0])
    at_low = sample_fte(fte, low, high, np.full(2, -Z80))
    at_high = sample_fte(fte, low, high, np.full(2, Z80))
    assert at_low == pytest.approx([4.0, 0.0])  # log-normal piece; linear piece to 0
    assert at_high == pytest.approx([13.0, 13.0])
    assert np.array_equal(sample_fte(fte, low, high, np.zeros(2)), fte)  # the median
    # a zero fte with room above: linear, never negative
    assert sample_fte([0.0], [0.0], [5.0], [Z80]) == pytest.approx([5.0])
    assert sample_fte([0.0], [0.0], [5.0], [-2.0]) == pytest.approx([0.0])
    many = sample_fte(np.full(20000, 10.0), np.full(20000, 4.0), np.full(20000, 13.0),
                      sample_normals(1, 0, 20000))  # fmt: skip
    assert np.mean(many < 4.0) == pytest.approx(0.1, abs=0.01)
    assert np.mean(many > 13.0) == pytest.approx(0.1, abs=0.01)
    assert (many >= 0).all()


def test_seeds_are_per_sample() -> None:
    a = sample_normals(42, 3, 10)
    assert np.array_equal(a, sample_normals(42, 3, 10))
    child = np.random.SeedSequence(42).spawn(4)[3]
    assert np.array_equal(a, np.random.default_rng(child).standard_normal(10))
    assert not np.array_equal(a, sample_normals(42, 4, 10))


# ---- executor ----------------------------------------------------------------------------------


def _square(x: int) -> int:
    return x * x


def test_run_map_keeps_item_order_and_reports_progress() -> None:
    seen: list[tuple[int, int]] = []
    items = list(range(23))
    for workers in (1, 2):
        seen.clear()
        assert run_map(_square, items, workers, progress=lambda d, t: seen.append((d, t))) == [
            x * x for x in items
        ]
        assert seen[0] == (0, 23) and seen[-1] == (23, 23)


# ---- robust -------------------------------------------------------------------------------------


def test_zero_width_gives_the_optimum_exactly(tmp_path: Path) -> None:
    apps, scen = _small_files(tmp_path, "zero")
    out = tmp_path / "out"
    _run(apps, scen, out, "--samples", "4", "--seed", "5", "--workers", "1")
    summary = json.loads((out / "robust_summary.json").read_text(encoding="utf-8"))
    with open(out / "robust.csv", newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    from allocator.domain import RunOptions
    from allocator.engine import allocate
    from allocator.io.inputs import load_scenario

    point = allocate(
        load_submission(apps, shipped_regions()).applications, load_scenario(scen), RunOptions()
    )
    funded = {a.application_id for a in point.result.awards if a.scale > 0}
    eligible = set(point.problem.app_ids)
    assert funded and eligible - funded  # a real choice was made
    assert {r["application_id"] for r in rows} == eligible
    for row in rows:
        assert row["funded_share"] == ("1" if row["application_id"] in funded else "0")
        assert row["class"] == ("core" if row["application_id"] in funded else "exterior")
    assert summary["samples"] == 4 and summary["seed"] == 5
    assert summary["fte_p10"] == summary["fte_mean"] == summary["point_fte"]
    assert summary["point_fte"] == pytest.approx(point.result.objective_fte, abs=1e-6)
    assert sum(summary["histogram"]["counts"]) == 4
    # the recommendation at zero width is the point optimum
    rec = summary["recommendation"]
    assert rec["differs"] == 0 and rec["status"] == "optimal"
    assert rec["fte_mean"] == rec["fte_p10"] == summary["point_fte"]
    assert rec["gain_mean"] == 0.0
    assert rec["expected_fte"] == rec["point_expected_fte"] == summary["point_fte"]
    with open(out / "robust_recommendation.csv", newline="", encoding="utf-8") as handle:
        recs = list(csv.DictReader(handle))
    assert [r["application_id"] for r in recs] == [r["application_id"] for r in rows]
    for r in recs:
        assert r["change"] == "" and r["point_scale"] == r["recommended_scale"]
        assert r["fte"] == r["fte_sample_mean"] == r["fte_expected"]


def test_same_seed_same_bytes_for_one_and_two_workers(tmp_path: Path) -> None:
    apps, scen = _small_files(tmp_path, "wide")
    one, two = tmp_path / "one", tmp_path / "two"
    _run(apps, scen, one, "--samples", "8", "--seed", "11", "--workers", "1")
    _run(apps, scen, two, "--samples", "8", "--seed", "11", "--workers", "2")
    _same_files(one, two)
    with open(one / "robust.csv", newline="", encoding="utf-8") as handle:
        shares = [r["funded_share"] for r in csv.DictReader(handle)]
    assert any(s not in ("0", "1") for s in shares)  # the samples did differ


def test_hand_case_one_borderline_pair() -> None:
    """Room for two of four: C always, D never, A (certain 10 FTE) or B (10.5, 80% in 7..14)
    about half the time each."""
    apps = [
        app("A", 1e6, 10.0, fte_low=10.0, fte_high=10.0),
        app("B", 1e6, 10.5, fte_low=7.0, fte_high=14.0),
        app("C", 1e6, 100.0, fte_low=90.0, fte_high=110.0),
        app("D", 1e6, 0.1),
    ]
    found = run_robust(apps, scenario(ceiling=2e6), 40, 2026, regions=REGIONS, workers=1)
    share = dict(zip(found.app_ids, found.funded_share))
    assert share["C"] == 1.0 and share["D"] == 0.0
    assert share["A"] + share["B"] == pytest.approx(1.0)
    assert 0.3 < share["B"] < 0.8
    assert dict(zip(found.app_ids, found.classes())) == {
        "A": "borderline", "B": "borderline", "C": "core", "D": "exterior"
    }  # fmt: skip
    # the point optimum funds B and C: it delivers C + B's sampled value
    assert found.summary()["point_fte"] == pytest.approx(110.5)
    assert found.summary()["fte_p10"] < 110.5


def test_classes_at_the_limits() -> None:
    assert [classify(s) for s in (1.0, 0.9, 0.89, 0.11, 0.1, 0.0)] == [
        "core", "core", "borderline", "borderline", "exterior", "exterior"
    ]  # fmt: skip


# ---- bad intervals ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("low", "high", "column"),
    [("50", "", "fte_low"), ("", "30", "fte_high"), ("-1", "", "fte_low"), ("", "-2", "fte_high")],
)
def test_bad_interval_is_an_input_error_naming_row_and_field(
    tmp_path: Path, low: str, high: str, column: str
) -> None:
    with open(sample_applications_path(), newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))[:3]
    header = [*rows[0], "fte_low", "fte_high"]
    for row in rows:
        row["fte_low"], row["fte_high"] = "", ""
    rows[1]["fte"], rows[1]["fte_low"], rows[1]["fte_high"] = "40", low, high
    path = tmp_path / "bad.csv"
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, header, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    with pytest.raises(InputError) as info:
        load_submission(path, shipped_regions())
    problems = info.value.problems
    assert [(p.row, p.column) for p in problems] == [(3, column)]
    # and through the command: exit 2, row and column named
    result = CliRunner().invoke(robust, ["-a", str(path), "--out", str(tmp_path / "o")])
    assert result.exit_code == 2
    assert "row 3" in result.output and column in result.output


# ---- robust recommendation ---------------------------------------------------------------


def test_recommendation_prefers_the_certain_application() -> None:
    """Room for two of three: C always; B has the higher point estimate (10.5) but a long
    downside (80% in 2..11, mean about 8.5), A a certain 10. The point optimum funds B, the
    award set with the highest expected FTE funds A."""
    apps = [
        app("A", 1e6, 10.0, fte_low=10.0, fte_high=10.0),
        app("B", 1e6, 10.5, fte_low=2.0, fte_high=11.0),
        app("C", 1e6, 100.0, fte_low=90.0, fte_high=110.0),
    ]
    found = run_robust(apps, scenario(ceiling=2e6), 40, 2026, regions=REGIONS, workers=1)
    rec = found.recommendation
    assert rec is not None
    ids = found.app_ids
    assert dict(zip(ids, found.point_scale)) == {"A": 0.0, "B": 1.0, "C": 1.0}
    assert dict(zip(ids, rec.scale)) == {"A": 1.0, "B": 0.0, "C": 1.0}
    summary = found.summary()["recommendation"]
    assert summary["funded_only_by_recommendation"] == ["A"]
    assert summary["funded_only_by_point"] == ["B"]
    assert summary["differs"] == 2 and summary["scaled_differently"] == []
    # the mean over the samples is the FTE at the mean sampled figures (linear)
    assert summary["fte_mean"] == pytest.approx(float(rec.scale @ rec.fte_mean), rel=1e-12)
    assert summary["fte_mean"] == pytest.approx(float(np.mean(rec.delivered)), rel=1e-12)
    assert summary["gain_mean"] > 0
    assert summary["fte_mean"] == pytest.approx(found.summary()["fte_mean"] + summary["gain_mean"])
    # sample means per application: A certain, B well below its point estimate
    means = dict(zip(ids, rec.fte_mean))
    assert means["A"] == 10.0 and means["B"] < 9.5
    held = summary["held_out"]
    assert held["samples"] == 40
    assert held["recommended_fte_mean"] > held["point_fte_mean"]
    rows = {r["application_id"]: r for r in rec.rows(found)}
    assert rows["A"]["change"] == "recommended_only" and rows["B"]["change"] == "point_only"
    assert rows["C"]["change"] == ""


def test_expected_fte_is_the_mean_of_the_sampling_distribution() -> None:
    """The closed form against a quadrature of sample_fte over the normal density, on every
    kind of piece: two log-normal pieces, zero width, an end of 0 below, fte 0 with an upper
    end, all 0, one end at fte; and exactly fte at zero width."""
    fte = np.array([10.0, 10.0, 10.0, 0.0, 0.0, 5.0, 7.0, 1e-3, 123.456])
    low = np.array([5.0, 10.0, 0.0, 0.0, 0.0, 5.0, 3.5, 0.0, 61.0])
    high = np.array([15.0, 10.0, 14.0, 3.0, 0.0, 9.0, 7.0, 2e-3, 200.0])
    z = np.linspace(-12.0, 12.0, 1_200_001)
    weight = np.exp(-(z**2) / 2) / np.sqrt(2 * np.pi) * (z[1] - z[0])
    by_quadrature = [
        float(sample_fte(np.full_like(z, f), np.full_like(z, lo), np.full_like(z, hi), z) @ weight)
        for f, lo, hi in zip(fte, low, high)
    ]
    assert expected_fte(fte, low, high) == pytest.approx(by_quadrature, rel=1e-8, abs=1e-9)
    point = np.array([0.1, 3.0, 17.25])
    assert np.array_equal(expected_fte(point, point, point), point)  # exactly, no rounding


def test_recommendation_does_not_depend_on_the_samples() -> None:
    """The expected-FTE optimum is a closed form: any sample count or seed recommends the
    same award set, and its expected FTE is at least the point optimum's."""
    apps = [
        app("A", 1e6, 10.0, fte_low=10.0, fte_high=10.0),
        app("B", 1e6, 10.5, fte_low=2.0, fte_high=11.0),
        app("C", 1e6, 100.0, fte_low=90.0, fte_high=110.0),
        app("D", 1e6, 10.2, fte_low=9.0, fte_high=10.6),
    ]
    found = [
        run_robust(apps, scenario(ceiling=2e6), n, seed, regions=REGIONS, workers=1)
        for n, seed in ((3, 1), (25, 7))
    ]
    recs = [f.recommendation for f in found]
    assert recs[0] is not None and recs[1] is not None
    assert np.array_equal(recs[0].scale, recs[1].scale)
    assert np.array_equal(recs[0].fte_expected, recs[1].fte_expected)
    summary = found[1].summary()["recommendation"]
    assert summary["expected_fte"] >= summary["point_expected_fte"]
    assert summary["gain_expected"] == summary["expected_fte"] - summary["point_expected_fte"]
    # the award set is the optimum at the expected figures: C and the best expected other
    means = dict(zip(found[1].app_ids, recs[1].fte_expected))
    best = max(("A", "B", "D"), key=lambda a: means[a])
    assert dict(zip(found[1].app_ids, recs[1].scale)) == {
        a: 1.0 if a in ("C", best) else 0.0 for a in "ABCD"
    }


def test_held_out_samples_are_not_samples() -> None:
    a = sample_normals(5, 2, 8)
    assert not np.array_equal(a, sample_normals(5, 2, 8, held_out=True))
    assert np.array_equal(
        sample_normals(5, 2, 8, held_out=True),
        np.random.default_rng(np.random.SeedSequence(5, spawn_key=(2, 1))).standard_normal(8),
    )


# ---- the per-worker solver (robust_solver.py) ---------------------------------------------


def _solver(tmp_path: Path, width: str = "wide"):  # type: ignore[no-untyped-def]
    from allocator.catalog import model_plans
    from allocator.domain import RunOptions
    from allocator.engine import allocate
    from allocator.io.inputs import load_scenario
    from allocator.robust import SampleSolver, intervals

    apps_file, scen = _small_files(tmp_path, width)
    apps = load_submission(apps_file, shipped_regions()).applications
    point = allocate(apps, load_scenario(scen), RunOptions())
    plans = model_plans()
    by_id = {a.application_id: a for a in apps}
    eligible = [by_id[a] for a in point.problem.app_ids]
    low, high, _ = intervals(
        eligible, {a.application_id: plans[a.use_case].theme for a in eligible}
    )
    return SampleSolver(point.problem, RunOptions(), low, high, 9, point.scales())


def test_fast_path_agrees_with_the_whole_pipeline(tmp_path: Path) -> None:
    """Each sample: the same funded set and optimum (to the gap) as engine._optimal."""
    from dataclasses import replace

    from allocator.engine import _optimal

    solver = _solver(tmp_path)
    model = solver.model()
    assert model.fast
    paths = set()
    for k in range(12):
        fte = solver.fte(k)
        answer = model.solve(fte)
        paths.add(answer.path)
        status, scale, _, _ = _optimal(replace(solver.problem, fte=fte), solver.options, {})
        assert status.value == "optimal"
        assert np.array_equal(answer.scale > 0, np.asarray(scale) > 0), k
        assert answer.objective == pytest.approx(float(scale @ fte), rel=1e-7)
    assert "pipeline" not in paths  # the fast path did the work


def test_a_sample_does_not_depend_on_the_samples_before_it(tmp_path: Path) -> None:
    """One worker solving 0..7 in order, another in reverse: bit-identical answers."""
    forward = _solver(tmp_path)
    backward = _solver(tmp_path)
    ks = list(range(8))
    a = {k: forward(k) for k in ks}
    b = {k: backward(k) for k in reversed(ks)}
    for k in ks:
        assert np.array_equal(a[k][0], b[k][0])
        assert a[k][1:] == b[k][1:]


# ---- CVaR (--cvar) --------------------------------------------------------------------------


def test_cvar_of_values() -> None:
    from allocator.robust import cvar

    values = np.array([5.0, 1.0, 3.0, 2.0, 4.0, 6.0, 7.0, 8.0, 9.0, 10.0])
    assert cvar(values, 0.2) == pytest.approx(1.5)  # the worst two
    assert cvar(values, 0.25) == pytest.approx((1 + 2 + 0.5 * 3) / 2.5)  # and half the third
    assert cvar(values, 1.0) == pytest.approx(values.mean())


def test_cvar_set_is_at_least_as_good_in_the_bad_cases() -> None:
    """Room for two of three: the long downside of B (80% in 2..11) makes the set with the
    best worst-10% mean fund the certain A; its CVaR is at least the others'."""
    apps = [
        app("A", 1e6, 10.0, fte_low=10.0, fte_high=10.0),
        app("B", 1e6, 10.5, fte_low=2.0, fte_high=11.0),
        app("C", 1e6, 100.0, fte_low=90.0, fte_high=110.0),
    ]
    found = run_robust(apps, scenario(ceiling=2e6), 30, 7, regions=REGIONS, workers=1,
                       cvar_alpha=0.1)  # fmt: skip
    low = found.cvar_set
    assert low is not None
    assert dict(zip(found.app_ids, low.scale)) == {"A": 1.0, "B": 0.0, "C": 1.0}
    summary = found.summary()["cvar"]
    assert summary["status"] == "optimal" and summary["alpha"] == 0.1
    assert summary["cvar"] >= summary["point_cvar"] - 1e-9
    assert summary["cvar"] >= summary["recommended_cvar"] - 1e-9
    assert summary["differs_from_point"] == ["A", "B"]
    files = render(found)
    header = files["robust_recommendation.csv"].decode().splitlines()[0]
    assert header.endswith(",cvar_scale")


def test_cvar_too_large_is_refused_before_the_samples(monkeypatch: pytest.MonkeyPatch) -> None:
    import allocator.robust as robust_module

    monkeypatch.setattr(robust_module, "CVAR_MAX_ENTRIES", 10)
    apps = [app("A", 1e6, 10.0), app("B", 1e6, 10.5), app("C", 1e6, 100.0)]
    with pytest.raises(ValueError, match="over the limit"):
        run_robust(apps, scenario(ceiling=2e6), 4, 7, regions=REGIONS, workers=1,
                   cvar_alpha=0.5, progress=lambda d, t: pytest.fail("samples ran"))  # fmt: skip
