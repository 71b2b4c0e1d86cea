"""What a long run is doing, for the terminal (issue 13): the step it is in and, while a MIP
is solved, its best award set so far and the proven bound (both in FTE).

The engine and the backends *report* (``phase``, ``mip``); they print nothing. A display
(``allocator/terminal_progress.py``, the CLI's) *listens* by installing a ``Listener`` for
the length of a run (``listening``). Without one, reporting costs a global lookup and the
backends subscribe to no solver callback, so library users and tests see no change.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field


@dataclass
class Listener:
    """The latest state of the run (thread-safe: a display reads it from its own thread)."""

    phase_text: str = "starting"
    unit: str | None = None  # of the MIP's objective in this phase; None: numbers not shown
    offset: float = 0.0  # added to the MIP's numbers: what its fixed columns already hold
    incumbent: float | None = None
    bound: float | None = None
    phase_started: float = field(default_factory=time.monotonic)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def on_phase(self, text: str, unit: str | None = None) -> None:
        with self._lock:
            self.phase_text, self.unit, self.offset = text, unit, 0.0
            self.incumbent = self.bound = None
            self.phase_started = time.monotonic()

    def on_offset(self, value: float) -> None:
        with self._lock:
            self.offset = value

    def on_mip(self, incumbent: float | None, bound: float | None) -> None:
        with self._lock:
            self.incumbent, self.bound = incumbent, bound

    def line(self) -> str:
        """The state in words, e.g. "solving (highs): best 37,074.1, bound 37,108.3 FTE
        (gap 0.09%)"."""
        with self._lock:
            text, best, bound = self.phase_text, self.incumbent, self.bound
            unit, offset = self.unit, self.offset
            best = None if best is None else best + offset
            bound = None if bound is None else bound + offset
        if unit is None:
            return text
        parts = []
        if best is not None:
            parts.append(f"best {best:,.1f}")
        if bound is not None:
            parts.append(f"bound {bound:,.1f}")
        line = text + (": " + ", ".join(parts) + f" {unit}" if parts else "")
        if best is not None and bound is not None and abs(bound) > 0:
            line += f" (gap {max(0.0, bound - best) / abs(bound):.2%})"
        return line


_listener: Listener | None = None


def active() -> bool:
    """Is anyone listening? (The backends subscribe to solver callbacks only then.)"""
    return _listener is not None


def phase(text: str, unit: str | None = None) -> None:
    """The run enters a step, said in words ("building the model"); ``unit``: that of the
    objective a MIP solved in this step reports through ``mip`` ("FTE"; None: not shown)."""
    if _listener is not None:
        _listener.on_phase(text, unit)


def offset(value: float) -> None:
    """The MIP of this phase is a compacted one: ``value`` (in the phase's unit) is what its
    fixed columns hold, added to the numbers ``mip`` reports (until the next phase)."""
    if _listener is not None:
        _listener.on_offset(value)


def mip(incumbent: float | None, bound: float | None) -> None:
    """A MIP solve's best solution so far and its proven bound (in the phase's unit, FTE
    for the main solve; None: none yet)."""
    if _listener is not None:
        _listener.on_mip(incumbent, bound)


@contextmanager
def listening(listener: Listener) -> Iterator[Listener]:
    """Install ``listener`` for the block (one at a time, process-wide)."""
    global _listener
    before, _listener = _listener, listener
    try:
        yield listener
    finally:
        _listener = before
