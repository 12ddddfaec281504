"""The `sinstats` command: parses, calls the pipeline, reports. Exit 0 done, 1 failed, 2 usage."""

from __future__ import annotations

import os
import re
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

app = typer.Typer(
    name="sinstats",
    help="Serious incident notification statistics: ingest, model, publish.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    # Plain help: each option with the form of its value (DIR, YYYY-MM-DD, N), no type placeholders.
    rich_markup_mode=None,
)
out = Console(highlight=False, soft_wrap=True)
err = Console(stderr=True, highlight=False, soft_wrap=True)

LandingOption = Annotated[
    Path | None,
    typer.Option(
        "--landing", metavar="DIR", help="Folder of extract files. Default: $SINSTATS_LANDING, else the bundled sample."
    ),
]
WarehouseOption = Annotated[
    Path | None,
    typer.Option(
        "--warehouse",
        metavar="FILE",
        help="The pipeline's DuckDB file. Default: $SINSTATS_WAREHOUSE, else data/warehouse/sin.duckdb.",
    ),
]
PublishOption = Annotated[
    Path | None,
    typer.Option(
        "--publish",
        metavar="DIR",
        help="Folder for published files. Default: $SINSTATS_PUBLISH, else data/publish.",
    ),
]


def usage_error(message: str) -> typer.Exit:
    err.print(f"sinstats: {message}", markup=False)
    return typer.Exit(2)


@app.command()
def run(
    landing: LandingOption = None,
    warehouse: WarehouseOption = None,
    publish: PublishOption = None,
    as_at: Annotated[
        str | None,
        typer.Option(
            "--as-at",
            metavar="YYYY-MM-DD",
            help="The date timeliness is measured at. Default: $SINSTATS_AS_AT, else today (London).",
        ),
    ] = None,
    full_refresh: Annotated[
        bool,
        typer.Option(
            "--full-refresh",
            help="Rebuild every model from every row. Default: only what changed since the last good run.",
        ),
    ] = False,
    rebuild: Annotated[
        bool,
        typer.Option(
            "--rebuild",
            help="Build a new warehouse from every extract in the landing folder (for a damaged one); it "
            "replaces the old one, and the published files change, only when the run succeeds.",
        ),
    ] = False,
) -> None:
    """Ingest new extracts, build the warehouse and publish the current open-data files."""
    from pipelines import preflight
    from pipelines.clock import london_today
    from pipelines.settings import ENV_AS_AT, load_settings
    from schemas.policy import quick_policy

    try:
        preflight.check_variables()
        settings = load_settings(landing, warehouse, publish)
        today = london_today()
        setting = preflight.as_at_setting(as_at)
        text = as_at if as_at is not None else os.environ.get(ENV_AS_AT)
        series_start = quick_policy().series_start_date
        expected = f"from {series_start.isoformat()} to today ({today.isoformat()})"
        chosen = preflight.parse_date(text, setting, expected) if text else today
        preflight.check_as_at(chosen, setting, today, series_start)
        preflight.check_landing(settings.landing, preflight.landing_setting(landing))
        preflight.check_warehouse(settings.warehouse, preflight.warehouse_setting(warehouse))
        preflight.check_publish(settings.publish, preflight.publish_setting(publish))
    except preflight.SettingProblem as problem:
        raise usage_error(str(problem)) from None
    from pipelines import space
    from pipelines.display import display_for
    from pipelines.runner import run_pipeline

    folders = [settings.warehouse.parent, settings.publish]
    for line in space.warnings(settings.warehouse, folders):
        err.print(line, markup=False)
    try:
        if rebuild:
            from pipelines.rebuild import rebuild as rebuild_warehouse

            outcome = rebuild_warehouse(settings, chosen, display=display_for(out))
        else:
            outcome = run_pipeline(settings, chosen, display=display_for(out), full_refresh=full_refresh)
    except Exception as error:
        if not space.is_full_disk(error):
            raise
        what = "the run stopped; nothing was published and the analysts' copy is unchanged"
        err.print(space.full_disk_line("run", settings.warehouse, folders, what), markup=False)
        raise typer.Exit(1) from None
    if not outcome.success and any(space.is_full_disk(failure) for failure in outcome.failures):
        out.print(outcome.summary(), markup=False, highlight=False)
        what = "the run stopped; nothing was published and the analysts' copy is unchanged"
        err.print(space.full_disk_line("run", settings.warehouse, folders, what), markup=False)
        raise typer.Exit(1)
    out.print(outcome.summary(), markup=False, highlight=False)
    raise typer.Exit(0 if outcome.success else 1)


@app.command()
def release(
    year: Annotated[int, typer.Argument(metavar="YEAR", hidden=True)],
    cut_off: Annotated[
        str | None,
        typer.Option(
            "--cut-off",
            metavar="YYYY-MM-DD",
            help="Versions saved by the end of this day count. Default: 30 June after the reporting year.",
        ),
    ] = None,
    warehouse: WarehouseOption = None,
    publish: PublishOption = None,
    sign_off: Annotated[
        str | None,
        typer.Option(
            "--sign-off",
            metavar="NAME",
            help="Record NAME's sign-off of the release already built (refused if any QA check failed).",
        ),
    ] = None,
) -> None:
    """Build the release for reporting year YEAR (2024 = April 2023 to March 2024) as at its cut-off, into
    PUBLISH/releases/YEAR/, with its QA report in PUBLISH/releases/.qa/YEAR/ (never published)."""
    from pipelines import preflight
    from pipelines.parameters import default_cut_off, london_today
    from pipelines.settings import load_settings
    from schemas.policy import quick_policy

    try:
        preflight.check_variables()
        today = london_today()
        expected = f"from 1 April {year} (after the year ends) to today ({today.isoformat()})"
        chosen = preflight.parse_date(cut_off, "--cut-off", expected) if cut_off is not None else default_cut_off(year)
        preflight.check_release(year, chosen, cut_off is not None, today, quick_policy().first_reporting_year)
        settings = load_settings(warehouse=warehouse, publish=publish)
        preflight.check_publish(settings.publish, preflight.publish_setting(publish))
    except preflight.SettingProblem as problem:
        raise usage_error(str(problem)) from None
    if sign_off is not None:
        record_sign_off(settings.publish, year, sign_off)
        return
    if not settings.analysts_copy.exists():
        raise usage_error(f"there is no analysts' copy at {settings.analysts_copy}: run `sinstats run` first.")
    from pipelines import space
    from pipelines.display import display_for
    from pipelines.runner import run_release

    folders = [settings.publish, settings.warehouse.parent]
    for line in space.warnings(settings.analysts_copy, folders):
        err.print(line, markup=False)
    what = f"the release for {year} was not built; nothing was replaced"
    try:
        execution = run_release(settings, year, chosen, display=display_for(out))
    except Exception as error:
        if not space.is_full_disk(error):
            raise
        err.print(space.full_disk_line("release", settings.analysts_copy, folders, what), markup=False)
        raise typer.Exit(1) from None
    if not execution.success and any(space.is_full_disk(failure) for failure in execution.failures):
        err.print(space.full_disk_line("release", settings.analysts_copy, folders, what), markup=False)
        raise typer.Exit(1)
    if not execution.success:
        err.print(f"sinstats release: the release for {year} was not built; nothing was replaced.", markup=False)
        for failure in execution.failures:
            err.print(f"  {failure}", markup=False)
        if execution.log is not None:
            err.print(f"  full log: {execution.log}", markup=False)
        raise typer.Exit(1)
    out.print(execution.materialization("release/bundle")["summary"], markup=False)


def record_sign_off(publish: Path, year: int, name: str) -> None:
    """`sinstats release YEAR --sign-off NAME`: one line for the sign-off, or one line why not (exit 1)."""
    import datetime as dt

    from pipelines.release.qa import SignOffRefused
    from pipelines.release.qa import sign_off as record
    from pipelines.resources import RELEASES_FOLDER

    if not name.strip():
        raise usage_error("--sign-off needs the name of who signs the release off.")
    try:
        target = record(publish / RELEASES_FOLDER, year, name.strip(), dt.datetime.now(dt.UTC))
    except SignOffRefused as refused:
        err.print(f"sinstats release: sign-off refused: {refused}", markup=False)
        raise typer.Exit(1) from None
    out.print(f"Signed off: the release for {year}, by {name.strip()}; recorded in {target}", markup=False)


@app.command()
def validate(
    paths: Annotated[list[Path], typer.Argument(metavar="FILE_OR_DIR", hidden=True)],
) -> None:
    """Check extract files (each FILE_OR_DIR a file, or a folder of them) against the input contract, loading
    nothing."""
    from pipelines.ingest.check import check_file
    from pipelines.ingest.landing import classify

    missing = [str(p) for p in paths if not p.exists()]
    if missing:
        raise usage_error(f"cannot read {', '.join(missing)}: no such file or folder.")
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            inside = sorted(p for p in path.iterdir() if p.is_file())
            files += [p for p in inside if classify(p) is not None]
            for other in (p for p in inside if classify(p) is None):
                out.print(f"{other.name}: left alone, its name has no known prefix", markup=False)
        else:
            files.append(path)
    problems = 0
    for path in files:
        check = check_file(path)
        problems += len(check.problems)
        for line in check.lines():
            out.print(line, markup=False)
        if not check.problems:
            out.print(f"{path.name}: no problems", markup=False)
    raise typer.Exit(1 if problems else 0)


@app.command()
def generate(
    out_dir: Annotated[Path, typer.Option("--out", metavar="DIR", help="Folder to write the extracts to.")],
    years: Annotated[
        str,
        typer.Option("--years", metavar="FIRST-LAST", show_default=False, help="Reporting years. Default: 2019-2026."),
    ] = "2019-2026",
    seed: Annotated[
        int, typer.Option("--seed", metavar="N", show_default=False, help="Same seed, same bytes. Default: 2026.")
    ] = 2026,
    scale: Annotated[
        float, typer.Option("--scale", metavar="X", show_default=False, help="1 = the national volume (the default).")
    ] = 1.0,
    bad_rows: Annotated[
        float,
        typer.Option(
            "--bad-rows", metavar="FRACTION", show_default=False, help="Share of rows to break, 0 to 1. Default: 0."
        ),
    ] = 0.0,
    csv_only: Annotated[bool, typer.Option("--csv-only", help="Write every file as CSV (no XLSX).")] = False,
) -> None:
    """Write synthetic notifications_, reviews_ and la_context_ extracts."""
    match = re.fullmatch(r"(\d{4})-(\d{4})", years)
    if not match or int(match.group(1)) > int(match.group(2)) or int(match.group(1)) < 2019:
        raise usage_error(f"--years must be FIRST-LAST with FIRST at least 2019, as 2019-2026, not '{years}'.")
    if scale <= 0:
        raise usage_error("--scale must be more than 0.")
    if not 0 <= bad_rows < 1:
        raise usage_error("--bad-rows must be a fraction from 0 up to 1.")
    from pipelines.generate.synthetic import GenerateOptions
    from pipelines.generate.synthetic import generate as write_extracts

    options = GenerateOptions(out_dir, int(match.group(1)), int(match.group(2)), seed, scale, bad_rows, csv_only)
    written = write_extracts(options)
    out.print(f"wrote {len(written)} files to {out_dir}")


@app.command()
def sql(
    query: Annotated[str | None, typer.Argument(metavar="QUERY", hidden=True)] = None,
    warehouse: WarehouseOption = None,
    tables: Annotated[
        bool, typer.Option("--tables", help="List the marts and published tables, one line of description each.")
    ] = False,
) -> None:
    """Query the analysts' read-only copy of the warehouse: run QUERY and print the result, or with no QUERY
    open a prompt."""
    from pipelines.lock import is_damaged
    from pipelines.settings import load_settings

    settings = load_settings(warehouse=warehouse)
    if not settings.analysts_copy.exists():
        raise usage_error(f"there is no analysts' copy at {settings.analysts_copy} yet: run `sinstats run` first.")
    import duckdb

    try:
        connection = duckdb.connect(str(settings.analysts_copy), read_only=True)
    except duckdb.Error as error:
        raise _unreadable_copy(settings.analysts_copy, error) from None
    if tables:
        # The descriptions are the tables' comments (dbt's persist_docs), so this reads what analysts see.
        listed = connection.sql(
            "select schema_name || '.' || table_name, coalesce(comment, '') from duckdb_tables() "
            "where schema_name in ('marts', 'publish') order by schema_name, table_name"
        ).fetchall()
        for name, comment in listed:
            first = comment.split(". ")[0].rstrip(".")
            out.print(f"{name}: {first}.", markup=False, highlight=False)
        return
    if query is not None:
        try:
            connection.sql(query).show(max_rows=1000, max_width=200)
        except duckdb.Error as error:
            if is_damaged(str(error)):
                raise _unreadable_copy(settings.analysts_copy, error) from None
            err.print(f"sinstats sql: {error}", markup=False)
            raise typer.Exit(1) from None
        return
    out.print("Analysts' copy, read-only. End a statement with ';'. Ctrl-D to leave.")
    buffer = ""
    while True:
        try:
            line = input("sinstats> " if not buffer else "     ...> ")
        except EOFError:
            break
        buffer += line + "\n"
        if buffer.strip().endswith(";"):
            try:
                connection.sql(buffer).show(max_rows=1000, max_width=200)
            except duckdb.Error as error:
                err.print(str(error), markup=False)
            buffer = ""


def _unreadable_copy(path: Path, error: Exception) -> typer.Exit:
    """One line for an analysts' copy DuckDB cannot read, and what makes a new one (the next run does)."""
    from pipelines.lock import is_damaged

    first = str(error).splitlines()[0]
    if is_damaged(first):
        err.print(
            f"sinstats sql: the analysts' copy {path} is damaged ({first}); the next `sinstats run` replaces "
            "it with a new copy of the warehouse.",
            markup=False,
        )
    else:
        err.print(f"sinstats sql: cannot open the analysts' copy {path}: {first}", markup=False)
    return typer.Exit(1)


@app.command("export-sources")
def export_sources_command(
    out_dir: Annotated[Path, typer.Option("--out", metavar="DIR", help="Folder to write the Parquet files to.")],
    warehouse: WarehouseOption = None,
) -> None:
    """Write the tables the dbt models read (raw, quarantine, reference, build state) as Parquet, one file
    each, from the analysts' read-only copy: what Spark or Databricks needs to build the same models
    (README, "On Spark")."""
    from pipelines.settings import load_settings
    from pipelines.transform.portable import export_sources

    settings = load_settings(warehouse=warehouse)
    if not settings.analysts_copy.exists():
        raise usage_error(f"there is no analysts' copy at {settings.analysts_copy} yet: run `sinstats run` first.")
    if out_dir.exists() and not out_dir.is_dir():
        raise usage_error(f"--out is {out_dir}, a file: expected a folder")
    from pipelines import space

    try:
        for table in export_sources(settings.analysts_copy, out_dir):
            out.print(f"{out_dir / table.relative_path}", markup=False)
    except Exception as error:
        if not space.is_full_disk(error):
            raise
        what = "the export stopped; the files it wrote are incomplete"
        err.print(space.full_disk_line("export-sources", settings.analysts_copy, [out_dir], what), markup=False)
        raise typer.Exit(1) from None


@app.command()
def ui(
    port: Annotated[
        int, typer.Option("--port", metavar="N", show_default=False, help="Port on 127.0.0.1. Default: 3000.")
    ] = 3000,
) -> None:
    """Start Dagster for this project on 127.0.0.1: the web UI, and the daemon that runs the schedule and sensor."""
    from pipelines.history import prepare_dagster_home
    from pipelines.settings import PROJECT_ROOT, load_settings

    settings = load_settings()
    prepare_dagster_home(settings)
    # Paths only: each run takes its as-at date from its own run config (pipelines/parameters.py).
    env = {**os.environ, "DAGSTER_HOME": str(settings.dagster_home), **settings.as_env()}
    out.print(f"Dagster UI at http://127.0.0.1:{port} (Ctrl-C to stop); run history in {settings.dagster_home}")
    dagster = Path(sys.executable).with_name("dagster")
    command = [str(dagster), "dev", "-w", str(PROJECT_ROOT / "workspace.yaml"), "-h", "127.0.0.1", "-p", str(port)]
    os.execve(str(dagster), command, env)


def main() -> None:
    """The `sinstats` command."""
    app()


if __name__ == "__main__":
    main()
