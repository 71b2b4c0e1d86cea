"""Limits on what an input file may hold, checked before the expensive work.

An applications file, a region table or a scenario that passes these limits is read in time
and memory proportional to its size; one that does not is refused at once with an
:class:`~allocator.errors.InputError` naming the limit, never after minutes or gigabytes.
Each limit is generous for a real call for applications (a few hundred to a few thousand
applications) and far below what would hurt.

The value limits of CONTRACT.md (money, FTE) live with the models in
:mod:`allocator.domain` (``MAX_MONEY_EUR``, ``MAX_FTE``) and are re-exported here.
"""

from __future__ import annotations

from ..domain import MAX_FTE, MAX_MONEY_EUR

MAX_TABLE_BYTES = 100 * 1024 * 1024
"""An applications file or region table (CSV or XLSX) on disk: at most 100 MiB."""

MAX_ROWS = 200_000
"""Data rows (below the header) in a table: at most 200,000. Counted while streaming, before
any row is validated, so a file of a million rows is refused after reading 200,001."""

MAX_COLUMNS = 1_000
"""Columns in a table's header: at most 1,000."""

MAX_FIELD_CHARS = 10_000
"""Characters in one cell: at most 10,000 (a title, an id, a number)."""

MAX_XLSX_UNCOMPRESSED_BYTES = 300 * 1024 * 1024
"""An XLSX is a zip: the sizes its central directory declares for its parts, unpacked, may add
up to at most 300 MiB. Checked before the workbook is opened (a 417 KB file can unpack to
400 MB); Python's zipfile never unpacks a part past its declared size."""

MAX_XLSX_SHARED_STRINGS_BYTES = 50 * 1024 * 1024
"""An XLSX's shared-strings part (all its texts, read into memory at once on opening) may
unpack to at most 50 MiB."""

MAX_YAML_BYTES = 1024 * 1024
"""A scenario file: at most 1 MiB."""

MAX_YAML_DEPTH = 20
"""Nesting of mappings and lists in a scenario file: at most 20 levels (a scenario needs 2)."""

MAX_YAML_NODES = 100_000
"""Values (scalars, mappings, lists) in a scenario file: at most 100,000."""

SEED_HIGHEST_BAR_FTE_PER_MEUR = 35.0
"""The highest impact bar the seeds discuss (Gupta scenario C: 35 FTE per EUR 1M)."""

PLAUSIBLE_FTE_PER_MEUR = 5 * SEED_HIGHEST_BAR_FTE_PER_MEUR
"""Above 175 FTE per EUR 1M (5x the highest bar of the seeds) an application is possible
but implausible (a typo in fte or in a cost?): it is warned about by application_id and the
run goes on - the assessor's call, not the program's (CONTRACT.md, Eligibility)."""

MONEY_DECIMALS = 2
"""Money is awarded in whole cents: a money value with more decimals is an input error."""

__all__ = [
    "MAX_COLUMNS",
    "MAX_FIELD_CHARS",
    "MAX_FTE",
    "MAX_MONEY_EUR",
    "MAX_ROWS",
    "MAX_TABLE_BYTES",
    "MAX_XLSX_SHARED_STRINGS_BYTES",
    "MAX_XLSX_UNCOMPRESSED_BYTES",
    "MAX_YAML_BYTES",
    "MAX_YAML_DEPTH",
    "MAX_YAML_NODES",
    "MONEY_DECIMALS",
    "PLAUSIBLE_FTE_PER_MEUR",
    "SEED_HIGHEST_BAR_FTE_PER_MEUR",
]
