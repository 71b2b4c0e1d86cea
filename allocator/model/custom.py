"""A researcher's own constraints: the ``custom`` family lives in families/custom.py; the
names here stay importable for the API and the command line."""

from __future__ import annotations

from ..families.custom import (
    CUSTOM,
    FAMILY,
    NAME,
    SENSES,
    ConstraintBuilder,
    CustomConstraintError,
    ExtraConstraints,
)

__all__ = [
    "CUSTOM",
    "FAMILY",
    "NAME",
    "SENSES",
    "ConstraintBuilder",
    "CustomConstraintError",
    "ExtraConstraints",
]
