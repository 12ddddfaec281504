"""The pages' assets: each page is drawn from the tables it shows (the published files, or the dbt models
of dbt/models/dashboards/) into the run's staging folder. The aggregation is dbt's; this only reads."""

import duckdb
import polars as pl
from dagster import AssetExecutionContext, AssetKey, asset

from dashboards.page import write_page
from dashboards.pages import data_quality_page, release_page, timeliness_page
from pipelines.publish.assets import OPEN_DATA_FILES, staging
from pipelines.resources import Workspace
from schemas.reference import read_seed

GROUP = "pages"
DASHBOARDS_SCHEMA = "dashboards"
TIMELINESS_TABLES = ("timeliness_by_quarter", "timeliness_working_days")
DATA_QUALITY_TABLES = ("files_received", "quarantined_rows_by_rule", "quarantined_rows_by_la", "rejected_files")


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
    deps=[AssetKey([DASHBOARDS_SCHEMA, table]) for table in TIMELINESS_TABLES],
    description="timeliness.html in PUBLISH/internal/: timeliness for the Panel, filterable (never published)",
)
def timeliness_dashboard(context: AssetExecutionContext, workspace: Workspace) -> None:
    settings = workspace.settings
    cases, days = read_tables(str(settings.warehouse), *TIMELINESS_TABLES)
    measures = [
        row["measure"] for row in sorted(read_seed("timeliness_measures"), key=lambda r: int(r["publish_order"]))
    ]
    page = timeliness_page(cases, days, list(dict.fromkeys(measures)), workspace.as_at.isoformat())
    write_page(staging(settings.publish, context.run.run_id) / "internal", "timeliness.html", page)
    context.log.info("wrote timeliness.html")


@asset(
    key=AssetKey([GROUP, "data_quality_page"]),
    group_name=GROUP,
    deps=[AssetKey([DASHBOARDS_SCHEMA, table]) for table in DATA_QUALITY_TABLES],
    description="data_quality.html in PUBLISH/internal/: files and rows received, rejected and quarantined",
)
def data_quality_dashboard(context: AssetExecutionContext, workspace: Workspace) -> None:
    settings = workspace.settings
    files, rules, las, rejected = read_tables(str(settings.warehouse), *DATA_QUALITY_TABLES)
    page = data_quality_page(files, rules, las, rejected, workspace.as_at.isoformat())
    write_page(staging(settings.publish, context.run.run_id) / "internal", "data_quality.html", page)
    context.log.info("wrote data_quality.html")
