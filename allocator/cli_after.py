"""Command line after the award: ``allocator social | payments | reallocate``.

Standalone click commands; allocator/cli.py registers them on its group."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from .errors import InputError

EXIT_INPUT = 2
EXIT_NO_SOLUTION = 3


def _fail_input(exc: InputError) -> None:
    click.echo(exc.render(limit=200), err=True)
    sys.exit(EXIT_INPUT)


def _load(applications: str | None, scenario: str | None):  # type: ignore[no-untyped-def]
    from .cli import _load as load

    return load(applications, scenario)


def _region_table(regions: str | None):  # type: ignore[no-untyped-def]
    from .catalog import SHIPPED_REGION_TABLES, shipped_regions
    from .io.inputs import load_regions

    if regions is None:
        return shipped_regions()
    if regions in SHIPPED_REGION_TABLES:
        return shipped_regions(regions)
    return load_regions(Path(regions))


@click.command()
@click.option(
    "--regions",
    "-r",
    default=None,
    help="region table CSV, or a shipped one: provinces (default) or ggd",
)
@click.option(
    "--key",
    "key_file",
    type=click.Path(dir_okay=False),
    default=None,
    help="CSV/XLSX region,weight: distribute by these weights instead of population",
)
@click.option(
    "--awards",
    type=click.Path(dir_okay=False),
    default=None,
    help="an awards.csv: the per-region view also shows the Zvw awards",
)
@click.option(
    "--applications", "-a", type=click.Path(dir_okay=False), help="with --awards; default: sample"
)
@click.option("--out", "-o", type=click.Path(file_okay=False), required=True)
@click.option("--quiet", "-q", is_flag=True, help="no table on the terminal")
def social(regions, key_file, awards, applications, out, quiet) -> None:  # type: ignore[no-untyped-def]
    """The social domain's EUR 200M (SPUK AZWA: EUR 100M in 2027 and in 2028) per region:
    social.csv (region, year, amount in whole euros) and social_regions.csv (per region, EUR
    and EUR per inhabitant)."""
    from . import social as soc
    from .io.outputs import render_csv, write_atomically

    try:
        table = _region_table(regions)
        key = soc.read_key(key_file, table) if key_file else None
        rows = soc.distribute(table, key)
        zvw = None
        if awards:
            from .catalog import sample_applications_path
            from .io.inputs import load_submission

            apps_file = Path(applications) if applications else sample_applications_path()
            submission = load_submission(apps_file, table)
            zvw = soc.zvw_by_region(awards, submission.applications, table)
        view = soc.per_region(table, rows, zvw)
    except InputError as exc:
        _fail_input(exc)
        return
    except KeyError as exc:
        raise click.UsageError(str(exc)) from exc
    write_atomically(
        out,
        {
            "social.csv": render_csv(rows, soc.SOCIAL_COLUMNS),
            "social_regions.csv": render_csv(view),
        },
    )
    if not quiet:
        basis = f"key {key_file}" if key_file else "population"
        click.echo(f"social domain (SPUK AZWA) over {table.name!r} by {basis}:")
        for row in view:
            click.echo(
                f"  {row['region']:<8} {str(row['name'])[:22]:<22} "
                f"EUR {row['social_total']:>12,}  EUR {row['social_per_inhabitant']:>7.2f}/inh."
            )
        click.echo(f"written to {out}/social.csv and social_regions.csv")
