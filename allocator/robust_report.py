"""The board report's chart of an ``allocator robust`` run (``allocator report --robust DIR``):
how often each eligible application is funded over the sampled FTE figures.

Read from robust's own files (robust.csv, robust_summary.json and, where the run wrote it,
robust_recommendation.csv), never recomputed: the chart shows what those files say. One bar
per eligible application, ordered by funded share (then application_id), coloured by class
(core >= 0.9, borderline, exterior <= 0.1, CONTRACT.md "Uncertain FTE"); a marker above the
bars the point-estimate optimum funds, and one for the robust recommendation where they
differ.
"""

from __future__ import annotations

import csv
import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from plotly.graph_objects import Figure

CHART_ID = "chart-robust"
CLASS_COLOURS = {"core": "#2e9e5b", "borderline": "#e07b22", "exterior": "#8593a3"}
FILES = ("robust.csv", "robust_summary.json")
RECOMMENDATION_FILE = "robust_recommendation.csv"


@dataclass
class RobustFiles:
    """What the report takes from one robust run's output directory."""

    directory: Path
    rows: list[dict[str, str]]  # robust.csv
    summary: dict[str, Any]  # robust_summary.json
    recommendation: dict[str, dict[str, str]]  # application_id -> robust_recommendation.csv row

    def sources(self) -> list[tuple[str, str]]:
        """(file name, SHA-256) of the files read, for the report's list of inputs."""
        names = [*FILES] + ([RECOMMENDATION_FILE] if self.recommendation else [])
        return [
            (name, hashlib.sha256((self.directory / name).read_bytes()).hexdigest())
            for name in names
        ]


def read_robust(directory: str | Path) -> RobustFiles:
    """The files of a robust run in ``directory``; ValueError naming what is missing or
    malformed."""
    directory = Path(directory)
    missing = [name for name in FILES if not (directory / name).is_file()]
    if missing:
        raise ValueError(
            f"{directory} is not the output of allocator robust: {', '.join(missing)} missing"
        )
    with (directory / "robust.csv").open(newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        rows = list(reader)
        columns = reader.fieldnames or []
    lacking = [c for c in ("application_id", "funded_share", "class") if c not in columns]
    if lacking:
        raise ValueError(f"robust.csv lacks the column(s) {', '.join(lacking)}")
    try:
        for row in rows:
            float(row["funded_share"])
        summary = json.loads((directory / "robust_summary.json").read_text(encoding="utf-8"))
    except ValueError as exc:
        raise ValueError(f"{directory}: unreadable robust files ({exc})") from None
    if not isinstance(summary, dict) or "samples" not in summary:
        raise ValueError("robust_summary.json has no sample count")
    recommendation: dict[str, dict[str, str]] = {}
    if (directory / RECOMMENDATION_FILE).is_file():
        with (directory / RECOMMENDATION_FILE).open(newline="", encoding="utf-8") as handle:
            recommendation = {r["application_id"]: r for r in csv.DictReader(handle)}
    return RobustFiles(directory, rows, summary, recommendation)


def _funded(row: dict[str, str] | None, column: str) -> bool:
    try:
        return row is not None and float(row[column]) > 0
    except (KeyError, ValueError):
        return False


def _marks(
    fig: Figure, ids: list[str], y: float, name: str, symbol: str, size: int, colour: str
) -> None:
    """A row of markers at height ``y`` over the bars of ``ids`` (none: no trace)."""
    if ids:
        fig.add_scatter(
            x=ids,
            y=[y] * len(ids),
            mode="markers",
            name=name,
            marker={"symbol": symbol, "size": size, "color": colour},
            hovertemplate="%{x}: " + name + "<extra></extra>",
        )


def robust_figure(robust: RobustFiles) -> Figure | None:
    """Funded share per eligible application (module docstring); None without rows."""
    import plotly.graph_objects as go

    if not robust.rows:
        return None
    rows = sorted(robust.rows, key=lambda r: (-float(r["funded_share"]), r["application_id"]))
    ids = [r["application_id"] for r in rows]
    share = [float(r["funded_share"]) for r in rows]
    fig = go.Figure()
    for name, colour in CLASS_COLOURS.items():
        members = [k for k, r in enumerate(rows) if r["class"] == name]
        fig.add_bar(
            x=[ids[k] for k in members],
            y=[share[k] for k in members],
            name=f"{name} ({len(members)})",
            marker={"color": colour},
            hovertemplate="%{x}<br>funded in %{y:.0%} of the samples<extra>" + name + "</extra>",
        )
    rec = robust.recommendation
    point = [a for a in ids if _funded(rec.get(a), "point_scale")]
    differs = [
        a
        for a in ids
        if _funded(rec.get(a), "recommended_scale") != _funded(rec.get(a), "point_scale")
    ]
    _marks(fig, point, 1.04, "funded by the point-estimate optimum", "triangle-down", 6, "#1f5fa8")
    _marks(fig, differs, 1.09, "the robust recommendation decides otherwise", "x", 7, "#c23b3b")
    for level in (0.9, 0.1):
        fig.add_hline(y=level, line={"color": "#5f6b7a", "width": 1, "dash": "dot"})
    summary = robust.summary
    fig.update_layout(
        title={
            "text": f"How often each application is funded over {summary['samples']:,} samples "
            f"of the FTE figures (seed {summary.get('seed')}, scenario "
            f"{summary.get('scenario', '?')})",
            "x": 0,
            "xanchor": "left",
        },
        template="plotly_white",
        height=430,
        margin={"l": 70, "r": 20, "t": 60, "b": 60},
        legend={"orientation": "h", "y": -0.18},
        yaxis={"title": "share of samples funded", "range": [0, 1.12], "tickformat": ".0%"},
        xaxis={"showticklabels": False, "title": "eligible applications, most often funded first"},
        barmode="overlay",
        bargap=0.1,
    )
    return fig


def robust_note(robust: RobustFiles) -> str:
    """The line under the chart: the classes and what the point award set delivers."""
    s = robust.summary
    counts = s.get("classes") or {}
    text = (
        f"core (funded in at least 90% of the samples) {counts.get('core', 0)}, borderline "
        f"{counts.get('borderline', 0)}, exterior (at most 10%) {counts.get('exterior', 0)}; "
        f"the point-estimate award set delivers {s.get('fte_mean', 0):,.1f} FTE on average "
        f"over the samples (10th percentile {s.get('fte_p10', 0):,.1f})"
    )
    rec = s.get("recommendation")
    if isinstance(rec, dict):
        text += (
            f"; the robust recommendation (highest expected FTE) "
            f"{rec.get('fte_mean', 0):,.1f} (10th percentile {rec.get('fte_p10', 0):,.1f}), "
            f"{rec.get('differs', 0)} applications differ"
        )
    return text
