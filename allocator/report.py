"""The board report (CONTRACT.md, "Board report"): one self-contained ``report.html``.

``render_report`` turns the runs of a comparison (``comparison.solve_runs``), the shadow
prices of each scenario and optionally a ``sweep.csv`` into one HTML page that a board member
can open offline and mail on:

- charts (Plotly, its JavaScript inlined once): FTE gained over first come, first served as
  a waterfall (fcfs -> greedy -> optimal, first scenario), budget use per theme and per year
  against the caps, awarded FTE per 100,000 inhabitants per region, and the FTE frontier of
  a sweep when one is given;
- the figures of ``compare.csv`` (every cell, formatted; the exact CSV text is kept in the
  cell's ``data-value``) and of ``flips.csv`` (with what each flip is worth);
- for each scenario the binding rules: the caps whose shadow price (FTE gained by EUR 1M
  more, re-solved as in ``allocator solve --explain``) is above 0.

Nothing is fetched when the file is opened: no ``src``/``href`` to another file or host, and
a Content-Security-Policy (``default-src 'none'``) makes the browser refuse any request the
page might still try. The same inputs give the same bytes (fixed chart ids, no clock time).
"""

from __future__ import annotations

import csv
import html
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from . import __version__, results
from .comparison import (
    Run,
    compare_frame,
    flip_worth,
    flips_frame,
    frame_rows,
    fte_per_capita,
    region_rows,
)
from .domain import NATIONAL_REGION, SolveStatus
from .engine import Allocation
from .io.outputs import cell_text
from .results import Row

if TYPE_CHECKING:
    from plotly.graph_objects import Figure  # plotly has no type information: Any to mypy

    from .robust_report import RobustFiles

REPORT_FILE = "report.html"
CSP = (
    "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; "
    "img-src data: blob:; font-src data:"
)
"""No request may leave the file: inline scripts and styles only, images as data/blob URLs
(Plotly's 'download as PNG')."""
CHART_IDS = {
    "waterfall": "chart-waterfall",
    "themes": "chart-themes",
    "years": "chart-years",
    "regions": "chart-regions",
    "sweep": "chart-sweep",
    "robust": "chart-robust",  # allocator/robust_report.py
}
THEME_NAMES = {
    "ai": "AI",
    "digital_hybrid": "Digital & hybrid care",
    "medtech": "Medical technology",
}
COLOURS = (
    "#1f5fa8", "#e07b22", "#2e9e5b", "#c23b3b", "#7d5ab5", "#8c6d31", "#d45fa6", "#5f6b7a",
    "#b8b023", "#1fa5b8",
)  # fmt: skip
DASHES = ("solid", "dash", "dot", "dashdot")
SYMBOLS = ("circle", "square", "diamond", "triangle-up", "x")
"""Lines of a sweep that lie on top of each other stay apart by dash and marker."""
FIXED_LABELS = {
    "scenario": "Scenario",
    "method": "Method",
    "status": "Status",
    "objective_fte": "FTE saved",
    "total_awarded": "EUR awarded",
    "awarded_count": "Applications funded",
    "partial_count": "of which partially",
    "fte_per_capita_gini": "Gini of FTE per inhabitant over the regions",
}


# --- shadow prices ------------------------------------------------------------------------


def cap_shadow_prices(alloc: Allocation, workers: int | None = None) -> dict[str, float]:
    """Shadow price of every priced cap of an optimal ``alloc`` (cap name -> FTE gained by
    EUR 1M more): ``explain.shadow_prices``, the numbers ``explain(alloc).shadow_prices``
    gives, without the per-application re-solves the report does not show."""
    from .explain import shadow_prices

    return shadow_prices(alloc, workers=workers)


# --- sweeps -------------------------------------------------------------------------------


@dataclass
class Sweep:
    """A sweep.csv (CONTRACT.md, "Sweeps"): the swept keys and the rows."""

    name: str
    keys: list[str]
    rows: list[dict[str, str]]


def read_sweep(path: str | Path) -> Sweep:
    """Read a sweep.csv: the columns before ``status`` are the swept keys."""
    path = Path(path)
    with path.open(newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        columns = list(reader.fieldnames or [])
        rows = list(reader)
    missing = [c for c in ("status", "objective_fte", "total_awarded") if c not in columns]
    if missing or columns.index("status") == 0:
        raise ValueError(
            f"{path.name} is not a sweep.csv: it needs the swept keys, then status, "
            f"objective_fte and total_awarded (missing: {', '.join(missing) or 'the keys'})"
        )
    return Sweep(path.name, columns[: columns.index("status")], rows)


# --- formatting ---------------------------------------------------------------------------


def csv_text(value: Any) -> str:
    """A value as ``allocator compare`` writes it in compare.csv (io.outputs.cell_text)."""
    if isinstance(value, float) and math.isnan(value):
        return ""
    return cell_text(value)


def fmt_eur(value: float | None) -> str:
    """Euros with thousands separators, to the cent (the cents of compare.csv are kept)."""
    if value is None:
        return "–"
    return f"{value:,.2f}"


def fmt_number(value: float | None, digits: int) -> str:
    return "–" if value is None else f"{value:,.{digits}f}"


def fmt_scale(value: float | None) -> str:
    if value is None:
        return "–"
    if value == 0:
        return "0"
    return f"{100 * value:.1f}%" if value < 1 else "100%"


def _cell_display(column: str, value: Any) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    if column == "objective_fte":
        return fmt_number(value, 1)
    if column == "fte_per_capita_gini":
        return fmt_number(value, 3)
    if column in ("awarded_count", "partial_count"):
        return f"{int(value):,}"
    if column == "total_awarded" or column.startswith(("theme:", "year:", "region:")):
        return fmt_eur(value)
    return str(value)


def _esc(text: object) -> str:
    return html.escape(str(text), quote=True)


def _region_name(runs: Sequence[Run], code: str) -> str:
    if code == NATIONAL_REGION:
        return "national"
    for run in runs:
        name = run.alloc.regions.names.get(code)
        if name:
            return name
    return ""


def _column_label(column: str, runs: Sequence[Run]) -> str:
    if column in FIXED_LABELS:
        return FIXED_LABELS[column]
    family, _, key = column.partition(":")
    if family == "theme":
        return f"EUR to {THEME_NAMES.get(key, key)}"
    if family == "year":
        return f"EUR spent in {key}"
    if family == "region":
        name = _region_name(runs, key)
        return f"EUR to {key} {name}".rstrip()
    return column


def rule_label(name: str, runs: Sequence[Run]) -> str:
    """A rule's name in words, as its family describes it (allocator/families: ``theme:medtech``
    -> "medical technology theme budget"; a custom row by its own name); the name itself where
    no family has words for it."""
    from .families import family_of

    for run in runs:
        info = next((i for i in run.alloc.problem.rows if i.name == name), None)
        family = family_of(info if info is not None else name)
        if family is None:
            continue
        entity = info.entity if info is not None else name.partition(":")[2]
        text = family.describe(entity, run.alloc.scenario, run.alloc.regions)
        if text:
            return text.removeprefix("the ")
    return name


# --- charts -------------------------------------------------------------------------------


def _colour(k: int) -> str:
    return COLOURS[k % len(COLOURS)]


def _layout(fig: Figure, title: str, y_title: str, height: int = 430) -> None:
    fig.update_layout(
        title={"text": title, "x": 0, "xanchor": "left"},
        template="plotly_white",
        height=height,
        margin={"l": 70, "r": 20, "t": 60, "b": 60},
        legend={"orientation": "h", "y": -0.18},
        yaxis_title=y_title,
        font={"family": "Helvetica, Arial, sans-serif", "size": 13},
        barmode="group",
    )


def _optimal_runs(runs: Sequence[Run]) -> list[Run]:
    return [run for run in runs if run.method == "optimal"]


def _objective(run: Run | None) -> float | None:
    """The FTE a run saves; None when there is no such run or it has no award set."""
    return run.alloc.result.objective_fte if run is not None and run.solved else None


def waterfall_figure(runs: Sequence[Run]) -> Figure | None:
    """fcfs -> greedy -> optimal under the first scenario; None when one has no award set."""
    import plotly.graph_objects as go

    first = runs[0].scenario
    by_method = {run.method: run for run in runs if run.scenario == first}
    levels: list[float] = []
    for method in ("fcfs", "greedy", "optimal"):
        fte = _objective(by_method.get(method))
        if fte is None:
            return None
        levels.append(fte)
    fcfs, greedy, optimal = levels
    values = [fcfs, greedy - fcfs, optimal - greedy, optimal]
    fig = go.Figure(
        go.Waterfall(
            x=[
                "first come, first served",
                "greedy ranking (FTE per euro)",
                "optimal selection",
                "optimal total",
            ],
            measure=["absolute", "relative", "relative", "total"],
            y=values,
            text=[
                f"{fcfs:,.1f}",
                f"{greedy - fcfs:+,.1f}",
                f"{optimal - greedy:+,.1f}",
                f"{optimal:,.1f}",
            ],
            textposition="outside",
            connector={"line": {"color": "#888"}},
            increasing={"marker": {"color": "#2e9e5b"}},
            decreasing={"marker": {"color": "#c23b3b"}},
            totals={"marker": {"color": "#1f5fa8"}},
        )
    )
    title = f"FTE saved: what optimising adds over first come, first served ({first})"
    _layout(fig, title, "FTE saved")
    # the axis starts below the lowest level (said under the chart), so that the steps show;
    # a walk may beat the optimum where the scenario has floors the walks do not know
    low, high = min(fcfs, greedy, optimal), max(fcfs, greedy, optimal)
    fig.update_yaxes(range=[max(0.0, low - 0.25 * (high - low + 1.0) - 0.1 * low), high * 1.04])
    fig.update_layout(showlegend=False)
    return fig


def _budget_figure(runs: Sequence[Run], kind: str) -> Figure | None:
    """Awarded (or spent) against the cap, per theme or per year, one colour per scenario."""
    import plotly.graph_objects as go

    solved = [run for run in _optimal_runs(runs) if run.solved]
    if not solved:
        return None
    fig = go.Figure()
    for k, run in enumerate(solved):
        if kind == "themes":
            rows = results.by_theme(run.alloc)
            x = [THEME_NAMES.get(r["theme"], r["theme"]) for r in rows]
            used = [r["awarded_amount"] for r in rows]
            caps = [r["budget"] for r in rows]
        else:
            rows = results.by_year(run.alloc)
            x = [str(r["year"]) for r in rows]
            used = [r["spend"] for r in rows]
            caps = [r["budget"] for r in rows]
        colour = _colour(k)
        group = f"g{k}"
        fig.add_bar(
            x=x,
            y=[None if c is None else c / 1e6 for c in caps],
            name=f"{run.scenario}: cap",
            offsetgroup=group,
            marker={"color": "rgba(0,0,0,0)", "line": {"color": colour, "width": 2}},
            legendgroup="caps",
            showlegend=k == 0,
            hovertemplate="%{x}<br>cap EUR %{y:,.1f}M<extra>" + _esc(run.scenario) + "</extra>",
        )
        share = [None if not c or u is None else u / c for u, c in zip(used, caps)]
        fig.add_bar(
            x=x,
            y=[u / 1e6 for u in used],
            name=run.scenario,
            offsetgroup=group,
            marker={"color": colour},
            legendgroup=run.scenario,
            customdata=[[s] for s in share],
            hovertemplate="%{x}<br>EUR %{y:,.1f}M (%{customdata[0]:.1%} of the cap)<extra>"
            + _esc(run.scenario)
            + "</extra>",
        )
    fig.data[0].name = "cap (outline)"  # one legend entry for the outlines
    if kind == "themes":
        title, axis = "Budget use per theme against the theme budgets", "EUR million awarded"
    else:
        title, axis = "Budget use per year against the yearly budgets", "EUR million spent"
    _layout(fig, title, axis)
    fig.update_layout(barmode="group", bargap=0.25, bargroupgap=0.08)
    return fig


def region_figure(runs: Sequence[Run]) -> Figure | None:
    """Awarded FTE per 100,000 inhabitants per region (national applications left out)."""
    import plotly.graph_objects as go

    solved = [run for run in _optimal_runs(runs) if run.solved]
    if not solved:
        return None
    per_capita = [fte_per_capita(run.alloc) for run in solved]
    codes = sorted({code for pc in per_capita for code in pc})
    names = [f"{_region_name(runs, c) or c}" for c in codes]
    fig = go.Figure()
    for k, (run, pc) in enumerate(zip(solved, per_capita)):
        fig.add_bar(
            x=names,
            y=[pc[c] * 1e5 if c in pc else None for c in codes],
            name=run.scenario,
            marker={"color": _colour(k)},
            customdata=codes,
            hovertemplate="%{x} (%{customdata})<br>%{y:,.2f} FTE per 100,000<extra>"
            + _esc(run.scenario)
            + "</extra>",
        )
    title = "Awarded FTE per 100,000 inhabitants per region"
    _layout(fig, title, "FTE per 100,000 inhabitants", height=470)
    fig.update_xaxes(tickangle=-35)
    fig.update_layout(legend={"y": -0.35})
    return fig


def sweep_figure(sweep: Sweep) -> Figure | None:
    """objective_fte against the first swept key; one line per value of the other keys."""
    import plotly.graph_objects as go

    x_key, others = sweep.keys[0], sweep.keys[1:]
    lines: dict[str, list[tuple[float, float, str]]] = {}
    for row in sweep.rows:
        if not row.get("objective_fte"):
            continue  # no award set at this point
        label = ", ".join(f"{k}={row[k]}" for k in others) or "frontier"
        lines.setdefault(label, []).append(
            (float(row[x_key]), float(row["objective_fte"]), row.get("total_awarded") or "")
        )
    if not lines:
        return None
    fig = go.Figure()
    for k, (label, points) in enumerate(lines.items()):
        points.sort()
        fig.add_scatter(
            x=[p[0] for p in points],
            y=[p[1] for p in points],
            customdata=[[fmt_eur(float(p[2])) if p[2] else "–"] for p in points],
            mode="lines+markers",
            name=label,
            line={"color": _colour(k), "width": 2, "dash": DASHES[k % len(DASHES)]},
            marker={"size": 7, "symbol": SYMBOLS[k % len(SYMBOLS)]},
            hovertemplate=_esc(x_key) + " = %{x:,}<br>%{y:,.1f} FTE<br>EUR %{customdata[0]}"
            "<extra></extra>",
        )
    _layout(fig, f"FTE frontier of the sweep over {x_key} ({sweep.name})", "FTE saved (optimal)")
    fig.update_xaxes(title_text=x_key)
    fig.update_layout(showlegend=bool(others))
    return fig


def _chart_html(fig: Figure, div_id: str, first: bool) -> str:
    text: str = fig.to_html(
        include_plotlyjs=first,
        full_html=False,
        div_id=div_id,
        config={"displaylogo": False, "responsive": True},
    )
    return text


# --- tables -------------------------------------------------------------------------------


def compare_table(compare_rows: list[Row], runs: Sequence[Run]) -> str:
    """compare.csv turned a quarter: a row per CSV column (``data-column``), a column per run;
    every cell carries its exact CSV text in ``data-value``."""
    columns = list(compare_rows[0]) if compare_rows else []
    out = ['<table id="compare" class="figures">']
    for column in columns:
        header = column in ("scenario", "method")
        tag = "th" if header else "td"
        cells = []
        for row in compare_rows:
            value = row[column]
            cells.append(
                f'<{tag} data-value="{_esc(csv_text(value))}">'
                f"{_esc(_cell_display(column, value))}</{tag}>"
            )
        label = _esc(_column_label(column, runs))
        out.append(
            f'<tr data-column="{_esc(column)}"'
            + (' class="head"' if header else "")
            + f'><th scope="row">{label} <code>{_esc(column)}</code></th>'
            + "".join(cells)
            + "</tr>"
        )
        if column == "total_awarded":
            derived = []
            for row in compare_rows:
                fte, eur = row.get("objective_fte"), row.get("total_awarded")
                derived.append("–" if not eur or fte is None else fmt_number(fte / (eur / 1e6), 2))
            out.append(
                '<tr class="derived"><th scope="row">FTE per EUR 1M <code>derived</code></th>'
                + "".join(f"<td>{_esc(v)}</td>" for v in derived)
                + "</tr>"
            )
    out.append("</table>")
    return "\n".join(out)


def flips_table(flip_rows: list[Row], runs: Sequence[Run]) -> str:
    if not flip_rows:
        return "<p>No application changes scale between the runs.</p>"
    labels = [run.label for run in runs]
    out = ['<table id="flips" class="figures">', "<thead><tr><th>application_id</th>"]
    out += [f'<th data-column="{_esc(label)}">{_esc(label)}</th>' for label in labels]
    out.append("<th>FTE at stake</th><th>EUR at stake</th></tr></thead><tbody>")
    for row in flip_rows:
        app_id = row["application_id"]
        fte, eur = flip_worth(list(runs), app_id)
        cells = "".join(
            f'<td data-value="{_esc(csv_text(row[label]))}">{_esc(fmt_scale(row[label]))}</td>'
            for label in labels
        )
        out.append(
            f'<tr><th scope="row" data-value="{_esc(app_id)}">{_esc(app_id)}</th>{cells}'
            f"<td>{fte:,.1f}</td><td>{fmt_eur(eur)}</td></tr>"
        )
    out.append("</tbody></table>")
    return "\n".join(out)


def social_table(runs: Sequence[Run]) -> str:
    """regions.csv for the report: per region (rows) the social domain's SPUK amount and per
    inhabitant, then per scenario (optimal runs) the Zvw award plus the social domain per
    inhabitant; every figure cell carries its exact regions.csv text in ``data-value``."""
    optimal = _optimal_runs(runs)
    rows = region_rows(optimal)
    by_region: dict[str, dict[str, Row]] = {}
    for row in rows:
        by_region.setdefault(str(row["region"]), {})[str(row["scenario"])] = row
    out = [
        '<table id="regions-social" class="figures">',
        "<thead><tr><th>region</th><th>social domain (EUR)</th><th>social per inhabitant</th>",
    ]
    out += [
        f'<th data-column="{_esc(run.scenario)}">{_esc(run.scenario)}: Zvw + social per '
        "inhabitant</th>"
        for run in optimal
    ]
    out.append("</tr></thead><tbody>")
    for code, by_scenario in by_region.items():
        first = next(iter(by_scenario.values()))
        cells = [
            f'<td data-value="{_esc(csv_text(first["social_total"]))}">'
            f"{fmt_eur(float(first['social_total']))}</td>",
            f'<td data-value="{_esc(csv_text(first["social_per_inhabitant"]))}">'
            f"{fmt_number(float(first['social_per_inhabitant']), 2)}</td>",
        ]
        for run in optimal:
            value = by_scenario.get(run.scenario, {}).get("combined_per_inhabitant")
            cells.append(
                f'<td data-value="{_esc(csv_text(value))}">'
                f"{'–' if value is None else fmt_number(float(value), 2)}</td>"
            )
        name = _esc(first["name"] or code)
        out.append(
            f'<tr data-region="{_esc(code)}"><th scope="row">{name} <code>{_esc(code)}</code>'
            f"</th>{''.join(cells)}</tr>"
        )
    out.append("</tbody></table>")
    return "\n".join(out)


def binding_section(run: Run, prices: Mapping[str, float] | None, runs: Sequence[Run]) -> str:
    """The binding rules of one scenario: its caps with a shadow price above 0."""
    result = run.alloc.result
    head = f"<h3>{_esc(run.scenario)}</h3>"
    if not run.solved:
        text = f"No award set ({_esc(result.status.value)}). {_esc(result.message or '')}"
        return head + f"<p>{text}</p>"
    if prices is None:
        if result.status is not SolveStatus.optimal:
            why = f"the award set is {_esc(result.status.value)}, not proven optimal"
        else:
            why = "not computed (<code>--no-prices</code>)"
        return head + f"<p>Shadow prices: {why}.</p>"
    binding = sorted(
        ((name, p) for name, p in prices.items() if p > 0), key=lambda item: (-item[1], item[0])
    )
    if not binding:
        return head + "<p>No cap binds: EUR 1M more under any cap would not save more FTE.</p>"
    usage = {row["constraint"]: row for row in results.constraint_rows(run.alloc)}
    out = [
        head,
        f'<table class="figures binding" data-scenario="{_esc(run.scenario)}">',
        "<thead><tr><th>rule</th><th>constraint</th><th>limit (EUR)</th><th>used (EUR)</th>"
        "<th>FTE per EUR 1M more</th></tr></thead><tbody>",
    ]
    for name, price in binding:
        row = usage.get(name, {})
        out.append(
            f'<tr><td class="text">{_esc(rule_label(name, runs))}</td>'
            f'<td class="text"><code>{_esc(name)}</code></td>'
            f"<td>{fmt_eur(row.get('limit'))}</td><td>{fmt_eur(row.get('used'))}</td>"
            f'<td data-value="{_esc(csv_text(price))}">{price:,.2f}</td></tr>'
        )
    out.append("</tbody></table>")
    return "\n".join(out)


# --- the page -----------------------------------------------------------------------------

STYLE = """
body { font-family: Helvetica, Arial, sans-serif; color: #1d2733; margin: 0; background: #fff; }
main { max-width: 1120px; margin: 0 auto; padding: 24px 32px 48px; }
h1 { font-size: 26px; margin: 8px 0 4px; }
h2 { font-size: 20px; margin: 36px 0 8px; border-bottom: 2px solid #1f5fa8; padding-bottom: 4px; }
h3 { font-size: 16px; margin: 20px 0 6px; }
p, li { line-height: 1.45; font-size: 14.5px; }
.lead { font-size: 16px; }
.headline { background: #eef4fb; border-left: 4px solid #1f5fa8; padding: 10px 14px; }
.chart { margin: 18px 0; }
.note { color: #5f6b7a; font-size: 13px; }
table.figures { border-collapse: collapse; font-size: 13px; margin: 8px 0 16px;
  font-variant-numeric: tabular-nums; }
table.figures th, table.figures td { border-bottom: 1px solid #dde3ea; padding: 4px 8px; }
table.figures td { text-align: right; white-space: nowrap; }
table.figures th, table.figures td.text { text-align: left; }
table.figures th { font-weight: 600; }
table.figures tr.head th { background: #f2f5f9; text-align: right; }
table.figures tr.head th[scope=row] { text-align: left; }
table.figures tr.derived td, table.figures tr.derived th { color: #5f6b7a; font-style: italic; }
table.figures code { color: #8593a3; font-size: 11px; font-weight: 400; }
.scroll { overflow-x: auto; }
footer { margin-top: 40px; color: #5f6b7a; font-size: 12px; }
"""


def render_report(
    runs: Sequence[Run],
    prices: Mapping[str, Mapping[str, float] | None] | None = None,
    sweep: Sweep | None = None,
    sources: Sequence[tuple[str, str]] = (),
    title: str = "AZWA breakthrough funds: scenario report",
    robust: RobustFiles | None = None,
) -> str:
    """The report as HTML text. ``runs``: ``comparison.solve_runs``; ``prices``: scenario ->
    cap shadow prices (None: not computed); ``sources``: (file name, SHA-256) of the inputs,
    printed so that every figure can be traced to its files."""
    runs = list(runs)
    if not runs:
        raise ValueError("a report needs at least one run")
    prices = prices or {}
    compare_df, flips_df = compare_frame(runs), flips_frame(runs)
    compare_rows, flip_rows = frame_rows(compare_df), frame_rows(flips_df)
    scenarios = [run.scenario for run in _optimal_runs(runs)]
    first = runs[0]
    n_apps = len(first.alloc.applications)

    charts: list[tuple[str, Figure | None, str]] = [
        (
            "waterfall",
            waterfall_figure(runs),
            "fcfs, greedy and optimal under the first scenario; the FTE axis does not start at 0",
        ),
        ("themes", _budget_figure(runs, "themes"), "bars: awarded; outline: the theme budget"),
        ("years", _budget_figure(runs, "years"), "bars: spent in the year; outline: its budget"),
        ("regions", region_figure(runs), "national applications are left out"),
    ]
    if sweep is not None:
        charts.append(("sweep", sweep_figure(sweep), "every point solved to optimality"))
    if robust is not None:  # allocator robust's files (allocator report --robust DIR)
        from .robust_report import robust_figure, robust_note

        charts.append(("robust", robust_figure(robust), robust_note(robust)))
    parts: list[str] = []
    inlined = False
    for key, fig, note in charts:
        if fig is None:
            parts.append(f'<p class="note">No chart of {key}: no run has an award set.</p>')
            continue
        parts.append(f'<div class="chart">{_chart_html(fig, CHART_IDS[key], not inlined)}')
        parts.append(f'<p class="note">{_esc(note)}.</p></div>')
        if key == "years" and any(run.alloc.scenario.carry_over for run in runs):
            parts.append(
                '<p class="note">Under carry-over, unspent budget of a year moves on: a '
                "later year may spend above its own budget.</p>"
            )
        inlined = True
    charts_html = "\n".join(parts)

    headline = _headline(runs)
    solved_optimal = [run for run in _optimal_runs(runs) if run.solved]
    binding = "\n".join(
        binding_section(run, prices.get(run.scenario), runs) for run in _optimal_runs(runs)
    )
    source_items = "".join(
        f"<li><code>{_esc(name)}</code> SHA-256 <code>{_esc(digest)}</code></li>"
        for name, digest in sources
    )
    scen_list = ", ".join(f"<b>{_esc(s)}</b>" for s in scenarios)
    body = f"""<main>
<h1>{_esc(title)}</h1>
<p class="lead">How the EUR 600M breakthrough funds of the health insurers (2027-2029) would be
awarded among {n_apps:,} applications under {len(scenarios)} scenario{
        "s" if len(scenarios) != 1 else ""
    } ({scen_list}). Each scenario's optimal award set saves as many FTE (staff) as its rules
allow, solved to proven optimality; first come, first served and a greedy ranking by FTE per
euro run beside the first scenario for comparison (they are not optimisations: a greedy set
may show more FTE per EUR 1M while saving fewer FTE in all).</p>
<p class="headline">{headline}</p>
<h2>Charts</h2>
{charts_html}
<h2>Comparison of the runs</h2>
<p>The figures of <code>compare.csv</code> (<code>allocator compare</code>), one column per run;
euros to the cent.</p>
<div class="scroll">
{compare_table(compare_rows, runs)}
</div>
<h2>Applications that change between the runs</h2>
<p>The figures of <code>flips.csv</code>: the share of each application funded in each run
(0: not funded), and what the change is worth (largest minus smallest awarded FTE and
euros over the runs).</p>
<div class="scroll">
{flips_table(flip_rows, runs)}
</div>
<h2>The Zvw awards beside the social domain, per region</h2>
<p>The social domain's EUR 200M (SPUK AZWA: EUR 100M in 2027 and in 2028) paid per region,
here by population over each scenario's region table in whole euros (<code>allocator
social</code>), and per scenario what a region's inhabitants receive from both channels
together: the Zvw award of this report plus the social domain, in EUR per inhabitant
(<code>regions.csv</code> of <code>allocator compare</code>). National applications are left
out.</p>
<div class="scroll">
{social_table(runs)}
</div>
<h2>Binding rules and their shadow prices</h2>
<p>For each scenario, the caps that hold the award set back: the FTE one more EUR 1M under
that cap would save (the optimum re-solved with the cap raised, as
<code>allocator solve --explain</code> writes in <code>shadow_prices.csv</code>). Caps not
listed would save nothing more for EUR 1M more. Floors, regional minimums and locks are not
caps and have no price here; where a scenario has them, they can cost FTE too (the
constraints sheet of <code>allocator solve</code> shows how far each is met). A cap with room
left can still bind: an application that does not fit in what is left (all or nothing, or
not below its smallest scale) waits for more.</p>
{binding}
<footer>
<p>Made by allocator {_esc(__version__)} ({len(runs)} runs, {len(solved_optimal)} scenarios
with an award set). Inputs:</p>
<ul>{source_items}</ul>
<p>This file is self-contained: it loads nothing from any other file or host.</p>
</footer>
</main>"""
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f'<meta http-equiv="Content-Security-Policy" content="{CSP}">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{_esc(title)}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n"
        f"{body}\n</body>\n</html>\n"
    )


def _headline(runs: Sequence[Run]) -> str:
    first = runs[0].scenario
    by_method = {run.method: run for run in runs if run.scenario == first}
    optimal = by_method.get("optimal")
    best = _objective(optimal)
    if best is None:
        status = optimal.alloc.result.status.value if optimal else "missing"
        return f"Under <b>{_esc(first)}</b> there is no award set ({_esc(status)})."
    text = f"Under <b>{_esc(first)}</b> the optimum saves <b>{best:,.1f} FTE</b>"
    gains = []
    for method, name in (("greedy", "greedy"), ("fcfs", "first come, first served")):
        other = _objective(by_method.get(method))
        if other is not None:
            pct = f" ({(best - other) / other:.1%})" if other > 0 else ""
            gains.append(f"{best - other:,.1f} FTE{pct} more than {name} ({other:,.1f})")
    text += (": " + " and ".join(gains) if gains else "") + "."
    return " ".join([text, *(_against(run, first, best) for run in _optimal_runs(runs)[1:])])


def _against(run: Run, first: str, best: float) -> str:
    """One further scenario's optimum against the first's, and the money it leaves."""
    name = f"<b>{_esc(run.scenario)}</b>"
    fte = _objective(run)
    if fte is None:
        return f"Under {name} there is no award set ({_esc(run.alloc.result.status.value)})."
    diff = fte - best
    if abs(diff) < 0.05:
        change = f"as much as under {_esc(first)}"
    else:
        pct = f", {abs(diff) / best:.1%}" if best > 0 else ""
        change = (
            f"{abs(diff):,.1f} FTE{pct} {'more' if diff > 0 else 'fewer'} than under {_esc(first)}"
        )
    text = f"Under {name} the optimum saves {fte:,.1f} FTE ({change})"
    ceiling = run.alloc.scenario.ceiling
    awarded = run.alloc.result.total_awarded_eur or 0.0
    if ceiling - awarded >= 0.005:
        from .narrative import eur

        text += f" and leaves {eur(ceiling - awarded)} of the {eur(ceiling)} ceiling unawarded"
    return text + "."


def report_bytes(
    runs: Sequence[Run],
    prices: Mapping[str, Mapping[str, float] | None] | None = None,
    sweep: Sweep | None = None,
    sources: Sequence[tuple[str, str]] = (),
    title: str = "AZWA breakthrough funds: scenario report",
    robust: RobustFiles | None = None,
) -> bytes:
    """``render_report`` as UTF-8 bytes (what ``allocator report`` writes)."""
    return render_report(runs, prices, sweep, sources, title, robust).encode("utf-8")
