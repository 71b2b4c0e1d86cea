"""Shared builders for small hand-made cases."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import pytest

from allocator.backends import available_solvers
from allocator.domain import Application, RegionTable, RunOptions, Scenario

SOLVERS = available_solvers()
EXACT_SOLVERS = [s for s in SOLVERS if s in ("highs", "ortools-scip", "pulp-cbc")]
FTE_TOL = 1e-6
REGIONS = RegionTable(name="test", population={"R1": 1_000_000, "R2": 3_000_000})
_T0 = datetime(2026, 10, 1, 9, 0, 0)


def app(
    app_id: str,
    cost: float | dict[int, float],
    fte: float,
    *,
    use_case: str = "ai-speech-reporting",
    region: str = "R2",
    minute: int = 0,
    **kw: object,
) -> Application:
    """An eligible-by-default application; ``cost`` in EUR (a number means all in 2027)."""
    costs = cost if isinstance(cost, dict) else {2027: float(cost)}
    return Application(
        application_id=app_id,
        use_case=use_case,
        region=region,
        parties=kw.pop("parties", 3),
        submitted_at=_T0 + timedelta(minutes=minute),
        cost_eur_by_year=costs,
        fte=fte,
        **kw,
    )


def scenario(**kw: object) -> Scenario:
    base: dict[str, object] = {
        "name": "test",
        "ceiling": 100e6,
        "year_budgets": {2027: 1e9, 2028: 1e9},
        "impact_bar": 0,
    }
    base.update(kw)
    return Scenario.model_validate(base)


def options(method: str = "optimal", solver: str = "highs") -> RunOptions:
    return RunOptions(method=method, solver=solver)


@pytest.fixture(params=SOLVERS)
def solver(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.fixture(autouse=True)
def _runs_db(monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory) -> None:
    """Runs recorded by the tests go to a throwaway run history, never the user's
    (allocator/history.py: $ALLOCATOR_RUNS_DB); subprocesses inherit it."""
    monkeypatch.setenv("ALLOCATOR_RUNS_DB", str(tmp_path_factory.getbasetemp() / "runs.duckdb"))


@pytest.fixture
def db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fresh run-history store for the test, and the once-a-process warning re-armed."""
    from allocator import history

    path = tmp_path / "store" / "runs.duckdb"
    monkeypatch.setenv(history.DB_ENV, str(path))
    monkeypatch.setattr(history, "_WARNED", False)
    return path
