"""docs/api.md from the docstrings: the public API (``allocator.__all__``), the attributes
and methods of ``Result``, ``Scenario.from_yaml`` and ``Scenario.replace``, and the extension
hook ``extra_constraints`` (``ConstraintBuilder``).

    python -m allocator.docs            # write docs/api.md
    python -m allocator.docs --check    # exit 1 when docs/api.md is out of step

tests/test_docs_api.py fails when the file differs from what ``render()`` gives now, so a
changed docstring or signature is a changed docs/api.md in the same commit. Signatures and
field types are the annotations as written in the source (every module of the API uses
``from __future__ import annotations``), so the page does not depend on the Python version.
A public name without a docstring shows as such (``undocumented`` lists them; the test
allows none beyond its known list).
"""

from __future__ import annotations

import ast
import dataclasses
import enum
import inspect
import sys
import textwrap
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from pydantic import BaseModel
from pydantic_core import PydanticUndefined

API_DOC = Path(__file__).resolve().parents[1] / "docs" / "api.md"
"""Where the page lives in a checkout (the package's parent folder is the repository)."""

INTRO = """\
Money is in EUR, FTE (full-time equivalents) is staff time saved, and a shadow price is FTE
per EUR 1M (the FTE one more EUR 1,000,000 under a cap would save). Every answer is plain
data: numbers, strings, pandas DataFrames indexed by domain ids; no solver object leaks out.
The lower layers (`allocate`, `load_submission` ...) stay importable for tools.

```python
import allocator as al

apps = al.read_applications("allocator/data/sample_applications.csv")
sc = al.Scenario.from_yaml("scenarios/baseline.yaml")
res = al.solve(apps, sc.replace(impact_bar=9), extra_constraints=lambda m: None)
res.status, res.objective_fte, res.awards, res.constraints, res.explain("A021")
```
"""


UNDOCUMENTED = "*(no docstring)*"


def _doc(obj: object, name: str) -> str:
    text = inspect.getdoc(obj)
    return text or UNDOCUMENTED


def undocumented(text: str) -> list[str]:
    """The headings of ``text`` (a rendered page) whose entry has no docstring."""
    out, heading = [], ""
    for line in text.splitlines():
        if line.startswith("#"):
            heading = line.lstrip("#").strip()
        elif line == UNDOCUMENTED:
            out.append(heading)
    return out


class _Plain(ast.NodeTransformer):
    """``Annotated[T, validators...]`` -> ``T``: the validators are the model's business."""

    def visit_Subscript(self, node: ast.Subscript) -> ast.AST:
        if isinstance(node.value, ast.Name) and node.value.id == "Annotated":
            inner = node.slice.elts[0] if isinstance(node.slice, ast.Tuple) else node.slice
            result: ast.AST = self.visit(inner)
            return result
        return self.generic_visit(node)


def _annotation(value: object) -> str:
    """An annotation as written in the source (a string under postponed evaluation), with
    ``Annotated`` metadata left out."""
    if isinstance(value, str):
        if "Annotated[" not in value:
            return value
        return ast.unparse(_Plain().visit(ast.parse(value, mode="eval")))
    if isinstance(value, type):
        return value.__qualname__
    return inspect.formatannotation(value)


def _signature(func: Callable[..., Any], skip_self: bool = False) -> str:
    """``(a: int, b: str = 'x', *, c: float = 1.0) -> R`` with the source's annotations."""
    sig = inspect.signature(func)
    parts: list[str] = []
    star_done = False
    for k, param in enumerate(sig.parameters.values()):
        if skip_self and k == 0:
            continue
        if param.kind is param.KEYWORD_ONLY and not star_done:
            parts.append("*")
            star_done = True
        text = param.name
        if param.kind is param.VAR_POSITIONAL:
            text, star_done = "*" + text, True
        elif param.kind is param.VAR_KEYWORD:
            text = "**" + text
        if param.annotation is not param.empty:
            text += f": {_annotation(param.annotation)}"
        if param.default is not param.empty:
            text += f" = {param.default!r}"
        parts.append(text)
    returns = ""
    if sig.return_annotation is not sig.empty:
        returns = f" -> {_annotation(sig.return_annotation)}"
    return f"({', '.join(parts)}){returns}"


def _attribute_docs(cls: type) -> dict[str, str]:
    """name -> the docstring written under an annotated class attribute (or, failing that,
    its comment on the same line), for ``cls`` and its bases in the package."""
    docs: dict[str, str] = {}
    for klass in reversed(cls.__mro__):
        if not klass.__module__.startswith("allocator"):
            continue
        try:
            source = textwrap.dedent(inspect.getsource(klass))
        except (OSError, TypeError):
            continue
        lines = source.splitlines()
        body = ast.parse(source).body[0]
        assert isinstance(body, ast.ClassDef)
        for node, after in zip(body.body, [*body.body[1:], None]):
            if not isinstance(node, ast.AnnAssign) or not isinstance(node.target, ast.Name):
                continue
            name = node.target.id
            if (
                isinstance(after, ast.Expr)
                and isinstance(after.value, ast.Constant)
                and isinstance(after.value.value, str)
            ):
                docs[name] = inspect.cleandoc(after.value.value)
            elif "  # " in lines[node.end_lineno - 1 if node.end_lineno else node.lineno - 1]:
                line = lines[(node.end_lineno or node.lineno) - 1]
                docs[name] = line.split("  # ", 1)[1].strip()
    return docs


def _one_line(text: str) -> str:
    return " ".join(text.split()).replace("|", "\\|")


def _default(value: object) -> str:
    if value is PydanticUndefined or value is dataclasses.MISSING:
        return ""
    if isinstance(value, enum.Enum):
        return f"{type(value).__name__}.{value.name}"
    return repr(value)


def _fields(cls: type) -> Iterator[tuple[str, str, str, str]]:
    """(name, type, default, description) of each public field of a model or dataclass."""
    docs = _attribute_docs(cls)
    annotations: dict[str, object] = {}
    for klass in reversed(cls.__mro__):
        annotations.update(getattr(klass, "__annotations__", {}))
    if isinstance(cls, type) and issubclass(cls, BaseModel):
        for name, info in cls.model_fields.items():
            required = info.is_required()
            value = (
                None if required else info.get_default(call_default_factory=True, validated_data={})
            )
            default = "" if required else _default(value)
            words = info.description or docs.get(name, "")
            yield name, _annotation(annotations.get(name, info.annotation)), default, words
    elif dataclasses.is_dataclass(cls):
        for f in dataclasses.fields(cls):
            if f.name.startswith("_"):
                continue
            if f.default_factory is not dataclasses.MISSING:
                default = repr(f.default_factory())
            else:
                default = _default(f.default)
            yield f.name, _annotation(f.type), default, docs.get(f.name, "")
    else:
        for name, value in docs.items():
            if not name.startswith("_"):
                yield name, _annotation(annotations.get(name, "")), "", value


def _members(cls: type) -> Iterator[tuple[str, object]]:
    """Public methods, properties and class methods defined on ``cls`` itself."""
    for name, value in vars(cls).items():
        if name.startswith("_") or name.startswith("model_"):
            continue
        if isinstance(value, (staticmethod, classmethod)):
            yield name, value.__func__
        elif isinstance(value, property) or inspect.isfunction(value):
            yield name, value


def _class(name: str, cls: type, qualifier: str = "") -> list[str]:
    out = [f"### class `{qualifier}{name}`", "", f"`{cls.__module__}`", "", _doc(cls, name), ""]
    if issubclass(cls, enum.Enum):
        out += ["| member | value |", "| --- | --- |"]
        out += [f"| `{m.name}` | `{m.value!r}` |" for m in cls]
        out.append("")
    else:
        fields = list(_fields(cls))
        if fields:
            out += ["| attribute | type | default | meaning |", "| --- | --- | --- | --- |"]
            out += [
                f"| `{f}` | `{_one_line(t)}` | {f'`{_one_line(d)}`' if d else ''} | "
                f"{_one_line(words)} |"
                for f, t, d, words in fields
            ]
            out.append("")
    for member, value in _members(cls):
        where = f"{qualifier}{name}.{member}"
        if isinstance(value, property):
            getter = value.fget
            assert getter is not None
            returns = inspect.signature(getter).return_annotation
            kind = f" -> {_annotation(returns)}" if returns is not inspect.Signature.empty else ""
            out += [f"#### `{where}`{kind} (property)", "", _doc(getter, where), ""]
        else:
            assert callable(value)
            is_method = not isinstance(vars(cls)[member], (staticmethod, classmethod))
            signature = _signature(value, skip_self=True) if is_method else _signature(value)
            if isinstance(vars(cls)[member], classmethod):
                signature = _signature(value, skip_self=True)
            out += [f"#### `{where}{signature}`", "", _doc(value, where), ""]
    return out


def _function(name: str, func: Callable[..., Any]) -> list[str]:
    return [
        f"### `{name}{_signature(func)}`",
        "",
        f"`{func.__module__}`",
        "",
        _doc(func, name),
        "",
    ]


def render() -> str:
    """The text of docs/api.md, from the docstrings and signatures as they are now."""
    import allocator
    from allocator.families.custom import ConstraintBuilder

    functions, classes = [], []
    for name in allocator.__all__:
        obj = getattr(allocator, name)
        if isinstance(obj, type):
            classes.append((name, obj))
        elif callable(obj):
            functions.append((name, obj))
        else:
            raise TypeError(f"allocator.{name} is neither a class nor a function")
    out = [
        "# Python API",
        "",
        "<!-- generated by `python -m allocator.docs` from the docstrings; do not edit by hand:",
        "     tests/test_docs_api.py fails when this file is out of step -->",
        "",
        _doc(allocator, "allocator").split("\n\n", 1)[0],
        "",
        INTRO,
        "## Functions (`allocator.__all__`)",
        "",
    ]
    for name, func in functions:
        out += _function(name, func)
    out += ["## Classes (`allocator.__all__`)", ""]
    for name, cls in classes:
        out += _class(name, cls)
    hook = _doc(sys.modules["allocator.families.custom"], "allocator.families.custom")
    out += [
        "## Extension hook: `extra_constraints`",
        "",
        "`solve(..., extra_constraints=fn)` calls `fn(m)` once, before solving, with `m` a "
        "`ConstraintBuilder`.",
        "",
        hook,
        "",
    ]
    out += _class("ConstraintBuilder", ConstraintBuilder)
    return "\n".join(out).rstrip("\n") + "\n"


def main(argv: list[str] | None = None) -> int:
    """Write docs/api.md (or ``--check`` it, exit 1 when out of step); ``--out PATH``
    writes elsewhere."""
    args = list(sys.argv[1:] if argv is None else argv)
    check = "--check" in args
    target = API_DOC
    if "--out" in args:
        target = Path(args[args.index("--out") + 1])
    text = render()
    if check:
        current = target.read_text(encoding="utf-8") if target.exists() else ""
        if current != text:
            print(f"{target} is out of step: run python -m allocator.docs", file=sys.stderr)
            return 1
        return 0
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text, encoding="utf-8")
    print(f"wrote {target}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
