"""No traceback reaches a user (issue 14 item 3): an unexpected error is exit 1 with one line
naming a log file that holds the traceback; a solver's unusable status is one line, exit 3."""

from __future__ import annotations

from click.testing import CliRunner

from allocator.backends.base import SolverFailed
from allocator.cli import log_dir, main


def _boom(*args, **kwargs):  # type: ignore[no-untyped-def]
    raise ValueError("something no one expected\nover two lines")


def test_internal_error_is_one_line_and_a_log(tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    import allocator.engine as engine

    monkeypatch.setenv("ALLOCATOR_LOG_DIR", str(tmp_path / "logs"))
    monkeypatch.setattr(engine, "allocate", _boom)
    run = CliRunner().invoke(main, ["solve", "-o", str(tmp_path / "o")], catch_exceptions=False)
    assert run.exit_code == 1
    assert "Traceback" not in run.output
    lines = [x for x in run.output.splitlines() if x.strip()]
    assert len(lines) == 1, run.output
    assert lines[0].startswith("internal error: ValueError: something no one expected over")
    logs = list((tmp_path / "logs").glob("error-*.log"))
    assert len(logs) == 1 and str(logs[0]) in lines[0]
    text = logs[0].read_text()
    assert "Traceback" in text and "_boom" in text and "command:" in text


def test_internal_error_in_any_command(tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    import allocator.overview as overview

    monkeypatch.setenv("ALLOCATOR_LOG_DIR", str(tmp_path))
    monkeypatch.setattr(overview, "overview", _boom)
    run = CliRunner().invoke(main, ["overview"], catch_exceptions=False)
    assert run.exit_code == 1 and "Traceback" not in run.output
    assert "internal error: ValueError" in run.output


def test_solver_failure_is_one_line_exit_3(tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    import allocator.engine as engine

    def fails(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise SolverFailed("HiGHS could not solve the LP relaxation (status: Unknown)")

    monkeypatch.setattr(engine, "allocate", fails)
    run = CliRunner().invoke(main, ["solve", "-o", str(tmp_path / "o")], catch_exceptions=False)
    assert run.exit_code == 3
    assert run.output.strip() == (
        "no award set: solver error: HiGHS could not solve the LP relaxation (status: Unknown)"
    )


def test_log_dir_falls_back_when_the_chosen_one_cannot_be_made(tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    blocker = tmp_path / "file"
    blocker.write_text("")
    monkeypatch.setenv("ALLOCATOR_LOG_DIR", str(blocker / "logs"))  # below a file: impossible
    assert log_dir().is_dir()
