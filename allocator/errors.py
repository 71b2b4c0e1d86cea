"""Errors a user can act on: every problem in an input, named by file, row and column."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class InputProblem:
    """One thing wrong in an input file."""

    file: str
    reason: str
    row: int | None = None  # spreadsheet row number (the header is row 1)
    column: str | None = None
    value: object = None

    def __str__(self) -> str:
        where = self.file
        if self.row is not None:
            where += f", row {self.row}"
        if self.column is not None:
            where += f", column {self.column}"
        shown = "" if self.value is None else f" (value {self.value!r})"
        return f"{where}: {self.reason}{shown}"


class InputError(Exception):
    """Raised with every problem found in the inputs, not just the first: ``problems`` lists
    them (file, reason, spreadsheet row, column, value); ``render()`` is the text the command
    line prints."""

    def __init__(self, problems: list[InputProblem]):
        self.problems = list(problems)
        super().__init__(self.render())

    def render(self, limit: int | None = None) -> str:
        """Every problem on a line of its own under a count; ``limit``: at most this many
        lines, then how many more there are."""
        shown = self.problems if limit is None else self.problems[:limit]
        lines = [f"{len(self.problems)} problem(s) in the input:"]
        lines += [f"  - {p}" for p in shown]
        if limit is not None and len(self.problems) > limit:
            lines.append(f"  ... and {len(self.problems) - limit} more")
        return "\n".join(lines)


class SolverUnavailable(RuntimeError):
    """The requested solver backend is not installed or not known."""
