"""The command line end to end: files, exit codes, determinism, safety of the outputs."""

from __future__ import annotations

import contextlib
import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from allocator.catalog import sample_applications_path, scenario_path
from allocator.cli import main
from tests.contract_check import check

PROVINCES = Path(__file__).resolve().parents[1] / "allocator" / "data" / "regions" / "provinces.csv"


def solve(*args: str) -> subprocess.CompletedProcess:
    return CliRunner().invoke(main, ["solve", "-q", *args], catch_exceptions=False)


@pytest.mark.parametrize("method", ["optimal", "fcfs", "greedy"])
def test_sample_passes_independent_recheck(tmp_path: Path, method: str) -> None:
    result = solve("--method", method, "--out", str(tmp_path))
    assert result.exit_code == 0, result.output
    problems = check(sample_applications_path(), scenario_path("baseline"), PROVINCES, tmp_path)
    assert problems == []
    summary = json.loads((tmp_path / "summary.json").read_text())
    assert summary["method"] == method
    assert summary["status"] == ("optimal" if method == "optimal" else "feasible")


def test_golden_sample_figures(tmp_path: Path) -> None:
    """Pinned results of the shipped sample under the baseline (regression guard)."""
    fte = {}
    for method in ("optimal", "greedy", "fcfs"):
        out = tmp_path / method
        assert solve("--method", method, "--out", str(out)).exit_code == 0
        fte[method] = json.loads((out / "summary.json").read_text())["objective_fte"]
    assert fte["optimal"] == pytest.approx(20949.3164, abs=1e-3)
    assert fte["greedy"] == pytest.approx(20756.5401, abs=1e-3)
    assert fte["fcfs"] == pytest.approx(16515.4, abs=1e-3)


def test_byte_identical_reruns(tmp_path: Path) -> None:
    for name in ("a", "b"):
        assert solve("--out", str(tmp_path / name)).exit_code == 0
    for file in ("awards.csv", "awards.xlsx", "summary.json"):
        assert (tmp_path / "a" / file).read_bytes() == (tmp_path / "b" / file).read_bytes(), file


def test_input_error_exit_code_and_message(tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    text = sample_applications_path().read_text().splitlines()
    text[3] = text[3].replace(",PV", ",XX", 1)
    bad.write_text("\n".join(text) + "\n")
    result = CliRunner().invoke(main, ["solve", "-a", str(bad), "-o", str(tmp_path / "o")])
    assert result.exit_code == 2
    assert "row 4" in result.output and "column region" in result.output
    assert "Traceback" not in result.output
    assert not (tmp_path / "o" / "awards.csv").exists()


def test_unknown_solver_is_a_clear_error(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["solve", "--solver", "gurobi", "-o", str(tmp_path)])
    assert result.exit_code == 2 and "unknown solver" in result.output


def test_formula_text_is_neutralised(tmp_path: Path) -> None:
    import openpyxl

    rows = sample_applications_path().read_text().splitlines()
    header = rows[0].split(",")
    first = rows[1].split(",")
    first[header.index("application_id")] = "=HYPERLINK(1)"
    first[header.index("title")] = "@SUM(A1)"
    apps = tmp_path / "apps.csv"
    apps.write_text("\n".join([rows[0], ",".join(first), *rows[2:]]) + "\n")
    assert solve("-a", str(apps), "-o", str(tmp_path / "o")).exit_code == 0
    csv_text = (tmp_path / "o" / "awards.csv").read_text()
    assert "\n'=HYPERLINK(1)," in csv_text and ",'@SUM(A1)," in csv_text
    sheet = openpyxl.load_workbook(tmp_path / "o" / "awards.xlsx")["awards"]
    assert sheet["A2"].value == "=HYPERLINK(1)" and sheet["A2"].data_type == "s"


def test_xlsx_sheets_and_values(tmp_path: Path) -> None:
    import openpyxl

    assert solve("-o", str(tmp_path)).exit_code == 0
    book = openpyxl.load_workbook(tmp_path / "awards.xlsx")
    assert book.sheetnames == [
        "awards",
        "by theme",
        "by year",
        "by region",
        "constraints",
        "ineligible",
    ]
    awards = list(book["awards"].iter_rows(values_only=True))
    csv_lines = (tmp_path / "awards.csv").read_text().splitlines()
    assert len(awards) == len(csv_lines)
    assert awards[0][:6] == (
        "application_id",
        "status",
        "scale",
        "awarded_amount",
        "awarded_fte",
        "reason",
    )
    ineligible = list(book["ineligible"].iter_rows(values_only=True))[1:]
    assert ineligible and all(r[2] for r in ineligible)


def test_failed_write_leaves_old_file_whole(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import allocator.io.run_files as run_files

    assert solve("-o", str(tmp_path)).exit_code == 0
    before = (tmp_path / "awards.csv").read_bytes()

    def boom(*args: object, **kwargs: object) -> bytes:
        raise RuntimeError("disk full while rendering")

    monkeypatch.setattr(run_files, "render_xlsx", boom)
    # an internal error: exit 1 with a message (or, without that handler, raised)
    with contextlib.suppress(RuntimeError):
        assert solve("-o", str(tmp_path), "--method", "fcfs").exit_code != 0
    assert (tmp_path / "awards.csv").read_bytes() == before
    assert not list(tmp_path.glob(".*.tmp"))
    assert not list(tmp_path.parent.glob(f".{tmp_path.name}.allocator-*"))


def test_time_limit_reports_feasible_or_optimal_with_gap(tmp_path: Path) -> None:
    assert solve("--time-limit", "5", "-o", str(tmp_path)).exit_code == 0
    summary = json.loads((tmp_path / "summary.json").read_text())
    assert summary["status"] in ("optimal", "feasible")
    assert summary["gap"] is not None and summary["bound"] >= summary["objective_fte"] - 1e-6


def test_validate_command(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["validate", "-a", str(sample_applications_path())])
    assert result.exit_code == 0 and "300 applications read" in result.output


def test_generate_then_solve_ggd(tmp_path: Path) -> None:
    apps = tmp_path / "g.csv"
    result = CliRunner().invoke(
        main, ["generate", "--n", "80", "--regions", "ggd", "--out", str(apps)]
    )
    assert result.exit_code == 0
    scen = tmp_path / "s.yaml"
    ggd = PROVINCES.parent / "ggd_regions.csv"
    scen.write_text(
        f"ceiling: 600000000\nyear_budgets: {{2027: 250000000, 2028: 250000000, 2029: 100000000}}\n"
        f"impact_bar: 9\nregion_max_factor: 1.2\ncarry_over: true\nregions: {ggd}\n"
    )
    assert solve("-a", str(apps), "-s", str(scen), "-o", str(tmp_path / "o")).exit_code == 0
    assert check(apps, scen, ggd, tmp_path / "o") == []


def test_default_run_as_a_process(tmp_path: Path) -> None:
    """`allocator solve` with no arguments: shipped sample, baseline scenario, ./out."""
    proc = subprocess.run(
        [sys.executable, "-m", "allocator.cli", "solve"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 0, proc.stderr
    assert {p.name for p in (tmp_path / "out").iterdir()} == {
        "awards.csv",
        "awards.xlsx",
        "summary.json",
        ".allocator-set.json",  # the set's manifest (io/outputs.py)
    }
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]  # nothing left beside it
    assert "optimal" in proc.stdout


def test_explain_files(tmp_path: Path) -> None:
    import csv

    apps = tmp_path / "g.csv"
    assert CliRunner().invoke(main, ["generate", "--n", "60", "--out", str(apps)]).exit_code == 0
    result = solve("-a", str(apps), "--explain", "--workers", "1", "-o", str(tmp_path / "o"))
    assert result.exit_code == 0, result.output
    out = tmp_path / "o"
    shadow = list(csv.DictReader((out / "shadow_prices.csv").open()))
    assert shadow and list(shadow[0]) == ["constraint", "fte_per_meur"]
    assert {r["constraint"].split(":")[0] for r in shadow} >= {"ceiling", "theme", "year", "region"}
    rows = list(csv.DictReader((out / "explanations.csv").open()))
    assert list(rows[0])[:4] == [
        "application_id",
        "binding",
        "fte_loss_if_forced",
        "fte_loss_if_removed",
    ]
    awards = list(csv.DictReader((out / "awards.csv").open()))
    eligible = [a["application_id"] for a in awards if a["status"] != "ineligible"]
    assert [r["application_id"] for r in rows] == sorted(eligible, key=eligible.index)
    assert "## " in (out / "cards.md").read_text()
    # no round-off noise: a difference within the solver's gap is written as 0
    numbers = [float(r["fte_per_meur"]) for r in shadow]
    numbers += [
        float(r[k]) for r in rows for k in ("fte_loss_if_forced", "fte_loss_if_removed") if r[k]
    ]
    assert all(v == 0.0 or v > 1e-4 for v in numbers)
    assert solve("-a", str(apps), "--method", "fcfs", "--explain", "-o", str(out)).exit_code != 0


def test_terminal_summary_keeps_the_cents_and_an_infeasible_run_counts_the_ineligible(
    tmp_path: Path,
) -> None:
    """The summary table says what summary.json says (EUR 599,999,999.99 is not rounded up to
    the ceiling); a run without an award set still counts its ineligible applications and
    leaves the counts it never decided empty."""
    result = CliRunner().invoke(main, ["solve", "--out", str(tmp_path / "a")])
    assert result.exit_code == 0, result.output
    summary = json.loads((tmp_path / "a" / "summary.json").read_text())
    assert f"EUR {summary['total_awarded']:,.2f} of EUR 600,000,000" in result.output
    out = tmp_path / "b"
    result = CliRunner().invoke(
        main, ["solve", "-s", str(scenario_path("infeasible-floors")), "--out", str(out)]
    )
    assert result.exit_code == 3, result.output
    counts = json.loads((out / "summary.json").read_text())["counts"]
    assert counts == {"awarded": None, "partial": None, "rejected": None, "ineligible": 125}
    assert "ineligible 125" in result.output and "awarded None" not in result.output


def test_solve_does_not_import_pandas(tmp_path: Path) -> None:
    """pandas (~0.2 s of every run's start) is for the API, compare and the report: a plain
    solve, start to files, runs without it."""
    code = (
        "import sys\n"
        "from allocator.cli import main\n"
        f"main(['solve', '-q', '--no-xlsx', '-o', {str(tmp_path / 'o')!r}], standalone_mode=False)\n"
        "print('pandas' in sys.modules)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip().splitlines()[-1] == "False"
    assert (tmp_path / "o" / "awards.csv").exists()
