"""Output files: the set is replaced as one (issue 14, item 4), modes follow the umask
(issue 8, item 4), a directory holding other files is refused and never emptied."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

import allocator.io.outputs as outputs
from allocator.cli import main
from allocator.errors import InputError
from allocator.io.outputs import MANIFEST, recover, write_set

OLD = {"summary.json": b'{"run": "old"}\n', "awards.csv": b"old awards\n",
       "explanations.csv": b"old explanations\n"}  # fmt: skip
NEW = {"summary.json": b'{"run": "new"}\n', "awards.csv": b"new awards\n",
       "awards.xlsx": b"new xlsx"}  # fmt: skip
STEPS = ["write:summary.json", "write:awards.csv", "write:awards.xlsx", "write:manifest",
         "switch", "switched"]  # fmt: skip


def _content(out: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in out.iterdir() if p.name != MANIFEST}


def _whole_old_or_new(out: Path) -> str:
    content = _content(out)
    if content == OLD:
        return "old"
    assert content == NEW, f"a mixed set: {sorted(content)}"
    return "new"


class Killed(BaseException):
    """Stands for a kill: nothing after the step runs (not even cleanup that catches
    Exception)."""


@pytest.mark.parametrize("exchange", [True, False], ids=["renameat2", "two-renames"])
@pytest.mark.parametrize("step", [*STEPS, "between-renames"])
def test_a_failure_at_any_step_leaves_the_old_or_the_new_set(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, step: str, exchange: bool
) -> None:
    if exchange and step == "between-renames":
        pytest.skip("an exchange has no step between renames")
    out = tmp_path / "out"
    write_set(out, OLD)
    if not exchange:
        monkeypatch.setattr(outputs, "_exchange", lambda a, b: False)

    def hook(name: str) -> None:
        if name == step:
            raise Killed(name)

    monkeypatch.setattr(outputs, "STEP_HOOK", hook)
    with pytest.raises(Killed):
        write_set(out, NEW)
    monkeypatch.setattr(outputs, "STEP_HOOK", None)
    recover(out)  # what the next run does first
    got = _whole_old_or_new(out)
    assert got == ("new" if step == "switched" else "old")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]  # nothing left beside it


KILL_SCRIPT = """
import os, sys
import allocator.io.outputs as outputs
if sys.argv[3] == "no-exchange":
    outputs._exchange = lambda a, b: False
def hook(name):
    if name == sys.argv[2]:
        os._exit(9)
outputs.STEP_HOOK = hook
outputs.write_set(sys.argv[1], {"summary.json": b'{"run": "new"}\\n',
    "awards.csv": b"new awards\\n", "awards.xlsx": b"new xlsx"})
"""


@pytest.mark.parametrize("mode", ["exchange", "no-exchange"])
@pytest.mark.parametrize("step", [*STEPS, "between-renames"])
def test_killed_process_leaves_the_old_or_the_new_set(tmp_path: Path, step: str, mode: str) -> None:
    """os._exit in a real process at each step: no finally, no cleanup. A reader then sees
    the old set or the new set; where a kill left OUT missing (between two plain renames),
    the next run puts the old set back first."""
    out = tmp_path / "out"
    write_set(out, OLD)
    proc = subprocess.run([sys.executable, "-c", KILL_SCRIPT, str(out), step, mode])
    killed = proc.returncode == 9
    if out.exists():
        state = _whole_old_or_new(out)
        assert state == "new" or killed
    else:
        assert step == "between-renames" and mode == "no-exchange"
    recover(out)
    _whole_old_or_new(out)
    write_set(out, NEW)  # and the next run works
    assert _whole_old_or_new(out) == "new"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


def test_no_older_file_stays_beside_the_new_set(tmp_path: Path) -> None:
    write_set(tmp_path / "out", OLD)
    write_set(tmp_path / "out", NEW)
    assert _content(tmp_path / "out") == NEW  # explanations.csv of the old run is gone


@pytest.mark.parametrize(("umask", "mode"), [(0o022, 0o644), (0o027, 0o640), (0o002, 0o664)])
def test_modes_follow_the_umask(tmp_path: Path, umask: int, mode: int) -> None:
    old = os.umask(umask)
    try:
        write_set(tmp_path / "out", NEW)
        write_set(tmp_path / "out", OLD)  # the replacing set too
        outputs.write_atomically(tmp_path / "single", {"apps.csv": b"x"})
    finally:
        os.umask(old)
    for path in [*(tmp_path / "out").iterdir(), tmp_path / "single" / "apps.csv"]:
        assert path.stat().st_mode & 0o777 == mode, path
    assert (tmp_path / "out").stat().st_mode & 0o777 == 0o777 & ~umask


def test_solve_output_modes_follow_the_umask(tmp_path: Path) -> None:
    old = os.umask(0o022)
    try:
        result = CliRunner().invoke(main, ["solve", "-q", "-o", str(tmp_path / "o")])
    finally:
        os.umask(old)
    assert result.exit_code == 0, result.output
    for name in ("awards.csv", "awards.xlsx", "summary.json"):
        assert (tmp_path / "o" / name).stat().st_mode & 0o777 == 0o644


def test_a_directory_with_other_files_is_refused_and_kept(tmp_path: Path) -> None:
    out = tmp_path / "mine"
    out.mkdir()
    (out / "notes.txt").write_text("my notes")
    (out / "summary.json").write_text("{}")
    with pytest.raises(InputError, match=r"notes\.txt"):
        write_set(out, NEW)
    assert (out / "notes.txt").read_text() == "my notes"
    assert (out / "summary.json").read_text() == "{}"
    result = CliRunner().invoke(main, ["solve", "-q", "-o", str(out)])
    assert result.exit_code == 2 and "did not write" in result.output
    assert sorted(p.name for p in out.iterdir()) == ["notes.txt", "summary.json"]


def test_a_file_added_to_an_output_set_is_refused(tmp_path: Path) -> None:
    out = tmp_path / "out"
    write_set(out, OLD)
    (out / "mine.txt").write_text("keep me")
    with pytest.raises(InputError, match=r"mine\.txt"):
        write_set(out, NEW)
    assert (out / "mine.txt").read_text() == "keep me"


def test_the_refusal_names_only_the_files_allocator_did_not_write(tmp_path: Path) -> None:
    out = tmp_path / "out"
    write_set(out, OLD)
    (out / "cash.csv").write_text("another command's file")
    with pytest.raises(InputError) as caught:
        write_set(out, NEW)
    message = str(caught.value)
    assert "cash.csv" in message
    assert not any(name in message for name in OLD)  # those are the set's own files


@pytest.mark.parametrize("command", ["payments", "social", "overview"])
def test_every_command_writes_one_set(tmp_path: Path, command: str) -> None:
    """payments, social and overview follow the same rules as solve: a manifest; a folder
    holding other files refused (exit 2, nothing written)."""
    run = tmp_path / "run"
    assert CliRunner().invoke(main, ["solve", "-q", "--no-xlsx", "-o", str(run)]).exit_code == 0
    extra = {"payments": ["--awards", str(run / "awards.csv")], "social": [], "overview": []}
    args = [command, *extra[command]]
    out = tmp_path / "out"
    result = CliRunner().invoke(main, [*args, "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert (out / MANIFEST).is_file()
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "notes.txt").write_text("my notes")
    result = CliRunner().invoke(main, [*args, "-o", str(mine)])
    assert result.exit_code == 2 and "notes.txt" in result.output
    assert [p.name for p in mine.iterdir()] == ["notes.txt"]


@pytest.mark.parametrize(
    "command",
    [
        ["payments", "--awards", "{run}/awards.csv"],
        ["social", "--awards", "{run}/awards.csv"],
        ["reallocate", "--awards", "{run}/awards.csv", "--withdrawn", "A001"],
        ["report", "scenarios/bar-35.yaml", "--no-prices", "--sweep", "{run}/sweep.csv"],
    ],
)
def test_a_set_the_command_reads_is_not_replaced(tmp_path: Path, command: list[str]) -> None:
    """``payments --awards out/awards.csv --out out`` would replace the award set it reads:
    refused before any work (exit 2, the input named), the set left as it was."""
    run = tmp_path / "run"
    if command[0] == "report":
        assert (
            CliRunner()
            .invoke(main, ["sweep", "--set", "impact_bar=9,17", "-o", str(run)])
            .exit_code
            == 0
        )
    else:
        assert CliRunner().invoke(main, ["solve", "-q", "-o", str(run)]).exit_code == 0
    before = {p.name: p.read_bytes() for p in run.iterdir()}
    root = Path(__file__).resolve().parents[1]
    args = [a.format(run=run) for a in command]
    args = [str(root / a) if a.startswith("scenarios/") else a for a in args]
    result = CliRunner().invoke(main, [*args, "-o", str(run)])
    assert result.exit_code == 2, result.output
    assert "which this command reads" in result.output
    assert {p.name: p.read_bytes() for p in run.iterdir()} == before


def test_the_current_directory_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    with pytest.raises(InputError, match="current directory"):
        write_set(".", NEW)
    result = CliRunner().invoke(main, ["solve", "-q", "-o", "."])
    assert result.exit_code == 2
    assert list(tmp_path.iterdir()) == []


def test_an_older_run_directory_without_manifest_is_ours(tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    for name, content in OLD.items():
        (out / name).write_bytes(content)
    write_set(out, NEW)
    assert _content(out) == NEW


def test_a_symlinked_output_directory_stays_a_link(tmp_path: Path) -> None:
    real = tmp_path / "real"
    write_set(real, OLD)
    (tmp_path / "link").symlink_to(real)
    write_set(tmp_path / "link", NEW)
    assert (tmp_path / "link").is_symlink() and _content(real) == NEW
