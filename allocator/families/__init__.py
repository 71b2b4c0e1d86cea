"""The registry of constraint families, in a fixed order (the order their rows are built).

Every kind of board rule is one object in one module of this package (base.py: ``Family``).
The rest of the program asks the registry instead of naming families: build_problem and
build_mip build the rows of each family in turn, explain.py prices the ``priced`` ones,
diagnose.py relaxes the ``elastic`` ones, narrative.describe_constraint asks ``describe``,
the walks honour the caps of the ``walks_honour`` ones, verify.py reports the rules only the
optimum keeps. A new family is a new module with a ``Family`` object, listed here (or added
at run time with ``register``).
"""

from __future__ import annotations

from ..model.problem import ConstraintInfo
from .base import BuildContext, Family
from .ceiling import CEILING
from .custom import CUSTOM
from .exclusive import EXCLUSIVE
from .locks import LOCKS
from .region import REGION
from .region_min import REGION_MIN
from .theme import THEME
from .theme_floor import THEME_FLOOR
from .year import YEAR

FAMILIES: list[Family] = [
    CEILING,
    THEME,
    YEAR,
    REGION,
    THEME_FLOOR,
    REGION_MIN,
    EXCLUSIVE,
    LOCKS,
    CUSTOM,
]
"""Every family, in the order build_problem builds them (row order is part of the output)."""


_PREFIXES: tuple[tuple[int, ...], dict[str, Family]] = ((), {})
"""The prefix map of the registry as it was last read: (ids of FAMILIES, prefix -> family)."""


def _by_prefix() -> dict[str, Family]:
    """Prefix -> family, built again only when the registry changed (a family registered or
    taken out: FAMILIES is read afresh, never assumed fixed)."""
    global _PREFIXES
    key = tuple(map(id, FAMILIES))
    if _PREFIXES[0] != key:
        out: dict[str, Family] = {}
        for family in FAMILIES:
            for prefix in (family.name, *family.prefixes):
                out.setdefault(prefix, family)
        _PREFIXES = (key, out)
    return _PREFIXES[1]


def family_of(row: str | ConstraintInfo) -> Family | None:
    """The family of a row: by its ConstraintInfo's family, or by the prefix of a row name
    (``theme:ai`` -> theme; ``must_fund:A001`` -> locks). None: no registered family (scale
    links, totals, or a custom row looked up by its own name)."""
    key = row.family if isinstance(row, ConstraintInfo) else row.partition(":")[0]
    return _by_prefix().get(key)


def register(family: Family, before: Family | None = CUSTOM) -> Family:
    """Add a family to the registry (before ``before``; None: at the end); returns it."""
    if any(f.name == family.name for f in FAMILIES):
        raise ValueError(f"a family named {family.name!r} is already registered")
    FAMILIES.insert(FAMILIES.index(before) if before in FAMILIES else len(FAMILIES), family)
    return family


def unregister(family: Family) -> None:
    """Take a family out of the registry (a test's toy family)."""
    FAMILIES.remove(family)


__all__ = [
    "CEILING",
    "CUSTOM",
    "EXCLUSIVE",
    "FAMILIES",
    "LOCKS",
    "REGION",
    "REGION_MIN",
    "THEME",
    "THEME_FLOOR",
    "YEAR",
    "BuildContext",
    "Family",
    "family_of",
    "register",
    "unregister",
]
