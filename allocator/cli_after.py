"""Command line after the award: ``allocator social | payments | reallocate``.

Standalone click commands; allocator/cli.py registers them on its group."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

import click

from .cli_options import APPLICATIONS, SCENARIO
from .errors import InputError, SolverUnavailable

if TYPE_CHECKING:
    from .domain import RegionTable, Scenario
    from .io.inputs import Submission

EXIT_INPUT = 2
EXIT_NO_SOLUTION = 3


def _fail_input(exc: InputError) -> NoReturn:
    click.echo(exc.render(limit=200), err=True)
    sys.exit(EXIT_INPUT)


def _load(
    applications: str | None, scenario: str | None
) -> tuple[Scenario, RegionTable, Submission]:
    from .cli import _load as load

    return load(applications, scenario)


def _region_table(regions: str | None) -> RegionTable:
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
def social(
    regions: str | None,
    key_file: str | None,
    awards: str | None,
    applications: str | None,
    out: str,
    quiet: bool,
) -> None:
    """The social domain's EUR 200M (SPUK AZWA: EUR 100M in 2027 and in 2028) per region:
    social.csv (region, year, amount in whole euros) and social_regions.csv (per region, EUR
    and EUR per inhabitant)."""
    from . import social as soc
    from .io.outputs import check_target, render_csv, write_set

    try:
        check_target(out, (awards, key_file))
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
        write_set(
            Path(out),
            {
                "social.csv": render_csv(rows, soc.SOCIAL_COLUMNS),
                "social_regions.csv": render_csv(view),
            },
            (awards, key_file),
        )
    except InputError as exc:
        _fail_input(exc)
    except KeyError as exc:
        raise click.UsageError(str(exc)) from exc
    if not quiet:
        basis = f"key {key_file}" if key_file else "population"
        click.echo(f"social domain (SPUK AZWA) over {table.name!r} by {basis}:")
        for row in view:
            click.echo(
                f"  {row['region']:<8} {str(row['name'])[:22]:<22} "
                f"EUR {row['social_total']:>12,}  EUR {row['social_per_inhabitant']:>7.2f}/inh."
            )
        click.echo(f"written to {out}/social.csv and social_regions.csv")


@click.command()
@click.option(
    "--awards", type=click.Path(dir_okay=False), required=True, help="awards.csv (or .xlsx)"
)
@APPLICATIONS
@SCENARIO
@click.option("--out", "-o", type=click.Path(file_okay=False), required=True)
@click.option("--quiet", "-q", is_flag=True, help="no cash table on the terminal")
def payments(
    awards: str, applications: str | None, scenario: str | None, out: str, quiet: bool
) -> None:
    """Payment schedule of an award set per application, milestone and year (payments.csv,
    cash.csv, payments.xlsx): to the cent, adding up to each award and to scale x cost per
    year; the cash view per year against the scenario's year budgets."""
    from . import payments as pay
    from .catalog import model_plans
    from .io.outputs import check_target, render_csv, write_set
    from .io.xlsx import STYLE_DECIMAL, STYLE_MONEY, render_xlsx

    try:
        check_target(out, (awards,))
        scen, _, submission = _load(applications, scenario)
        table = pay.read_award_set(awards, submission.applications)
    except InputError as exc:
        _fail_input(exc)
    apps = submission.applications
    rows = pay.payment_rows(apps, table, model_plans())
    wrong = pay.check_schedule(apps, table, rows)
    if wrong:  # cannot happen by construction; never write a schedule that does not add up
        raise click.ClickException("the schedule does not add up: " + "; ".join(wrong[:5]))
    cash = pay.cash_view(rows, scen)
    per_app = pay.per_application(apps, table, rows)
    money = ("amount", "budget", "paid", "left", "awarded_amount", "cumulative_budget",
             "cumulative_paid", "cumulative_left")  # fmt: skip
    styles = {c: STYLE_MONEY for c in money} | {"scale": STYLE_DECIMAL}
    styles |= {k: STYLE_MONEY for r in per_app[:1] for k in r if k.startswith("paid:")}
    files = {
        "payments.csv": render_csv(rows, pay.PAYMENT_COLUMNS),
        "cash.csv": render_csv(cash),
        "payments.xlsx": render_xlsx(
            [
                ("payments", rows, pay.PAYMENT_COLUMNS),
                ("per application", per_app, None),
                ("cash per year", cash, None),
            ],
            styles=styles,
        ),
    }
    try:
        write_set(Path(out), files, (awards,))
    except InputError as exc:  # the target changed since it was checked
        _fail_input(exc)
    if not quiet:
        click.echo(f"{len(per_app)} awarded applications, {len(rows)} payments; cash per year:")
        for r in cash:
            budget = "-" if r["budget"] is None else f"{r['budget']:,.2f}"
            click.echo(f"  {r['year']}: paid EUR {r['paid']:>16,.2f} of {budget}")
        click.echo(f"written to {out}/payments.csv, cash.csv and payments.xlsx")


@click.command()
@click.option(
    "--awards", type=click.Path(dir_okay=False), required=True, help="awards.csv (or .xlsx)"
)
@click.option(
    "--withdrawn", default="", help="ID[,ID...]: applications that drop out (or --underspend)"
)
@click.option(
    "--underspend",
    type=click.Path(dir_okay=False),
    default=None,
    help="CSV application_id,year,amount: EUR of an award not spent (returned to its budgets)",
)
@APPLICATIONS
@SCENARIO
@click.option("--out", "-o", type=click.Path(file_okay=False), required=True)
@click.option(
    "--solver", default=None, help="backend (see `allocator solvers`); default: fastest measured"
)
@click.option("--time-limit", type=float, default=None, help="solver limit in seconds")
@click.option("--xlsx/--no-xlsx", default=True, show_default=True, help="also write awards.xlsx")
@click.option("--quiet", "-q", is_flag=True, help="no diff on the terminal")
def reallocate(
    awards: str,
    withdrawn: str,
    underspend: str | None,
    applications: str | None,
    scenario: str | None,
    out: str,
    solver: str | None,
    time_limit: float | None,
    xlsx: bool,
    quiet: bool,
) -> None:
    """Withdraw applications from an award set and award the freed money optimally among the
    applications not funded in full; no other award goes down. Writes the files of `solve`
    plus diff.csv (who gains, how much)."""
    from . import reallocate as re_
    from .backends import DEFAULT_SOLVER
    from .domain import RunOptions
    from .io.outputs import check_target, render_csv, write_set
    from .run_output import render_run

    inputs = (awards, underspend)
    try:
        check_target(out, inputs)
        scen, regions, submission = _load(applications, scenario)
        ids = (
            re_.parse_withdrawn(withdrawn, submission.applications)
            if withdrawn or underspend is None
            else []
        )
        options = RunOptions(solver=solver or DEFAULT_SOLVER, time_limit_s=time_limit)
        done = re_.reallocate(
            submission.applications, scen, regions, awards, ids, options, underspend
        )
    except InputError as exc:
        _fail_input(exc)
    except re_.AwardSetBreaksRules as exc:
        click.echo(f"{awards}: refused, the award set breaks the scenario's rules:", err=True)
        for line in exc.violations:
            click.echo(f"  - {line}", err=True)
        sys.exit(EXIT_INPUT)
    except SolverUnavailable as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(EXIT_INPUT)
    alloc = done.allocation
    files = render_run(alloc, xlsx=xlsx)
    diff = done.diff_rows()
    if alloc.result.status.has_solution:
        files["diff.csv"] = render_csv(diff, re_.DIFF_COLUMNS)
    try:
        write_set(Path(out), files, inputs)
    except InputError as exc:  # the target changed since it was checked
        _fail_input(exc)
    for note in done.notes:
        click.echo(f"note: {note}", err=True)
    if not alloc.result.status.has_solution:
        click.echo(f"no award set: {alloc.result.status.value}. {alloc.result.message}", err=True)
        for line in alloc.result.conflicts:
            click.echo(f"  - {line}", err=True)
        sys.exit(EXIT_NO_SOLUTION)
    if not quiet:
        gained = sum(float(r["fte_gained"]) for r in diff if r["change"] != "withdrawn")
        lost = -sum(float(r["fte_gained"]) for r in diff if r["change"] == "withdrawn")
        click.echo(
            f"{alloc.result.status.value}: withdrawn {len(ids)} ({lost:,.3f} FTE), "
            f"re-awarded {gained:,.3f} FTE; total {alloc.result.objective_fte:,.3f} FTE"
        )
        for r in diff:
            click.echo(
                f"  {r['application_id']:<12} {r['change']:<13} scale {r['old_scale']:.4f} -> "
                f"{r['new_scale']:.4f}  EUR {r['amount_gained']:>+16,.2f}  "
                f"FTE {r['fte_gained']:>+9.3f}"
            )
        click.echo(f"written to {out} (the files of solve, plus diff.csv)")
