"""The pages' assets: each page is drawn from the tables it shows (the published files, or the dbt models
of dbt/models/dashboards/) into the run's staging folder. The aggregation is dbt's; this only reads."""

from pathlib import Path

import duckdb
import polars as pl
from dagster import AssetExecutionContext, AssetKey, asset

from dashboards.page import write_page
from dashboards.pages import data_quality_page, release_page, timeliness_page
from dashboards.warehouse_docs import warehouse_docs_page
from pipelines.publish.assets import OPEN_DATA_FILES, staging
from pipelines.publish.cells import neutralise_frame
from pipelines.resources import Workspace
from pipelines.transform.manifest import read_manifest
from pipelines.transform.project import DBT_PROJECT
from schemas.reference import read_seed

GROUP = "pages"
DASHBOARDS_SCHEMA = "dashboards"
TIMELINESS_TABLES = ("timeliness_by_quarter", "timeliness_working_days")
DATA_QUALITY_TABLES = (
    "files_received",
    "quarantined_rows_by_rule",
    "quarantined_rows_by_la",
    "rejected_files",
    "unrecognised_files",
)


def read_tables(warehouse: str, *tables: str) -> list[pl.DataFrame]:
    """Whole tables of the `dashboards` schema, in the order dbt wrote them."""
    with duckdb.connect(warehouse, read_only=True) as connection:
        return [connection.sql(f"select * from {DASHBOARDS_SCHEMA}.{table}").pl() for table in tables]


@asset(
    key=AssetKey([GROUP, "release_page"]),
    group_name=GROUP,
    deps=[
        *(AssetKey(["open_data", name]) for name in OPEN_DATA_FILES),
        AssetKey(["intermediate", "int_run_reporting_years"]),
    ],
    description="release.html in PUBLISH/current/: the annual picture from the published files only",
)
def release_dashboard(context: AssetExecutionContext, workspace: Workspace) -> None:
    settings = workspace.settings
    folder = staging(settings.publish, context.run.run_id) / "current"

    def read(name: str) -> pl.DataFrame:
        return pl.read_csv(folder / f"{name}.csv", infer_schema=False)

    with duckdb.connect(str(settings.warehouse), read_only=True) as connection:
        found = connection.sql("select last_complete_year from intermediate.int_run_reporting_years").fetchall()
    if not found:
        raise LookupError("intermediate.int_run_reporting_years is empty: the dbt build did not finish")
    year = int(found[0][0])
    page = release_page(
        read("sin_total_notifications"),
        read("sin_nature_characteristics"),
        read("sin_subnational"),
        year,
        workspace.as_at.isoformat(),
        workspace.policy,
    )
    write_page(folder, "release.html", page)
    context.log.info(f"wrote release.html for reporting year {year}")


@asset(
    key=AssetKey([GROUP, "timeliness_page"]),
    group_name=GROUP,
    deps=[AssetKey([DASHBOARDS_SCHEMA, table]) for table in (*TIMELINESS_TABLES, "timeliness_la_ranking")],
    description="timeliness.html in PUBLISH/internal/: timeliness for the Panel, filterable (never published)",
)
def timeliness_dashboard(context: AssetExecutionContext, workspace: Workspace) -> None:
    settings = workspace.settings
    cases, days, ranking = read_tables(str(settings.warehouse), *TIMELINESS_TABLES, "timeliness_la_ranking")
    measures = [
        row["measure"] for row in sorted(read_seed("timeliness_measures"), key=lambda r: int(r["publish_order"]))
    ]
    page = timeliness_page(cases, days, ranking, list(dict.fromkeys(measures)), workspace.as_at.isoformat())
    write_page(staging(settings.publish, context.run.run_id) / "internal", "timeliness.html", page)
    context.log.info("wrote timeliness.html")


@asset(
    key=AssetKey([GROUP, "data_quality_page"]),
    group_name=GROUP,
    deps=[AssetKey([DASHBOARDS_SCHEMA, table]) for table in (*DATA_QUALITY_TABLES, "quarantine_feedback")],
    description="data_quality.html in PUBLISH/internal/: files and rows received, rejected and quarantined",
)
def data_quality_dashboard(context: AssetExecutionContext, workspace: Workspace) -> None:
    settings = workspace.settings
    files, rules, las, rejected, unrecognised, feedback = read_tables(
        str(settings.warehouse), *DATA_QUALITY_TABLES, "quarantine_feedback"
    )
    per_la = (
        feedback.group_by("la_code", "la_name", maintain_order=True)
        .agg(pl.struct("file_name", "row_number").n_unique().alias("rows"))
        .with_columns(
            pl.col("la_code").map_elements(feedback_file_name, return_dtype=pl.String, skip_nulls=False).alias("file")
        )
    )
    page = data_quality_page(
        files, rules, las, rejected, unrecognised, per_la, FEEDBACK_FOLDER, workspace.as_at.isoformat()
    )
    write_page(staging(settings.publish, context.run.run_id) / "internal", "data_quality.html", page)
    context.log.info("wrote data_quality.html")


DOCS_PAGE = "dbt_docs.html"


@asset(
    key=AssetKey([GROUP, "dbt_docs"]),
    group_name=GROUP,
    deps=[AssetKey(["marts", "fct_notifications"]), AssetKey([DASHBOARDS_SCHEMA, "files_received"])],
    description="dbt_docs.html in PUBLISH/internal/: every table, column, test and lineage, from dbt's manifest",
)
def dbt_docs_page(context: AssetExecutionContext, workspace: Workspace) -> None:
    folder = staging(workspace.settings.publish, context.run.run_id) / "internal"
    write_page(folder, DOCS_PAGE, warehouse_docs_page(read_manifest(DBT_PROJECT.manifest_path)))
    context.log.info(f"wrote {DOCS_PAGE}")


FEEDBACK_FOLDER = "feedback"
UNKNOWN_LA = "unknown_la"
FEEDBACK_COLUMNS = ("file_name", "row_number", "column_name", "value_as_received", "rule", "message")


def feedback_file_name(la_code: str | None) -> str:
    """The feedback file of an LA (its 3-digit code), or of the rows whose LA cannot be read."""
    return f"{la_code if la_code else UNKNOWN_LA}.csv"


def write_feedback(feedback: pl.DataFrame, folder: Path) -> dict[str, int]:
    """One CSV per LA with quarantined rows (and one for rows whose LA cannot be read): each broken rule
    of each row, with the value as received; no cell can run as a formula. Returns rows per file."""
    folder.mkdir(parents=True, exist_ok=True)
    written = {}
    for (la_code,), part in feedback.group_by("la_code", maintain_order=True):
        name = feedback_file_name(la_code)
        table = part.select(FEEDBACK_COLUMNS).with_columns(pl.col("row_number").cast(pl.Int64))
        neutralise_frame(table).write_csv(folder / name, line_terminator="\n")
        written[name] = table.height
    return written


@asset(
    key=AssetKey([GROUP, "feedback_files"]),
    group_name=GROUP,
    deps=[AssetKey([DASHBOARDS_SCHEMA, "quarantine_feedback"])],
    description="PUBLISH/internal/feedback/<LA code>.csv: each LA's quarantined rows, to send back (never published)",
)
def feedback_files(context: AssetExecutionContext, workspace: Workspace) -> None:
    settings = workspace.settings
    (feedback,) = read_tables(str(settings.warehouse), "quarantine_feedback")
    written = write_feedback(feedback, staging(settings.publish, context.run.run_id) / "internal" / FEEDBACK_FOLDER)
    context.log.info(f"wrote {len(written)} feedback files ({sum(written.values())} rows)")


PANEL_LISTS = ("open_overdue_cases", "timeliness_la_ranking")


@asset(
    key=AssetKey([GROUP, "panel_lists"]),
    group_name=GROUP,
    deps=[AssetKey([DASHBOARDS_SCHEMA, table]) for table in PANEL_LISTS],
    description="open_overdue_cases.csv and timeliness_la_ranking.csv in PUBLISH/internal/: the Panel's lists",
)
def panel_lists(context: AssetExecutionContext, workspace: Workspace) -> None:
    settings = workspace.settings
    folder = staging(settings.publish, context.run.run_id) / "internal"
    folder.mkdir(parents=True, exist_ok=True)
    for name, frame in zip(PANEL_LISTS, read_tables(str(settings.warehouse), *PANEL_LISTS), strict=True):
        neutralise_frame(frame).write_csv(folder / f"{name}.csv", line_terminator="\n")
        context.log.info(f"wrote {name}.csv ({frame.height} rows)")
