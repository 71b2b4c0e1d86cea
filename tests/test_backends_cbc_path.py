"""pulp-cbc is found however allocator is started (issue 13 item 3): through the cbcbox
package, not through PATH (which lacks the venv's bin/ when the venv is not activated)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from allocator.backends.pulp import PulpCbcBackend, cbc_path

pytest.importorskip("cbcbox")
pytest.importorskip("pulp")

SCRIPT = Path(sys.executable).with_name("allocator")


def test_cbc_is_found_inside_the_cbcbox_package() -> None:
    path = cbc_path()
    assert path is not None and os.access(path, os.X_OK)
    assert "cbcbox" in path
    assert PulpCbcBackend.available()


@pytest.mark.skipif(not SCRIPT.exists(), reason="allocator script not installed beside python")
def test_solvers_lists_pulp_cbc_from_an_unactivated_venv() -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "PYTHONPATH")}
    env["PATH"] = "/usr/bin:/bin"
    run = subprocess.run(
        [str(SCRIPT), "solvers"], env=env, capture_output=True, text=True, timeout=120
    )
    assert run.returncode == 0, run.stderr
    line = next(x for x in run.stdout.splitlines() if x.startswith("pulp-cbc"))
    assert "installed: yes" in line, run.stdout


@pytest.mark.skipif(not SCRIPT.exists(), reason="allocator script not installed beside python")
def test_pulp_cbc_solves_from_an_unactivated_venv(tmp_path) -> None:  # type: ignore[no-untyped-def]
    env = {k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "PYTHONPATH")}
    env["PATH"] = "/usr/bin:/bin"
    out = tmp_path / "out"
    run = subprocess.run(
        [str(SCRIPT), "solve", "--solver", "pulp-cbc", "-o", str(out), "-q", "--no-xlsx"],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.returncode == 0, run.stderr
    assert (out / "summary.json").exists()
