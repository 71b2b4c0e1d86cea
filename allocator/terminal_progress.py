"""The terminal's view of a long run (issue 13): after DELAY_S seconds a one-line status
(rich) says what the run is doing (allocator/progress.py): reading, building, reducing,
solving with the best award set so far and the proven bound, the secondary objectives.
Shown on a terminal only (stderr), never with --quiet, and gone when the run ends, so the
command's own output and files are the same with and without it."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext

from rich.console import Console

from . import progress

DELAY_S = 2.0
"""A run shorter than this shows no status at all (issue 13: "longer than about two seconds")."""
REFRESH_S = 0.25


class DelayedStatus:
    """Shows ``listener.line()`` and the seconds elapsed on ``console`` from ``delay_s`` after
    entering until leaving (a background thread; the status line is transient)."""

    def __init__(
        self,
        console: Console,
        listener: progress.Listener,
        delay_s: float = DELAY_S,
        refresh_s: float = REFRESH_S,
    ) -> None:
        self.console, self.listener = console, listener
        self.delay_s, self.refresh_s = delay_s, refresh_s
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._show, name="allocator-status", daemon=True)
        self._start = time.monotonic()
        self.shown = False  # did the status appear at all (for tests)

    def text(self) -> str:
        return f"{self.listener.line()} · {time.monotonic() - self._start:.0f} s"

    def _show(self) -> None:
        if self._done.wait(self.delay_s):
            return
        self.shown = True
        with self.console.status(self.text(), spinner="dots") as status:
            while not self._done.wait(self.refresh_s):
                status.update(self.text())

    def __enter__(self) -> DelayedStatus:
        self._start = time.monotonic()
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._done.set()
        self._thread.join()


@contextmanager
def _shown(console: Console, delay_s: float) -> Iterator[progress.Listener]:
    listener = progress.Listener()
    with progress.listening(listener), DelayedStatus(console, listener, delay_s):
        yield listener


def run_status(
    quiet: bool, console: Console | None = None, delay_s: float = DELAY_S
) -> AbstractContextManager[object]:
    """The status for one command's run: nothing when ``quiet`` or when stderr is not a
    terminal (logs and pipes get no spinner lines), else a DelayedStatus on stderr."""
    console = console or Console(stderr=True)
    if quiet or not console.is_terminal:
        return nullcontext()
    return _shown(console, delay_s)
