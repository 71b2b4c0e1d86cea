"""The terminal status of a long run (issue 13): what the engine reports, and what shows."""

from __future__ import annotations

import io
import time
from pathlib import Path

from rich.console import Console

import allocator
from allocator import progress
from allocator.domain import Scenario
from allocator.terminal_progress import DelayedStatus, run_status

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "allocator" / "data" / "sample_applications.csv"


class Recorder(progress.Listener):
    def __init__(self) -> None:
        super().__init__()
        self.phases: list[str] = []
        self.mips: list[tuple[str, float | None, float | None]] = []

    def on_phase(self, text: str, unit: str | None = None) -> None:
        super().on_phase(text, unit)
        self.phases.append(text)

    def on_mip(self, incumbent: float | None, bound: float | None) -> None:
        super().on_mip(incumbent, bound)
        shift = self.offset  # as the status line shows them: the whole objective
        self.mips.append(
            (
                self.phases[-1],
                None if incumbent is None else incumbent + shift,
                None if bound is None else bound + shift,
            )
        )


def test_line_shows_numbers_only_in_a_phase_with_a_unit() -> None:
    listener = progress.Listener()
    listener.on_phase("solving (highs)", unit="FTE")
    listener.on_mip(37074.1, 37108.3)
    assert listener.line() == "solving (highs): best 37,074.1, bound 37,108.3 FTE (gap 0.09%)"
    listener.on_mip(None, 37108.3)
    assert listener.line() == "solving (highs): bound 37,108.3 FTE"
    listener.on_phase("secondary objective: fewest_partial")
    listener.on_mip(-11.0, -9.0)  # not FTE: not shown
    assert listener.line() == "secondary objective: fewest_partial"


def test_a_real_solve_reports_its_steps_and_the_mip_bounds() -> None:
    recorder = Recorder()
    scenario = Scenario.from_yaml(ROOT / "scenarios" / "board-rules.yaml")
    with progress.listening(recorder):
        result = allocator.solve(SAMPLE, scenario)
    assert not progress.active()
    assert result.status == "optimal"
    solving = [p for p in recorder.phases if p.startswith("solving (")]
    assert solving and recorder.phases.index(solving[0]) > 0
    assert any(p.startswith("building the model") for p in recorder.phases)
    assert any(p.startswith("secondary objective: most_regions") for p in recorder.phases)
    main = [(best, bound) for phase, best, bound in recorder.mips if phase == solving[0]]
    assert main, "HiGHS reported nothing while solving the MIP"
    assert result.objective_fte is not None
    for best, bound in main:
        if bound is not None:  # a proven bound is never below the optimum
            assert bound >= result.objective_fte - 1e-6 * result.objective_fte
        if best is not None:  # nor an award set above it
            assert best <= result.objective_fte + 1e-6 * result.objective_fte


def test_a_compacted_mip_shows_the_whole_objective() -> None:
    listener = progress.Listener()
    with progress.listening(listener):
        progress.phase("solving (highs)", unit="FTE")
        progress.offset(20000.0)  # what the fixed columns hold
        progress.mip(500.0, 600.0)
        assert listener.line() == "solving (highs): best 20,500.0, bound 20,600.0 FTE (gap 0.49%)"
        progress.phase("writing the award files")
        assert listener.offset == 0.0


def test_nothing_is_reported_without_a_listener() -> None:
    assert not progress.active()
    progress.phase("nobody hears this")
    progress.mip(1.0, 2.0)


def _terminal() -> tuple[Console, io.StringIO]:
    out = io.StringIO()
    return Console(file=out, force_terminal=True, width=120), out


def test_status_shows_after_the_delay_and_not_before() -> None:
    console, out = _terminal()
    listener = progress.Listener()
    listener.on_phase("solving (highs)", unit="FTE")
    listener.on_mip(100.0, 120.0)
    with DelayedStatus(console, listener, delay_s=0.05, refresh_s=0.02) as status:
        time.sleep(0.4)
    assert status.shown
    assert "solving (highs): best 100.0, bound 120.0 FTE (gap 16.67%) · " in out.getvalue()

    console, out = _terminal()
    with DelayedStatus(console, listener, delay_s=5.0) as status:
        pass  # a short run: gone before the delay
    assert not status.shown and out.getvalue() == ""


def test_quiet_or_no_terminal_shows_nothing_and_installs_no_listener() -> None:
    console, _ = _terminal()
    with run_status(True, console):
        assert not progress.active()
    plain = Console(file=io.StringIO(), force_terminal=False)
    with run_status(False, plain):
        assert not progress.active()
    with run_status(False, console, delay_s=10.0):
        assert progress.active()
    assert not progress.active()
