"""Write results. Every file is rendered in memory first.

- ``write_set`` replaces a run's output directory as one set: the files are written into a
  fresh sibling directory and switched in with one atomic step, so a reader (or a kill at
  any moment) sees the complete old set or the complete new set, never a mix.
- ``write_atomically`` writes single files (a generated CSV beside other files): each file
  appears whole or not at all.

Files get the mode a normal file gets (0666 less the umask), directories 0777 less the
umask. Identical inputs give byte-identical files: no clock time is written anywhere.
"""

from __future__ import annotations

import contextlib
import csv
import ctypes
import errno
import hashlib
import io
import json
import os
import secrets
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from ..errors import InputError, InputProblem

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")

MANIFEST = ".allocator-set.json"
"""Written last into every output set: the names and SHA-256 of the set's files. A
directory with it is an allocator output directory, to be replaced as a whole."""
RUN_FILE_NAMES = frozenset(
    {"awards.csv", "awards.xlsx", "summary.json", "shadow_prices.csv", "explanations.csv",
     "cards.md"}
)  # fmt: skip
"""What a run wrote before sets had a manifest: such a directory is ours too."""
NEW_TAG, OLD_TAG = ".allocator-new-", ".allocator-old-"


def neutralise(text: str) -> str:
    """Text from applications that a spreadsheet could read as a formula gets a leading '."""
    return "'" + text if text.startswith(FORMULA_START) else text


def unneutralise(text: str) -> str:
    """Exactly undo ``neutralise``: a ' is removed only where neutralise put it."""
    return text[1:] if text.startswith("'") and text[1:].startswith(FORMULA_START) else text


def neutralise_collisions(ids: Iterable[str]) -> list[tuple[str, str]]:
    """Pairs of distinct ids that read the same once neutralised (``=A020`` and ``'=A020``
    are both written ``'=A020``): an input error, the award table could not tell them
    apart. Each pair in input order, pairs in order of their second member."""
    first: dict[str, str] = {}
    out = []
    for app_id in ids:
        key = neutralise(app_id)
        seen = first.setdefault(key, app_id)
        if seen != app_id:
            out.append((seen, app_id))
    return out


def cell_text(value: Any) -> str:
    """A value as the CSV writer writes it (numbers read back exactly; text neutralised)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        # shortest text that reads back as exactly the same number: scale * C == amount
        return str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)
    return neutralise(str(value))


def render_csv(rows: Sequence[Mapping[str, Any]], columns: Sequence[str] | None = None) -> bytes:
    """CSV bytes (UTF-8, "\\n" line ends): a header of ``columns`` (default: the first row's
    keys), then one line per row, every cell as cell_text writes it (missing: empty)."""
    columns = list(columns or (list(rows[0]) if rows else []))
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow([cell_text(row.get(c)) for c in columns])
    return buf.getvalue().encode("utf-8")


def render_json(data: Mapping[str, Any]) -> bytes:
    return (json.dumps(data, indent=2, sort_keys=False, ensure_ascii=False) + "\n").encode("utf-8")


def _write_new(path: Path, content: bytes) -> None:
    """Create ``path`` (it must not exist) with mode 0666 & ~umask, content on disk."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    with os.fdopen(fd, "wb") as handle:
        handle.write(content)
        handle.flush()
        os.fsync(handle.fileno())


def _fsync_dir(path: Path) -> None:
    with contextlib.suppress(OSError):  # not every platform can open a directory
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def write_atomically(out_dir: str | Path, files: Mapping[str, bytes]) -> list[Path]:
    """Write every (name -> bytes) into ``out_dir``; each file appears whole or not at all
    (one by one: for a set that must change together, use write_set)."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for name, content in files.items():
        target = out / name
        tmp = out / f".{name}.{secrets.token_hex(6)}.tmp"
        try:
            _write_new(tmp, content)
            os.replace(tmp, target)
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise
        written.append(target)
    return written


# --- output sets ------------------------------------------------------------------------

STEP_HOOK: Callable[[str], None] | None = None
"""Called with the name of each step of write_set (tests inject faults here)."""


def _step(name: str) -> None:
    if STEP_HOOK is not None:
        STEP_HOOK(name)


def _exchange(a: Path, b: Path) -> bool:
    """Swap two paths in one atomic step (Linux renameat2 RENAME_EXCHANGE); False where the
    platform or file system cannot."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        return False
    at_fdcwd, rename_exchange = -100, 2
    renameat2.argtypes = [
        ctypes.c_int,
        ctypes.c_char_p,
        ctypes.c_int,
        ctypes.c_char_p,
        ctypes.c_uint,
    ]
    result = renameat2(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), rename_exchange)
    if result == 0:
        return True
    err = ctypes.get_errno()
    if err in (errno.ENOSYS, errno.EINVAL, errno.ENOTSUP, errno.EOPNOTSUPP):
        return False
    raise OSError(err, os.strerror(err), str(a), None, str(b))


def _siblings(out: Path, tag: str) -> list[Path]:
    return sorted(out.parent.glob(f".{out.name}{tag}*"))


def _listed(directory: Path) -> set[str]:
    """The names allocator wrote into ``directory``: its manifest's files and the manifest,
    or (a set from before manifests) the file names of a run."""
    manifest = directory / MANIFEST
    if not manifest.is_file():
        return set(RUN_FILE_NAMES)
    listed: set[str] = set()
    with contextlib.suppress(ValueError, OSError):
        listed = set(json.loads(manifest.read_text(encoding="utf-8")).get("files", {}))
    return listed | {MANIFEST}


def _owned_files(directory: Path) -> set[str] | None:
    """The files of ``directory`` that allocator wrote (None: it holds others too)."""
    names = {p.name for p in directory.iterdir()}
    return names if names <= _listed(directory) else None


def _remove_set(directory: Path) -> None:
    """Delete an old set: only the files allocator wrote; the directory only when empty."""
    owned = _owned_files(directory) or (
        {p.name for p in directory.iterdir()} & (RUN_FILE_NAMES | {MANIFEST})
    )
    for name in owned:
        with contextlib.suppress(FileNotFoundError, IsADirectoryError, PermissionError):
            (directory / name).unlink()
    with contextlib.suppress(OSError):
        directory.rmdir()  # left in place when it still holds someone else's file


def recover(out_dir: str | Path) -> None:
    """Finish a replacement that was killed half-way (only possible where the two paths
    cannot be exchanged atomically): OUT missing and an old set beside it -> the old set is
    put back. Unfinished new sets are removed."""
    out = Path(out_dir).absolute()
    olds = _siblings(out, OLD_TAG)
    if not out.exists() and olds:
        os.rename(olds[-1], out)
        olds = olds[:-1]
    for leftover in [*olds, *_siblings(out, NEW_TAG)]:
        if leftover.is_dir() and _owned_files(leftover) is not None:
            _remove_set(leftover)


def check_target(out_dir: str | Path, inputs: Sequence[str | Path | None] = ()) -> None:
    """Refuse an output directory allocator may not replace: the current directory (or one
    holding it), one holding files allocator did not write (the set replaces the whole
    directory, and nothing allocator did not write is ever deleted), or one holding a file
    the command reads (``inputs``: e.g. ``payments --awards out/awards.csv --out out`` would
    replace the award set it reads)."""
    out = Path(out_dir).absolute()
    if out.exists() and not out.is_dir():
        raise InputError([InputProblem(str(out_dir), "--out exists and is not a directory")])
    if not out.is_dir():
        return
    real = out.resolve()
    for given in inputs:
        path = None if given is None else Path(given).absolute().resolve()
        if path is not None and (path == real or real in path.parents):
            reason = (
                f"--out holds {given}, which this command reads; the output set replaces "
                "the whole directory: name another one"
            )
            raise InputError([InputProblem(str(out_dir), reason)])
    cwd = Path.cwd().resolve()
    if real == cwd or real in cwd.parents:
        reason = "--out is the current directory (or holds it): name one of its own, e.g. out"
        raise InputError([InputProblem(str(out_dir), reason)])
    if _owned_files(out) is None:
        foreign = sorted({p.name for p in out.iterdir()} - _listed(out))
        shown = ", ".join(foreign[:5]) + (", ..." if len(foreign) > 5 else "")
        reason = (
            f"--out holds files allocator did not write ({shown}); the output set replaces "
            "the whole directory: name a new or empty one"
        )
        raise InputError([InputProblem(str(out_dir), reason)])


def manifest_bytes(files: Mapping[str, bytes]) -> bytes:
    return render_json(
        {"files": {name: hashlib.sha256(files[name]).hexdigest() for name in sorted(files)}}
    )


def write_set(
    out_dir: str | Path, files: Mapping[str, bytes], inputs: Sequence[str | Path | None] = ()
) -> list[Path]:
    """Replace the directory ``out_dir`` by exactly ``files`` (name -> bytes), as one set.

    Steps: recover a killed earlier replacement; check the target (check_target); write every
    file and the manifest into a fresh sibling ``.OUT.allocator-new-XXXX``; swap it with OUT
    in one atomic step (renameat2 RENAME_EXCHANGE; a plain rename when OUT does not exist
    yet); delete the old set. Where the platform cannot swap, OUT is renamed to
    ``.OUT.allocator-old-XXXX`` and the new set renamed into place: a kill between the two
    leaves OUT missing, and the next write_set (or ``recover``) puts the old set back.
    """
    out = Path(out_dir)
    if out.is_symlink():
        out = out.resolve()  # replace what the link points to, keep the link
    out = out.absolute()
    recover(out)
    check_target(out, inputs)
    out.parent.mkdir(parents=True, exist_ok=True)
    tag = secrets.token_hex(6)
    new = out.parent / f".{out.name}{NEW_TAG}{tag}"
    os.mkdir(new, 0o777)
    try:
        for name, content in files.items():
            _step(f"write:{name}")
            _write_new(new / name, content)
        _step("write:manifest")
        _write_new(new / MANIFEST, manifest_bytes(files))
        _fsync_dir(new)
        _step("switch")
        if not out.exists():
            os.rename(new, out)
        elif _exchange(new, out):
            _step("switched")
            _remove_set(new)  # new now holds the old set
        else:
            old = out.parent / f".{out.name}{OLD_TAG}{tag}"
            os.rename(out, old)
            _step("between-renames")
            os.rename(new, out)
            _step("switched")
            _remove_set(old)
        _fsync_dir(out.parent)
    except BaseException:
        if new.is_dir():
            _remove_set(new)
        raise
    return [out / name for name in files]
