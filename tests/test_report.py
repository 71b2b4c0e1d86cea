"""allocator report (CONTRACT.md, "Board report"): one self-contained report.html.

- the compare table holds every figure of compare.csv (parsed back from the HTML and compared
  with comparison.compare_runs, cell by cell as the CSV writes it), the flips table those of
  flips.csv;
- the file references no other file or host (static check of everything but the inlined
  plotly.js bundle, which is checked to be the installed bundle, once);
- headless Chromium opens it with every host name mapped away: the screenshot is not blank
  and shows the charts' colours, plotly drew its SVG in every chart, and the page's
  Content-Security-Policy (default-src 'none') reported no request it had to refuse (an
  injected listener records securitypolicyviolation events; a control page with one
  external image proves the listener sees them).

Chromium: /usr/bin/chromium (Debian's `chromium`); the test skips without it unless the
environment variable CI is set, where it fails.
"""

from __future__ import annotations

import os
import re
import shutil
import struct
import subprocess
import zlib
from html.parser import HTMLParser
from pathlib import Path

import pytest
from click.testing import CliRunner

from allocator.catalog import regions_for, sample_applications_path
from allocator.cli_report import report
from allocator.comparison import compare_runs, frame_rows
from allocator.io.inputs import load_scenario, load_submission
from allocator.io.outputs import render_csv
from allocator.report import CHART_IDS, REPORT_FILE, csv_text, read_sweep

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = ["baseline", "bar-35", "infeasible-floors"]
SWEEP_CSV = """\
theme_budgets.ai,impact_bar,status,objective_fte,total_awarded
150000000,17,optimal,18143.479662364705,475000000
250000000,17,optimal,20521.491687377733,575000000
350000000,17,optimal,20949.316398196785,599999999.99
150000000,35,optimal,11000.5,300000000
250000000,35,infeasible,,
350000000,35,optimal,11500.25,310000000
"""


def _scenario_paths() -> list[str]:
    return [str(ROOT / "scenarios" / f"{name}.yaml") for name in SCENARIOS]


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    """report.html of three scenarios (one without an award set) and a two-key sweep."""
    tmp = tmp_path_factory.mktemp("report")
    sweep = tmp / "sweep.csv"
    sweep.write_text(SWEEP_CSV, encoding="utf-8")
    out = tmp / "out"
    args = [*_scenario_paths(), "--sweep", str(sweep), "--out", str(out), "--workers", "1"]
    result = CliRunner().invoke(report, args, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert "report.html in" in result.output
    return out / REPORT_FILE


@pytest.fixture(scope="module")
def html_text(built: Path) -> str:
    return built.read_text(encoding="utf-8")


# --- parsing the tables back ----------------------------------------------------------------


class _Tables(HTMLParser):
    """Rows of <table id=...>: per <tr> its data-column and the cells' (data-value, text)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tables: dict[str, list[tuple[str | None, list[tuple[str | None, str]]]]] = {}
        self.current: str | None = None
        self.row: list[tuple[str | None, str]] | None = None
        self.cell: list[str] | None = None
        self.cell_value: str | None = None
        self.in_code = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "table":
            self.current = a.get("id") or a.get("data-scenario") or f"table{len(self.tables)}"
            self.tables[self.current] = []
        elif tag == "tr" and self.current is not None:
            self.row = []
            self.tables[self.current].append((a.get("data-column"), self.row))
        elif tag in ("td", "th") and self.row is not None:
            self.cell, self.cell_value = [], a.get("data-value")
        elif tag == "code":
            self.in_code = True

    def handle_endtag(self, tag: str) -> None:
        if tag == "table":
            self.current = None
        elif tag in ("td", "th") and self.cell is not None and self.row is not None:
            self.row.append((self.cell_value, "".join(self.cell).strip()))
            self.cell = None
        elif tag == "code":
            self.in_code = False

    def handle_data(self, data: str) -> None:
        if self.cell is not None and not self.in_code:
            self.cell.append(data)


def _tables(text: str) -> dict:
    parser = _Tables()
    parser.feed(text)
    return parser.tables


@pytest.fixture(scope="module")
def fresh() -> tuple[list[dict], list[str], list[dict], list[str]]:
    """compare.csv and flips.csv rows of a fresh comparison (comparison.compare_runs)."""
    loaded = [(Path(p).stem, load_scenario(Path(p))) for p in _scenario_paths()]
    apps = load_submission(sample_applications_path(), regions_for(loaded[0][1])).applications
    compare_df, flips_df = compare_runs(apps, loaded, regions_for)
    return (
        frame_rows(compare_df),
        list(compare_df.columns),
        frame_rows(flips_df),
        list(flips_df.columns),
    )


def _csv_cells(rows: list[dict], columns: list[str]) -> list[list[str]]:
    """The cells exactly as compare.csv / flips.csv hold them."""
    import csv
    import io

    text = render_csv(rows, columns).decode("utf-8")
    return list(csv.reader(io.StringIO(text)))


def _number(text: str) -> float:
    return float(text.replace(",", "").rstrip("%"))


def test_compare_table_holds_the_figures_of_compare_csv(html_text, fresh) -> None:
    compare_rows, columns, _, _ = fresh
    cells = _csv_cells(compare_rows, columns)
    header, body = cells[0], cells[1:]
    table = [row for row in _tables(html_text)["compare"] if row[0] is not None]
    assert [column for column, _ in table] == header  # every column of compare.csv, in order
    for column, row in table:
        shown = row[1:]  # the first cell names the row
        assert len(shown) == len(body)
        k = header.index(column)
        for (value, text), csv_row in zip(shown, body):
            assert value == csv_row[k], (column, value, csv_row[k])  # the very same figure
            if csv_row[k] == "":
                assert text == "–"
            elif column in ("scenario", "method", "status"):
                assert text == csv_row[k]
            else:  # formatted: the shown number is the figure rounded
                digits = 3 if column == "fte_per_capita_gini" else 1 if "fte" in column else 2
                if column.endswith("_count"):
                    digits = 0
                assert _number(text) == pytest.approx(float(csv_row[k]), abs=0.51 * 10**-digits)
    # the run without an award set is a column of empty figures
    status = dict(table)["status"]
    assert [t for _, t in status[1:]] == [
        "optimal",
        "feasible",
        "feasible",
        "optimal",
        "infeasible",
    ]


def test_social_table_holds_regions_csv(html_text) -> None:
    """The table of the Zvw awards beside the social domain: the figures of regions.csv of a
    fresh comparison (social domain per region, Zvw + social per inhabitant per scenario)."""
    from allocator.comparison import REGION_COLUMNS, region_rows, solve_runs

    loaded = [(Path(p).stem, load_scenario(Path(p))) for p in _scenario_paths()]
    apps = load_submission(sample_applications_path(), regions_for(loaded[0][1])).applications
    runs = [r for r in solve_runs(apps, loaded, regions_for) if r.method == "optimal"]
    header, *body = _csv_cells(region_rows(runs), REGION_COLUMNS)
    csv_rows = [dict(zip(header, row)) for row in body]
    table = _tables(html_text)["regions-social"]
    shown = [cells for _, cells in table[1:]]  # the first row is the header
    regions = list(dict.fromkeys(r["region"] for r in csv_rows))
    assert len(shown) == len(regions) == 12
    for region, cells in zip(regions, shown):
        mine = {r["scenario"]: r for r in csv_rows if r["region"] == region}
        first = next(iter(mine.values()))
        assert (
            cells[1][0] == first["social_total"] and cells[2][0] == first["social_per_inhabitant"]
        )
        assert _number(cells[1][1]) == int(first["social_total"])
        for scenario, (value, text) in zip(SCENARIOS, cells[3:]):
            assert value == mine[scenario]["combined_per_inhabitant"], (region, scenario)
            if value == "":  # no award set: no Zvw figure
                assert text == "–"
            else:
                assert _number(text) == pytest.approx(float(value), abs=0.0051)
    assert sum(int(r["social_total"]) for r in csv_rows if r["scenario"] == "baseline") == 200e6


def test_flips_table_holds_flips_csv(html_text, fresh) -> None:
    _, _, flip_rows, flip_columns = fresh
    cells = _csv_cells(flip_rows, flip_columns)
    rows = _tables(html_text)["flips"]
    head = [text for _, text in rows[0][1]]
    assert head[: len(flip_columns)] == flip_columns
    body = [[value for value, _ in cells_][: len(flip_columns)] for _, cells_ in rows[1:]]
    assert body == cells[1:]
    assert len(body) > 10


def test_binding_rules_have_positive_prices(html_text) -> None:
    tables = _tables(html_text)
    assert {"baseline", "bar-35"} <= set(tables)
    for scenario in ("baseline", "bar-35"):
        rows = tables[scenario][1:]
        prices = [float(cells[4][0]) for _, cells in rows]  # data-value of the price
        assert prices and all(p > 0 for p in prices)
        assert prices == sorted(prices, reverse=True)
    # the scenario without an award set says so
    assert "infeasible-floors" not in tables
    assert "No award set (infeasible)" in html_text


def test_binding_rule_constraints(html_text) -> None:
    codes = re.findall(r'<td class="text"><code>([^<]+)</code>', html_text)
    assert {"year:2029", "year:2027", "theme:medtech"} <= set(codes)
    assert all(re.fullmatch(r"(ceiling|theme|year|region|custom):?.*", c) for c in codes)


def test_cap_prices_equal_explain() -> None:
    """report.cap_shadow_prices re-solves the caps only: the same numbers as explain()."""
    from allocator import explain as explain_module
    from allocator.domain import RunOptions
    from allocator.engine import allocate
    from allocator.report import cap_shadow_prices
    from tests.test_model import generated

    apps, scen, regions = generated(90, seed=5)
    scen = scen.model_copy(update={"carry_over": False})
    alloc = allocate(apps, scen, RunOptions(), regions=regions)
    full = explain_module.explain(alloc, workers=1).shadow_prices
    original = explain_module.explain
    try:  # the caps-only path must not fall back on the whole explain
        explain_module.explain = None  # type: ignore[assignment]
        fast = cap_shadow_prices(alloc, workers=1)
    finally:
        explain_module.explain = original
    assert set(fast) == set(full)
    for name in full:
        assert fast[name] == pytest.approx(full[name], abs=1e-3), name
    assert any(v > 0 for v in full.values())


# --- self-contained ---------------------------------------------------------------------


EXTERNAL = [
    r"""\bsrc\s*=\s*(?!["']?(?:data:|#))""",
    r"""\bhref\s*=\s*(?!["']?#)""",
    r"""url\(\s*(?!["']?(?:data:|#))""",
    r"@import",
    r"<link\b",
    r"<iframe\b",
    r"<object\b",
    r"<embed\b",
    r"https?://",
]


def test_references_no_external_resource(html_text) -> None:
    from plotly.offline import get_plotlyjs

    bundle = get_plotlyjs()
    assert html_text.count(bundle) == 1  # plotly.js inlined once, as installed
    rest = html_text.replace(bundle, "")
    assert "<script" in rest
    for pattern in EXTERNAL:
        hits = [rest[max(0, m.start() - 60) : m.end() + 60] for m in re.finditer(pattern, rest)]
        assert not hits, (pattern, hits[:3])
    for tag in re.findall(r"<script\b[^>]*>", rest):
        assert "src" not in tag
    assert "default-src 'none'" in rest  # the browser refuses any request the page tries


def test_chart_ids_fixed_and_same_bytes(tmp_path) -> None:
    """Same inputs -> same bytes: plotly's div ids are fixed, no clock time."""
    outs = []
    for k in range(2):
        out = tmp_path / f"o{k}"
        args = [str(ROOT / "scenarios" / "bar-35.yaml"), "--no-prices", "--out", str(out)]
        result = CliRunner().invoke(report, args, catch_exceptions=False)
        assert result.exit_code == 0, result.output
        outs.append((out / REPORT_FILE).read_bytes())
    assert outs[0] == outs[1]
    text = outs[0].decode("utf-8")
    for key in ("waterfall", "themes", "years", "regions"):
        assert f'id="{CHART_IDS[key]}"' in text
    assert "chart-sweep" not in text
    assert "not computed (<code>--no-prices</code>)" in text


def test_bad_sweep_is_refused(tmp_path) -> None:
    bad = tmp_path / "sweep.csv"
    bad.write_text("a,b\n1,2\n", encoding="utf-8")
    args = [
        str(ROOT / "scenarios" / "baseline.yaml"),
        "--sweep",
        str(bad),
        "--out",
        str(tmp_path / "o"),
    ]
    result = CliRunner().invoke(report, args)
    assert result.exit_code == 2
    assert "not a sweep.csv" in result.output
    assert not (tmp_path / "o").exists()


def test_read_sweep_keys(tmp_path) -> None:
    path = tmp_path / "sweep.csv"
    path.write_text(SWEEP_CSV, encoding="utf-8")
    sweep = read_sweep(path)
    assert sweep.keys == ["theme_budgets.ai", "impact_bar"]
    assert len(sweep.rows) == 6
    assert csv_text(599999999.99) == "599999999.99" and csv_text(6e8) == "600000000"


# --- in a browser -----------------------------------------------------------------------


def _chromium() -> str:
    for name in ("chromium", "chromium-browser"):
        found = shutil.which(name)
        if found:
            return found
    if Path("/usr/bin/chromium").exists():
        return "/usr/bin/chromium"
    message = "chromium is not installed (Debian: apt-get install -y chromium)"
    if os.environ.get("CI"):
        pytest.fail(message + "; CI is set, so the browser test must run")
    pytest.skip(message)


BROWSER_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
    "--hide-scrollbars",
    "--host-resolver-rules=MAP * ~NOTFOUND",  # no host name resolves: nothing can leave
    "--virtual-time-budget=5000",
]
LISTENER = (
    "<script>(function(){var seen=[];document.addEventListener('securitypolicyviolation',"
    "function(e){seen.push(e.violatedDirective+' '+e.blockedURI);"
    "document.documentElement.setAttribute('data-csp-violations',seen.join(' | '));});})();"
    "</script>"
)


def _browse(chromium: str, page: Path, tmp: Path, *extra: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [chromium, *BROWSER_FLAGS, f"--user-data-dir={tmp / 'profile'}", *extra, page.as_uri()],
        capture_output=True,
        text=True,
        timeout=180,
    )


def _with_listener(text: str) -> str:
    """The report with the violation listener right after its CSP (it must run first)."""
    meta_end = text.index(">", text.index('http-equiv="Content-Security-Policy"')) + 1
    return text[:meta_end] + "\n" + LISTENER + text[meta_end:]


class _Charts(HTMLParser):
    """For each element id asked for: did plotly's main SVG appear inside it?"""

    VOID = frozenset({"br", "img", "input", "meta", "link", "hr", "area", "base", "col", "source"})

    def __init__(self, ids: set[str]) -> None:
        super().__init__()
        self.ids = ids
        self.stack: list[str | None] = []
        self.rendered: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if "main-svg" in (a.get("class") or "").split():
            self.rendered.update(i for i in self.stack if i is not None)
        if tag not in self.VOID:
            self.stack.append(a.get("id") if a.get("id") in self.ids else None)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if "main-svg" in (a.get("class") or "").split():
            self.rendered.update(i for i in self.stack if i is not None)

    def handle_endtag(self, tag: str) -> None:
        if tag not in self.VOID and self.stack:
            self.stack.pop()


def _png_pixels(data: bytes) -> tuple[int, int, list[bytes]]:
    """A small PNG decoder (8-bit RGB/RGBA, not interlaced): width, height, rows of pixels."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, idat, header = 8, b"", None
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        kind, body = data[pos + 4 : pos + 8], data[pos + 8 : pos + 8 + length]
        if kind == b"IHDR":
            header = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat += body
        pos += 12 + length
    assert header is not None
    width, height, depth, colour, _, _, interlace = header
    assert depth == 8 and colour in (2, 6) and interlace == 0, header
    bpp = 3 if colour == 2 else 4
    raw = zlib.decompress(idat)
    stride = width * bpp
    rows, previous, i = [], bytearray(stride), 0
    for _ in range(height):
        kind, line = raw[i], bytearray(raw[i + 1 : i + 1 + stride])
        i += 1 + stride
        for x in range(stride):
            left = line[x - bpp] if x >= bpp else 0
            up = previous[x]
            if kind == 1:
                line[x] = (line[x] + left) & 0xFF
            elif kind == 2:
                line[x] = (line[x] + up) & 0xFF
            elif kind == 3:
                line[x] = (line[x] + (left + up) // 2) & 0xFF
            elif kind == 4:
                corner = previous[x - bpp] if x >= bpp else 0
                p = left + up - corner
                pa, pb, pc = abs(p - left), abs(p - up), abs(p - corner)
                pred = left if pa <= pb and pa <= pc else up if pb <= pc else corner
                line[x] = (line[x] + pred) & 0xFF
        rows.append(bytes(line) if bpp == 3 else bytes(b for k, b in enumerate(line) if k % 4 != 3))
        previous = line
    return width, height, rows


def test_opens_offline_in_headless_chromium(html_text, tmp_path) -> None:
    chromium = _chromium()
    page = tmp_path / "report.html"
    page.write_text(_with_listener(html_text), encoding="utf-8")

    # 1. the charts rendered: plotly's SVG in every chart div, with the network mapped away
    dom = _browse(chromium, page, tmp_path, "--dump-dom")
    assert dom.returncode == 0, dom.stderr[-2000:]
    ids = {CHART_IDS[k] for k in ("waterfall", "themes", "years", "regions", "sweep")}
    assert all(f'id="{i}"' in html_text for i in ids)
    charts = _Charts(ids)
    charts.feed(dom.stdout)
    assert charts.rendered == ids, sorted(ids - charts.rendered)
    # 2. no request left the file: the CSP (default-src 'none') reported nothing it refused
    html_tag = re.search(r"<html[^>]*>", dom.stdout)
    assert html_tag is not None
    assert "data-csp-violations" not in html_tag.group(0), html_tag.group(0)

    # 3. the screenshot is not blank and shows the charts' colours
    shot = tmp_path / "shot.png"
    run = _browse(chromium, page, tmp_path, f"--screenshot={shot}", "--window-size=1200,3000")
    assert run.returncode == 0 and shot.exists(), run.stderr[-2000:]
    width, height, rows = _png_pixels(shot.read_bytes())
    assert (width, height) == (1200, 3000)
    colours: dict[bytes, int] = {}
    for row in rows[::3]:
        for x in range(0, len(row), 9):  # every third pixel of every third row
            px = row[x : x + 3]
            colours[px] = colours.get(px, 0) + 1
    assert len(colours) > 200  # text, axes, bars: not a blank page
    white = colours.get(b"\xff\xff\xff", 0)
    assert white < 0.97 * sum(colours.values())
    for rgb in ((0x1F, 0x5F, 0xA8), (0x2E, 0x9E, 0x5B)):  # waterfall total / first scenario, gains
        assert colours.get(bytes(rgb), 0) > 500, rgb


def test_listener_sees_a_refused_request(html_text, tmp_path) -> None:
    """Control: the same page with one external image reports the refused request, so the
    empty report above means no request was tried."""
    chromium = _chromium()
    page = tmp_path / "control.html"
    leaky = _with_listener(html_text).replace(
        "</main>", '<img src="http://example.invalid/pixel.png" alt=""></main>'
    )
    page.write_text(leaky, encoding="utf-8")
    dom = _browse(chromium, page, tmp_path, "--dump-dom")
    html_tag = re.search(r"<html[^>]*>", dom.stdout)
    assert html_tag is not None
    assert "example.invalid" in html_tag.group(0)


def test_headline_numbers_are_compare_csv(html_text, fresh) -> None:
    """The headline read back: every scenario's optimum, its difference to the first (FTE and
    percent), the money it leaves under the ceiling, against compare.csv's rows."""
    rows = {(r["scenario"], r["method"]): r for r in fresh[0]}
    found = re.search(r'<p class="headline">(.*?)</p>', html_text, re.S)
    assert found
    text = re.sub(r"<[^>]+>", "", found[1])
    first = SCENARIOS[0]
    best = rows[(first, "optimal")]["objective_fte"]
    assert f"Under {first} the optimum saves {best:,.1f} FTE" in text
    for name in SCENARIOS[1:]:
        row = rows[(name, "optimal")]
        if row["objective_fte"] is None:
            assert f"Under {name} there is no award set ({row['status']})." in text
            continue
        fte, total = row["objective_fte"], row["total_awarded"]
        m = re.search(
            rf"Under {re.escape(name)} the optimum saves ([\d,.]+) FTE \(([\d,.]+) FTE, "
            rf"([\d.]+)% (more|fewer) than under {first}\)(?: and leaves EUR ([\d,.]+) of the "
            r"EUR ([\d,]+) ceiling unawarded)?\.",
            text,
        )
        assert m, name
        assert float(m[1].replace(",", "")) == pytest.approx(fte, abs=0.051)
        assert float(m[2].replace(",", "")) == pytest.approx(abs(fte - best), abs=0.051)
        assert float(m[3]) == pytest.approx(abs(fte - best) / best * 100, abs=0.051)
        assert m[4] == ("more" if fte > best else "fewer")
        ceiling = 600_000_000
        if m[5] is not None:
            assert float(m[5].replace(",", "")) == pytest.approx(ceiling - total, abs=0.005)
            assert int(m[6].replace(",", "")) == ceiling
        else:
            assert ceiling - total < 0.005
