"""A YAML reader for scenario files that never guesses and cannot be blown up.

On top of PyYAML's safe loader it refuses, with an :class:`~allocator.errors.InputError`
naming the line:

- anchors and aliases (``&a`` / ``*a``): a scenario never needs them, and a 1 KB file of
  nested aliases ("billion laughs") would otherwise expand to gigabytes;
- nesting deeper than :data:`~allocator.io.limits.MAX_YAML_DEPTH` and more than
  :data:`~allocator.io.limits.MAX_YAML_NODES` values (no RecursionError, no memory blow-up);
- a key repeated in one mapping (PyYAML silently keeps the last one);
- a file larger than :data:`~allocator.io.limits.MAX_YAML_BYTES`, or not UTF-8 text.

It reads ``6e8`` as the number 600,000,000 (YAML 1.2; PyYAML's YAML 1.1 would read text).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml
from yaml.nodes import MappingNode

from ..errors import InputError, InputProblem
from .limits import MAX_YAML_BYTES, MAX_YAML_DEPTH, MAX_YAML_NODES


class _Refused(yaml.YAMLError):
    def __init__(self, reason: str, mark: Any = None, key: str | None = None):
        super().__init__(reason)
        self.reason = reason
        self.line = None if mark is None else mark.line + 1
        self.key = key


class _Loader(yaml.SafeLoader):
    """SafeLoader without aliases, with bounded depth and size, and without duplicate keys."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self._depth = 0
        self._nodes = 0

    def compose_node(self, parent: Any, index: Any) -> Any:
        # types-PyYAML leaves the parser's peek_event unannotated; it returns the next event
        peek: Callable[[], yaml.Event] = self.peek_event
        event = peek()
        if isinstance(event, yaml.AliasEvent):
            raise _Refused(
                "aliases (*name) are not allowed in a scenario file: write the value out",
                event.start_mark,
            )
        if getattr(event, "anchor", None) is not None:
            raise _Refused(
                "anchors (&name) and aliases are not allowed in a scenario file: write the "
                "value out",
                event.start_mark,
            )
        self._nodes += 1
        if self._nodes > MAX_YAML_NODES:
            raise _Refused(
                f"more than {MAX_YAML_NODES:,} values (the limit for a scenario file)",
                event.start_mark,
            )
        self._depth += 1
        try:
            if self._depth > MAX_YAML_DEPTH:
                raise _Refused(
                    f"nested more than {MAX_YAML_DEPTH} levels deep (the limit for a scenario "
                    "file)",
                    event.start_mark,
                )
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1

    def construct_mapping(self, node: Any, deep: bool = False) -> Any:
        if isinstance(node, MappingNode):
            seen: dict[Any, int] = {}
            for key_node, _ in node.value:
                key = self.construct_object(key_node, deep=True)
                try:
                    first = seen.get(key)
                except TypeError:  # an unhashable key: PyYAML's own error follows
                    continue
                line = key_node.start_mark.line + 1
                if first is not None:
                    raise _Refused(
                        f"duplicate key {key!r} on line {line} (first on line {first}): "
                        "a repeated key would silently take the last value; keep one",
                        key_node.start_mark,
                        str(key),
                    )
                seen[key] = line
        return super().construct_mapping(node, deep=deep)


# YAML 1.2 floats without a dot (6e8, 1E+9): PyYAML's YAML 1.1 resolver would read them as text
_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:float",
    re.compile(r"^[-+]?[0-9][0-9_]*(?:\.[0-9_]*)?[eE][-+]?[0-9]+$"),
    list("-+0123456789"),
)


def load_yaml_text(text: str, file: str) -> Any:
    """Parse YAML text; every refusal is an InputError naming ``file`` and the line."""
    loader = None
    try:
        loader = _Loader(text)  # the reader checks the characters already here
        loader.name = file  # marks in PyYAML's messages name the file
        return loader.get_single_data()
    except _Refused as exc:
        where = f" (line {exc.line})" if exc.line is not None and exc.key is None else ""
        raise InputError([InputProblem(file, exc.reason + where, column=exc.key)]) from None
    except yaml.YAMLError as exc:
        raise InputError([InputProblem(file, f"not valid YAML: {exc}")]) from None
    except RecursionError:  # cannot happen within MAX_YAML_DEPTH; never a traceback
        raise InputError([InputProblem(file, "not valid YAML: nested too deep")]) from None
    finally:
        if loader is not None:
            loader.dispose()


def load_yaml_file(path: str | Path) -> Any:
    """Read and parse a YAML file within the limits (size first, then UTF-8, then YAML)."""
    path = Path(path)
    file = str(path)
    if not path.is_file():
        raise InputError([InputProblem(file, "file not found")])
    try:
        size = path.stat().st_size
        if size > MAX_YAML_BYTES:
            raise InputError(
                [
                    InputProblem(
                        file,
                        f"the file is {size:,} bytes, more than the limit of "
                        f"{MAX_YAML_BYTES:,} for a scenario file",
                    )
                ]
            )
        data = path.read_bytes()
    except OSError as exc:
        raise InputError([InputProblem(file, f"cannot read the file: {exc}")]) from None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        bad = data[exc.start : exc.start + 1].hex()
        raise InputError(
            [
                InputProblem(
                    file,
                    f"not UTF-8 text (byte 0x{bad} on line {line}): save the file as UTF-8",
                )
            ]
        ) from None
    return load_yaml_text(text, file)
