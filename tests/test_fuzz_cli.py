"""The command line under mutated inputs (issue 14 item 3): a seeded corpus of mutations of
the shipped sample CSV, the baseline scenario YAML and an XLSX written from the sample, run
through the CLI. Every run ends with a message, never a Python stack: exit 0 (read and
solved), 2 (input error) or 3 (no award set); exit 1 is an internal error (a bug).

Bounded: ~130 runs, most through ``validate`` (reading only), some through ``solve``."""

from __future__ import annotations

import csv
import io
import random
from pathlib import Path

import pytest
from click.testing import CliRunner

from allocator.catalog import sample_applications_path, scenario_path
from allocator.cli import main

SEED = 14
ALLOWED = {0, 2, 3}
SAMPLE = Path(sample_applications_path()).read_bytes()
SCENARIO = Path(scenario_path("baseline")).read_bytes()
HUGE = ["1e308", "1e300", "-1e300", "inf", "nan", "9" * 400, "1e-320", "0x10", "1_000"]


def _rows() -> list[list[str]]:
    return list(csv.reader(io.StringIO(SAMPLE.decode("utf-8"))))


def _csv(rows: list[list[str]]) -> bytes:
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows(rows)
    return buf.getvalue().encode("utf-8")


def _cell_mutation(rng: random.Random, rows: list[list[str]]) -> list[list[str]]:
    rows = [list(r) for r in rows]
    kind = rng.choice(["delete", "huge", "swap", "blank_header", "text", "drop_column", "dup"])
    r = rng.randrange(1, len(rows))
    c = rng.randrange(len(rows[0]))
    if kind == "delete":
        del rows[r][c]
    elif kind == "huge":
        rows[r][c] = rng.choice(HUGE)
    elif kind == "swap":
        c2 = rng.randrange(len(rows[0]))
        for row in rows:
            if max(c, c2) < len(row):
                row[c], row[c2] = row[c2], row[c]
    elif kind == "blank_header":
        rows[0][c] = ""
    elif kind == "text":
        rows[r][c] = rng.choice(["abc", "=1+1", "'", '"', "\x00", "é" * 50, " ", "NaN"])
    elif kind == "drop_column":
        for row in rows:
            if c < len(row):
                del row[c]
    else:
        rows.insert(r, list(rows[r]))  # a duplicate id
    return rows


def _byte_mutation(rng: random.Random, data: bytes) -> bytes:
    data = bytearray(data)
    kind = rng.choice(["flip", "non_utf8", "truncate", "insert", "nul"])
    pos = rng.randrange(len(data))
    if kind == "flip":
        for _ in range(rng.randint(1, 8)):
            p = rng.randrange(len(data))
            data[p] ^= 1 << rng.randrange(8)
    elif kind == "non_utf8":
        data[pos : pos + 1] = rng.choice([b"\xff", b"\xc3\x28", b"\xe9", b"\x80\x80"])
    elif kind == "truncate":
        del data[pos:]
    elif kind == "insert":
        data[pos:pos] = rng.choice([b",", b"\n", b'"', b"\r", b";", b"\t", b"1e308"])
    else:
        data[pos:pos] = b"\x00"
    return bytes(data)


def _csv_corpus() -> list[tuple[str, bytes]]:
    rng = random.Random(SEED)
    rows = _rows()
    corpus = [(f"cell{k}", _csv(_cell_mutation(rng, rows))) for k in range(30)]
    corpus += [(f"bytes{k}", _byte_mutation(rng, SAMPLE)) for k in range(30)]
    corpus += [("empty", b""), ("header_only", SAMPLE.split(b"\n", 1)[0] + b"\n")]
    return corpus


def _yaml_corpus() -> list[tuple[str, bytes]]:
    rng = random.Random(SEED + 1)
    text = SCENARIO.decode("utf-8")
    lines = text.splitlines()
    corpus: list[tuple[str, bytes]] = []
    for k in range(12):
        changed = list(lines)
        i = rng.randrange(len(changed))
        kind = rng.choice(["delete", "huge", "dup", "indent", "value"])
        if kind == "delete":
            del changed[i]
        elif kind == "huge" and ":" in changed[i]:
            key = changed[i].split(":", 1)[0]
            changed[i] = f"{key}: {rng.choice(HUGE)}"
        elif kind == "dup":
            changed.insert(i, changed[i])
        elif kind == "indent":
            changed[i] = "   " + changed[i]
        elif ":" in changed[i]:
            key = changed[i].split(":", 1)[0]
            changed[i] = f"{key}: {rng.choice(['true', '[]', '{}', '~', 'abc', '-5', '&a x'])}"
        corpus.append((f"yaml{k}", "\n".join(changed).encode("utf-8")))
    corpus += [(f"yamlbytes{k}", _byte_mutation(rng, SCENARIO)) for k in range(12)]
    corpus += [
        ("yaml_not_a_mapping", b"- 1\n- 2\n"),
        ("yaml_alias_bomb", b'a: &a ["x","x"]\nb: &b [*a,*a]\nc: &c [*b,*b]\nd: [*c,*c]\n'),
        ("yaml_deep", b"a: " + b"[" * 5000 + b"]" * 5000 + b"\n"),
        ("yaml_non_utf8", b"name: \xff\xfe\n" + SCENARIO),
    ]
    return corpus


def _xlsx_bytes(rows: list[list[str]]) -> bytes:
    openpyxl = pytest.importorskip("openpyxl")
    book = openpyxl.Workbook()
    sheet = book.active
    for row in rows:
        sheet.append([_typed(v) for v in row])
    buf = io.BytesIO()
    book.save(buf)
    return buf.getvalue()


def _typed(value: str) -> object:
    try:
        return float(value) if any(ch.isdigit() for ch in value) and "-" not in value[1:] else value
    except ValueError:
        return value


def _xlsx_corpus() -> list[tuple[str, bytes]]:
    rng = random.Random(SEED + 2)
    rows = _rows()
    corpus = [("xlsx_plain", _xlsx_bytes(rows))]
    corpus += [(f"xlsx_cells{k}", _xlsx_bytes(_cell_mutation(rng, rows))) for k in range(8)]
    plain = corpus[0][1]
    corpus += [(f"xlsx_bytes{k}", _byte_mutation(rng, plain)) for k in range(6)]
    return corpus


def _run(args: list[str]):  # type: ignore[no-untyped-def]
    return CliRunner().invoke(main, args, catch_exceptions=False)


def _assert_clean(result, label: str) -> None:  # type: ignore[no-untyped-def]
    assert "Traceback" not in result.output, (label, result.output[-2000:])
    assert result.exit_code in ALLOWED, (label, result.exit_code, result.output[-2000:])


CSV = _csv_corpus()
YAML = _yaml_corpus()


@pytest.mark.parametrize("label,data", CSV, ids=[c[0] for c in CSV])
def test_mutated_csv_validate(tmp_path: Path, label: str, data: bytes) -> None:
    path = tmp_path / "apps.csv"
    path.write_bytes(data)
    _assert_clean(_run(["validate", "-a", str(path)]), label)


@pytest.mark.parametrize("label,data", YAML, ids=[c[0] for c in YAML])
def test_mutated_yaml_validate(tmp_path: Path, label: str, data: bytes) -> None:
    path = tmp_path / "scenario.yaml"
    path.write_bytes(data)
    _assert_clean(_run(["validate", "-a", str(sample_applications_path()), "-s", str(path)]), label)


def test_mutated_xlsx_validate(tmp_path: Path) -> None:
    for label, data in _xlsx_corpus():
        path = tmp_path / f"{label}.xlsx"
        path.write_bytes(data)
        _assert_clean(_run(["validate", "-a", str(path)]), label)


def test_mutated_inputs_solve(tmp_path: Path) -> None:
    """A few of each kind through the whole solve (greedy: the reading and writing are
    what is fuzzed here; the optimisation has its own tests), and some optimally."""
    rng = random.Random(SEED + 3)
    picks = rng.sample(CSV, 8) + rng.sample(YAML, 4)
    for k, (label, data) in enumerate(picks):
        apps, scen = tmp_path / f"a{k}.csv", tmp_path / f"s{k}.yaml"
        apps.write_bytes(data if label in dict(CSV) else SAMPLE)
        scen.write_bytes(data if label in dict(YAML) else SCENARIO)
        method = "optimal" if k % 3 == 0 else "greedy"
        args = ["solve", "-a", str(apps), "-s", str(scen), "-m", method, "-q", "--no-xlsx"]
        _assert_clean(_run([*args, "-o", str(tmp_path / f"o{k}")]), label)


def test_huge_fte_is_a_message(tmp_path: Path) -> None:
    rows = _rows()
    col = rows[0].index("fte")
    for r in range(1, 6):
        rows[r][col] = "1e300"
    path = tmp_path / "huge.csv"
    path.write_bytes(_csv(rows))
    result = _run(["solve", "-a", str(path), "-o", str(tmp_path / "o"), "-q", "--no-xlsx"])
    _assert_clean(result, "huge fte")
    assert result.output.strip()  # a message, whatever the outcome
