"""``allocator solve --constraints FILE.py``: a researcher's own constraints from a Python file.

The file is EXECUTED as Python code (it is a program, not data: run only files you trust),
in a module of its own, and must define ``constraints(m)``: the same function as
``solve(..., extra_constraints=fn)`` takes (CONTRACT.md, "Python API"; README): ``m.applications``
is the DataFrame of the eligible applications and ``m.add_constraint(name, coefficients,
sense, rhs)`` adds a row. A file that cannot be read, does not compile, fails while it runs or
lacks ``constraints`` is an input error naming the file (exit 2), as is a malformed
constraint (naming the constraint).
"""

from __future__ import annotations

import hashlib
import traceback
import types
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from .errors import InputError, InputProblem

if TYPE_CHECKING:
    from .families.custom import ConstraintBuilder

FUNCTION = "constraints"


def _problem(path: Path, reason: str) -> InputError:
    return InputError([InputProblem(str(path), reason)])


def load(path: str | Path) -> Callable[[ConstraintBuilder], None]:
    """The ``constraints`` function that the file at ``path`` defines (the file is run)."""
    path = Path(path)
    try:
        source = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise _problem(path, f"cannot read the constraints file: {exc}") from None
    try:
        code = compile(source, str(path), "exec")
    except SyntaxError as exc:
        raise _problem(path, f"line {exc.lineno}: {exc.msg}") from None
    module = types.ModuleType(f"allocator_constraints_{path.stem}")
    module.__file__ = str(path)
    try:
        exec(code, module.__dict__)
    except Exception as exc:
        raise _problem(path, f"the file fails while it runs: {_where(exc, path)}") from None
    fn = module.__dict__.get(FUNCTION)
    if not callable(fn):
        raise _problem(path, f"defines no function {FUNCTION}(m)")
    return _guarded(fn, path)


def _guarded(
    fn: Callable[[ConstraintBuilder], None], path: Path
) -> Callable[[ConstraintBuilder], None]:
    """``fn`` with an error inside it (other than a refused constraint) as an input error
    naming the file and line, not a crash of the command."""
    from .families.custom import CustomConstraintError

    def call(m: ConstraintBuilder) -> None:
        try:
            fn(m)
        except CustomConstraintError:
            raise  # names the constraint; the API turns it into an input error
        except Exception as exc:
            raise _problem(path, f"{FUNCTION}(m) fails: {_where(exc, path)}") from None

    return call


def _where(exc: Exception, path: Path) -> str:
    """``exc`` with the line of ``path`` it came from."""
    lines = [f.lineno for f in traceback.extract_tb(exc.__traceback__) if f.filename == str(path)]
    at = f" (line {lines[-1]})" if lines else ""
    return f"{type(exc).__name__}: {exc}{at}"


def sha256(path: str | Path) -> str:
    """The file's SHA-256 (hex), for the run history."""
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()
