"""``allocator solve --constraints FILE.py`` (issue 9): the file's constraints(m) is the API's
extra_constraints, the same optimum, recorded with the file's hash; a bad file is an input
error naming the file and line (exit 2), never a traceback."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

import allocator as al

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "allocator" / "data" / "sample_applications.csv"
BASELINE = ROOT / "scenarios" / "baseline.yaml"

INSURER_CAP = '''
SHARE = 0.2


def constraints(m):
    """At most 20% of the AI theme's awards to one lead insurer."""
    ai = m.applications[m.applications["use_case"].str.startswith("ai-")]
    for insurer, own in ai.groupby("lead_insurer"):
        coef = {i: c * ((i in own.index) - SHARE) for i, c in ai["total_cost"].items()}
        m.add_constraint(f"insurer_share:{insurer}", coef, "<=", 0)
'''


def _solve(tmp_path: Path, source: str, *extra: str) -> subprocess.CompletedProcess[str]:
    rules = tmp_path / "rules.py"
    rules.write_text(source)
    return subprocess.run(
        [sys.executable, "-m", "allocator.cli", "solve", "-q", "--no-xlsx", "--constraints",
         str(rules), "-o", str(tmp_path / "out"), *extra],
        capture_output=True, text=True, cwd=tmp_path,
    )  # fmt: skip


def test_the_file_gives_the_api_optimum_and_shows_in_the_constraints(tmp_path: Path) -> None:
    done = _solve(tmp_path, INSURER_CAP)
    assert done.returncode == 0, done.stderr
    summary = json.loads((tmp_path / "out" / "summary.json").read_text())
    namespace: dict[str, object] = {}
    exec(INSURER_CAP, namespace)
    api = al.solve(SAMPLE, BASELINE, extra_constraints=namespace["constraints"])  # type: ignore[arg-type]
    free = al.solve(SAMPLE, BASELINE)
    assert summary["status"] == "optimal"
    assert api.objective_fte is not None and free.objective_fte is not None
    assert summary["objective_fte"] == pytest.approx(api.objective_fte, rel=1e-9)
    assert summary["objective_fte"] < free.objective_fte - 1  # the cap binds
    awards = (tmp_path / "out" / "awards.csv").read_text()
    assert "insurer_share:" in awards  # a reason names the custom cap


@pytest.mark.parametrize(
    ("source", "says"),
    [
        ("def constraints(m):\n    return (\n", "line 2"),
        ("x = 1\n", "defines no function constraints(m)"),
        ("raise RuntimeError('no')\n", "fails while it runs: RuntimeError: no (line 1)"),
        ("def constraints(m):\n    m.nothing()\n", "constraints(m) fails: AttributeError"),
        (
            "def constraints(m):\n    m.add_constraint('x', {'NOPE': 1.0}, '<=', 1)\n",
            "not an eligible application: NOPE",
        ),
    ],
    ids=["syntax", "no-function", "fails-on-load", "fails-in-call", "unknown-application"],
)
def test_a_bad_file_is_an_input_error(tmp_path: Path, source: str, says: str) -> None:
    done = _solve(tmp_path, source)
    assert done.returncode == 2, (done.stdout, done.stderr)
    assert says in done.stderr
    assert "Traceback" not in done.stderr
    assert not (tmp_path / "out" / "awards.csv").exists()


def test_the_history_keeps_the_file_hash(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import hashlib

    db = tmp_path / "runs.duckdb"
    monkeypatch.setenv("ALLOCATOR_RUNS_DB", str(db))
    done = _solve(tmp_path, INSURER_CAP)
    assert done.returncode == 0, done.stderr
    shown = subprocess.run(
        [sys.executable, "-m", "allocator.cli", "runs", "list"],
        capture_output=True, text=True, cwd=tmp_path,
    )  # fmt: skip
    assert shown.returncode == 0, shown.stderr
    run_id = shown.stdout.split()[0]  # id, time, command, ...: one run only
    detail = subprocess.run(
        [sys.executable, "-m", "allocator.cli", "runs", "show", run_id],
        capture_output=True, text=True, cwd=tmp_path,
    )  # fmt: skip
    digest = hashlib.sha256((tmp_path / "rules.py").read_bytes()).hexdigest()
    assert digest in detail.stdout
