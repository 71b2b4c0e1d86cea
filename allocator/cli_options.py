"""Options every command that reads a submission shares (one definition, one help text)."""

from __future__ import annotations

import click

APPLICATIONS = click.option(
    "--applications",
    "-a",
    type=click.Path(dir_okay=False),
    help="CSV or XLSX; default: the shipped sample",
)
SCENARIO = click.option(
    "--scenario",
    "-s",
    type=click.Path(dir_okay=False),
    help="YAML; default: scenarios/baseline.yaml",
)
