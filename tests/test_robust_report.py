"""allocator report --robust DIR: the selection frequencies of a robust run charted in the
board report (allocator/robust_report.py), read from robust's own files."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from allocator.cli import main

from .test_robust import _run, _small_files

pytest.importorskip("plotly")


def _report(apps: Path, scen: Path, out: Path, *extra: str):  # type: ignore[no-untyped-def]
    args = ["report", str(scen), "-a", str(apps), "--out", str(out), "--workers", "1"]
    return CliRunner().invoke(main, [*args, "--no-prices", *extra])


def test_report_charts_the_selection_frequencies(tmp_path: Path) -> None:
    apps, scen = _small_files(tmp_path, "wide")
    robust_out = tmp_path / "robust"
    _run(apps, scen, robust_out, "--samples", "8", "--seed", "4", "--workers", "1")
    result = _report(apps, scen, tmp_path / "report", "--robust", str(robust_out))
    assert result.exit_code == 0, result.output
    html = (tmp_path / "report" / "report.html").read_text(encoding="utf-8")
    assert 'id="chart-robust"' in html
    assert "How often each application is funded over 8 samples" in html
    summary = json.loads((robust_out / "robust_summary.json").read_text(encoding="utf-8"))
    core = summary["classes"]["core"]
    assert f"core (funded in at least 90% of the samples) {core}" in html
    for name in ("robust.csv", "robust_summary.json", "robust_recommendation.csv"):
        assert f"<code>{name}</code> SHA-256" in html
    assert "Content-Security-Policy" in html and "default-src 'none'" in html
    # the same inputs, the same bytes
    again = _report(apps, scen, tmp_path / "again", "--robust", str(robust_out))
    assert again.exit_code == 0
    assert (tmp_path / "again" / "report.html").read_bytes() == (
        tmp_path / "report" / "report.html"
    ).read_bytes()


def test_a_directory_without_robust_files_is_refused(tmp_path: Path) -> None:
    apps, scen = _small_files(tmp_path, "wide")
    empty = tmp_path / "empty"
    empty.mkdir()
    result = _report(apps, scen, tmp_path / "report", "--robust", str(empty))
    assert result.exit_code == 2
    assert "--robust" in result.output and "robust.csv" in result.output
    assert not (tmp_path / "report").exists()
