"""The notebooks in notebooks/ (issue 9 item 4): each runs top to bottom in a fresh kernel,
and none is committed with outputs.

The kernel is the Python running the tests (the ``python3`` kernel spec is written to a
temporary JUPYTER_PATH pointing at ``sys.executable``), so no ``ipykernel install`` is
needed and a kernel spec installed elsewhere on the machine is never picked up. The kernel's
working directory is notebooks/, as in Jupyter; the notebooks find the shipped data through
``allocator.catalog`` and run from any directory.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import pytest

NOTEBOOK_DIR = Path(__file__).resolve().parent.parent / "notebooks"
NOTEBOOKS = sorted(NOTEBOOK_DIR.glob("*.ipynb"))
EXPECTED = [
    "01-quickstart.ipynb",
    "02-board-scenarios.ipynb",
    "03-what-each-rule-costs.ipynb",
    "04-fcfs-vs-optimal.ipynb",
    "05-custom-constraint.ipynb",
]
CELL_TIMEOUT_S = 600
"""Per cell; the slowest cells (explain=True on the sample) take seconds on an idle machine."""
NOTEBOOK_TIMEOUT_S = 900
"""A whole notebook, start of the kernel included."""


def _ids(paths: list[Path]) -> list[str]:
    return [p.stem for p in paths]


def dirty_cells(nb: dict) -> list[int]:
    """Indexes of the code cells that carry outputs or an execution count."""
    return [
        i
        for i, cell in enumerate(nb["cells"])
        if cell["cell_type"] == "code"
        and (cell.get("outputs") or cell.get("execution_count") is not None)
    ]


def test_every_notebook_is_there() -> None:
    assert set(EXPECTED) <= {p.name for p in NOTEBOOKS}


def test_dirty_cells_finds_outputs_and_counts() -> None:
    clean = {"cell_type": "code", "source": "1", "outputs": [], "execution_count": None}
    text = {"cell_type": "markdown", "source": "# x"}
    counted = {**clean, "execution_count": 3}
    output = {**clean, "outputs": [{"output_type": "stream", "name": "stdout", "text": "1"}]}
    assert dirty_cells({"cells": [text, clean]}) == []
    assert dirty_cells({"cells": [clean, counted, text, output]}) == [1, 3]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=_ids(NOTEBOOKS))
def test_committed_notebook_has_no_outputs(path: Path) -> None:
    """Outputs are stripped in git: no outputs, no execution counts (read as plain JSON, so
    this test needs none of the notebook packages)."""
    dirty = dirty_cells(json.loads(path.read_text(encoding="utf-8")))
    assert not dirty, (
        f"{path.name}: code cells {dirty} carry outputs or execution counts; clear them "
        f"(Jupyter: Edit > Clear All Outputs, or `jupyter nbconvert --clear-output --inplace`)"
    )


@pytest.fixture
def kernel_spec(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """A 'python3' kernel spec running this interpreter, first on JUPYTER_PATH."""
    spec_dir = tmp_path / "kernels" / "python3"
    spec_dir.mkdir(parents=True)
    spec = {
        "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "Python 3 (tests)",
        "language": "python",
    }
    (spec_dir / "kernel.json").write_text(json.dumps(spec), encoding="utf-8")
    monkeypatch.setenv("JUPYTER_PATH", str(tmp_path))
    return "python3"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=_ids(NOTEBOOKS))
def test_notebook_runs(path: Path, kernel_spec: str) -> None:
    """Top to bottom in a fresh kernel, no cell raising, within the time limit."""
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    pytest.importorskip("ipykernel")
    pytest.importorskip("plotly")

    nb = nbformat.read(path, as_version=4)
    client = nbclient.NotebookClient(
        nb,
        timeout=CELL_TIMEOUT_S,
        kernel_name=kernel_spec,
        resources={"metadata": {"path": str(NOTEBOOK_DIR)}},
    )
    start = time.monotonic()
    client.execute()  # raises CellExecutionError naming the cell on any exception
    elapsed = time.monotonic() - start
    assert elapsed < NOTEBOOK_TIMEOUT_S, f"{path.name} took {elapsed:.0f} s"
    ran = [c for c in nb.cells if c.cell_type == "code"]
    assert ran and all(c.execution_count is not None for c in ran)
    errors = [o for c in ran for o in c.outputs if o.output_type == "error"]
    assert not errors
