"""Command line: ``allocator solve | validate | generate | solvers``."""

from __future__ import annotations

import sys
import time
from pathlib import Path

import click

from .errors import InputError, SolverUnavailable

EXIT_INPUT = 2
EXIT_NO_SOLUTION = 3
EXIT_VIOLATION = 1


def _fail_input(exc: InputError) -> None:
    click.echo(exc.render(limit=200), err=True)
    sys.exit(EXIT_INPUT)


def _load(applications: str | None, scenario: str | None):  # type: ignore[no-untyped-def]
    from .catalog import regions_for, sample_applications_path, scenario_path
    from .io.inputs import load_scenario, load_submission

    scenario_file = Path(scenario) if scenario else scenario_path("baseline")
    apps_file = Path(applications) if applications else sample_applications_path()
    scen = load_scenario(scenario_file)
    regions = regions_for(scen)
    return scen, regions, load_submission(apps_file, regions)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="allocator")
def main() -> None:
    """Allocate the AZWA breakthrough funds: provably optimal, explainable, reproducible."""


@main.command()
@click.option(
    "--applications",
    "-a",
    type=click.Path(dir_okay=False),
    help="CSV or XLSX; default: shipped sample",
)
@click.option(
    "--scenario",
    "-s",
    type=click.Path(dir_okay=False),
    help="YAML; default: scenarios/baseline.yaml",
)
@click.option("--out", "-o", type=click.Path(file_okay=False), default="out", show_default=True)
@click.option(
    "--method",
    "-m",
    type=click.Choice(["optimal", "fcfs", "greedy"]),
    default="optimal",
    show_default=True,
)
@click.option(
    "--solver", default=None, help="backend (see `allocator solvers`); default: fastest measured"
)
@click.option("--time-limit", type=float, default=None, help="solver limit in seconds")
@click.option(
    "--gap", type=float, default=1e-7, show_default=True, help="relative MIP gap counted as optimal"
)
@click.option("--threads", type=int, default=1, show_default=True)
@click.option("--xlsx/--no-xlsx", default=True, show_default=True, help="also write awards.xlsx")
@click.option(
    "--explain", is_flag=True, help="also shadow_prices.csv, explanations.csv, cards.md (re-solves)"
)
@click.option(
    "--workers", type=int, default=None, help="processes for --explain (default: all cores)"
)
@click.option("--quiet", "-q", is_flag=True, help="no summary table")
def solve(
    applications,
    scenario,
    out,
    method,
    solver,
    time_limit,
    gap,
    threads,
    xlsx,
    explain,
    workers,
    quiet,
) -> None:  # type: ignore[no-untyped-def]
    """Select and scale applications; write awards.csv, awards.xlsx and summary.json to OUT."""
    from .backends import DEFAULT_SOLVER
    from .domain import RunOptions
    from .engine import allocate
    from .io.run_files import write_run

    t0 = time.perf_counter()
    try:
        scen, regions, submission = _load(applications, scenario)
        options = RunOptions(
            method=method,
            solver=solver or DEFAULT_SOLVER,
            time_limit_s=time_limit,
            mip_rel_gap=gap,
            threads=threads,
        )
        if explain and method != "optimal":
            raise click.UsageError("--explain works with --method optimal only")
        t_read = time.perf_counter()
        alloc = allocate(submission.applications, scen, options, regions=regions)
        explanations = None
        if explain and alloc.result.status.value != "optimal":
            click.echo(
                f"--explain: no explanations, the award set is {alloc.result.status.value}, "
                "not a proven optimum (raise --time-limit)",
                err=True,
            )
        if explain and alloc.result.status.value == "optimal":
            from .explain import explain as run_explain

            t_ex = time.perf_counter()
            from .terminal import progress_bar

            with progress_bar("explaining (re-solves)", enabled=not quiet) as progress:
                explanations = run_explain(alloc, workers=workers, progress=progress)
            alloc.timings_s["explain"] = time.perf_counter() - t_ex
        t_solve = time.perf_counter()
        write_run(alloc, out, xlsx=xlsx, explanations=explanations)
    except InputError as exc:
        _fail_input(exc)
        return
    except SolverUnavailable as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(EXIT_INPUT)
    timings = {"read": t_read - t0, **alloc.timings_s, "total_in_run": time.perf_counter() - t0}
    timings["write"] = time.perf_counter() - t_solve
    if not quiet:
        from .terminal import print_summary

        print_summary(alloc, out, submission.ignored_columns, timings)
    if not alloc.result.status.has_solution:
        click.echo(f"no award set: {alloc.result.status.value}. {alloc.result.message}", err=True)
        for line in alloc.result.conflicts:
            click.echo(f"  - {line}", err=True)
        sys.exit(EXIT_NO_SOLUTION)
    if alloc.result.status.value == "error":
        sys.exit(4)


@main.command()
@click.option("--applications", "-a", type=click.Path(dir_okay=False), required=True)
@click.option(
    "--scenario",
    "-s",
    type=click.Path(dir_okay=False),
    help="YAML; default: scenarios/baseline.yaml",
)
def validate(applications, scenario) -> None:  # type: ignore[no-untyped-def]
    """Check an applications file against the contract without solving."""
    from .catalog import model_plans
    from .eligibility import check_all

    try:
        scen, _, submission = _load(applications, scenario)
    except InputError as exc:
        _fail_input(exc)
        return
    reasons = check_all(submission.applications, scen, model_plans())
    bad = {k: v for k, v in reasons.items() if v}
    click.echo(
        f"{submission.file}: {len(submission.applications)} applications read, no input errors"
    )
    if submission.ignored_columns:
        click.echo(f"  ignored columns: {', '.join(submission.ignored_columns)}")
    click.echo(f"  eligible under {scen.name!r}: {len(reasons) - len(bad)}; ineligible: {len(bad)}")
    for app_id, codes in bad.items():
        click.echo(f"    {app_id}: {';'.join(codes)}")


@main.command()
@click.option("--applications", "-a", type=click.Path(dir_okay=False), required=True)
@click.option("--scenario", "-s", type=click.Path(dir_okay=False), required=True)
@click.option(
    "--awards", type=click.Path(dir_okay=False), required=True, help="CSV or XLSX award table"
)
def verify(applications, scenario, awards) -> None:  # type: ignore[no-untyped-def]
    """Re-check an award table against eligibility and every rule; exit 1 on any violation."""
    from .verify import read_awards
    from .verify import verify as run_verify

    try:
        scen, regions, submission = _load(applications, scenario)
        table = read_awards(awards)
    except InputError as exc:
        _fail_input(exc)
        return
    found = run_verify(submission.applications, scen, regions, table)
    click.echo(
        f"{awards}: {found.objective_fte:,.3f} FTE, EUR {found.total_awarded_eur:,.2f} awarded "
        f"under {scen.name!r}"
    )
    if found.ok:
        click.echo("no violations: every eligibility rule and constraint holds")
        return
    click.echo(f"{len(found.violations)} violation(s):", err=True)
    for line in found.violations:
        click.echo(f"  - {line}", err=True)
    sys.exit(EXIT_VIOLATION)


@main.command()
@click.option(
    "--applications", "-a", type=click.Path(dir_okay=False), help="default: shipped sample"
)
@click.option(
    "--scenario", "-s", type=click.Path(dir_okay=False), help="default: scenarios/baseline.yaml"
)
@click.option(
    "--out", "-o", type=click.Path(file_okay=False), help="also write overview.json and .xlsx"
)
def overview(applications, scenario, out) -> None:  # type: ignore[no-untyped-def]
    """The board's subscription view before any award (no optimisation)."""
    from .overview import overview as build

    try:
        scen, regions, submission = _load(applications, scenario)
    except InputError as exc:
        _fail_input(exc)
        return
    tables = build(submission.applications, scen, regions)
    from .terminal import print_overview

    print_overview(tables, scen)
    if out:
        from .io.outputs import render_json, write_atomically
        from .io.run_files import COLUMN_STYLES
        from .io.xlsx import render_xlsx

        sheets = [(name.replace("_", " "), rows, None) for name, rows in tables.items()]
        write_atomically(
            out,
            {
                "overview.json": render_json(tables),
                "overview.xlsx": render_xlsx(sheets, styles=COLUMN_STYLES),
            },
        )
        click.echo(f"written to {out}/overview.json and overview.xlsx")


@main.command()
@click.option(
    "--n", "count", type=int, default=300, show_default=True, help="number of applications"
)
@click.option("--seed", type=int, default=2026, show_default=True)
@click.option("--out", "-o", type=click.Path(dir_okay=False), required=True, help="CSV to write")
@click.option(
    "--regions", type=click.Choice(["provinces", "ggd"]), default=None, help="shipped region table"
)
@click.option(
    "--synthetic-regions", type=int, default=None, help="make N synthetic regions instead"
)
@click.option(
    "--regions-out", type=click.Path(dir_okay=False), help="write the region table used here"
)
@click.option(
    "--oversubscription", type=float, default=3.5, show_default=True, help="total request / ceiling"
)
@click.option("--ceiling", type=float, default=600e6, show_default=True, help="EUR")
def generate(
    count, seed, out, regions, synthetic_regions, regions_out, oversubscription, ceiling
) -> None:  # type: ignore[no-untyped-def]
    """Write a SYNTHETIC submission (plausible shapes, no real applications)."""
    from .catalog import shipped_regions
    from .generate import generate_rows, regions_to_csv, rows_to_csv
    from .generate import synthetic_regions as make_regions
    from .io.outputs import write_atomically

    table = (
        make_regions(synthetic_regions)
        if synthetic_regions
        else shipped_regions(regions or "provinces")
    )
    rows = generate_rows(
        count, table, seed=seed, ceiling_eur=ceiling, oversubscription=oversubscription
    )
    target = Path(out)
    write_atomically(target.parent, {target.name: rows_to_csv(rows).encode("utf-8")})
    if regions_out:
        rt = Path(regions_out)
        write_atomically(rt.parent, {rt.name: regions_to_csv(table).encode("utf-8")})
    click.echo(f"wrote {count} synthetic applications to {target}")


@main.command()
def solvers() -> None:
    """List the solver backends and whether they are installed."""
    from .backends import DEFAULT_SOLVER, _backend_class, solver_names

    for name in solver_names():
        cls = _backend_class(name)
        mark = "yes" if cls.available() else "no "
        default = " (default)" if name == DEFAULT_SOLVER else ""
        click.echo(f"{name:14s} installed: {mark}  {cls.description}{default}")


if __name__ == "__main__":
    main()
