"""Dashboard assets: each page is built from the tables it shows, into the run's staging folder."""

import duckdb
import polars as pl
from dagster import AssetExecutionContext, AssetKey, asset

from dashboards.page import write_page
from dashboards.pages import data_quality_page, release_page, timeliness_page
from pipelines.publish.assets import OPEN_DATA_FILES, staging
from pipelines.resources import Workspace
from schemas.reference import read_seed

GROUP = "dashboards"

TIMELINESS_CASES_SQL = """
select
    reporting_year || ' ' || reporting_quarter as period,
    measure,
    coalesce(region_name, 'Unknown') as region,
    coalesce(published_la_name, 'Unknown') as la,
    count(*) filter (where is_complete or is_open_overdue)::integer as due,
    count(*) filter (where is_on_time)::integer as on_time,
    count(*) filter (where is_open_overdue)::integer as open_overdue
from marts.fct_timeliness
where is_measured
group by all
order by all
"""

TIMELINESS_DAYS_SQL = """
select
    measure,
    coalesce(region_name, 'Unknown') as region,
    coalesce(published_la_name, 'Unknown') as la,
    elapsed_working_days::integer as days,
    count(*)::integer as cases
from marts.fct_timeliness
where is_measured and is_complete
group by all
order by all
"""

FILES_SQL = """
with received as (
    select kind, file_name, 'accepted' as status, rows_loaded, rows_quarantined from raw.loaded_files
    union all
    select kind, file_name, 'rejected', 0, 0 from quarantine.rejected_files
)
select
    kind,
    count(*)::integer as files_received,
    count(*) filter (where status = 'rejected')::integer as files_rejected,
    sum(rows_loaded)::bigint as rows_loaded,
    sum(rows_quarantined)::bigint as rows_quarantined
from received
group by kind
order by kind
"""

RULES_SQL = """
select kind, rule, count(distinct (file_sha256, row_number))::integer as rows
from quarantine.rows group by all order by rows desc, kind, rule
"""

LAS_SQL = """
select coalesce(la_code, 'not given') as la, count(distinct (file_sha256, row_number))::integer as rows
from quarantine.rows group by all order by rows desc, la limit 40
"""

REJECTED_SQL = "select file_name, kind, reason from quarantine.rejected_files order by file_name"


@asset(
    key=AssetKey(["dashboards", "release_page"]),
    group_name=GROUP,
    deps=[
        *(AssetKey(["open_data", name]) for name in OPEN_DATA_FILES),
        AssetKey(["intermediate", "int_run_reporting_years"]),
    ],
    description="release.html in PUBLISH/current/: the annual picture from the published files only",
)
def release_dashboard(context: AssetExecutionContext, workspace: Workspace) -> None:
    settings = workspace.settings
    folder = staging(settings.publish, context.run_id) / "current"

    def read(name: str) -> pl.DataFrame:
        return pl.read_csv(folder / f"{name}.csv", infer_schema=False)

    with duckdb.connect(str(settings.warehouse), read_only=True) as connection:
        found = connection.execute("select last_complete_year from intermediate.int_run_reporting_years").fetchone()
    if found is None:
        raise LookupError("intermediate.int_run_reporting_years is empty: the dbt build did not finish")
    year = int(found[0])
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
    key=AssetKey(["dashboards", "timeliness_page"]),
    group_name=GROUP,
    deps=[AssetKey(["marts", "fct_timeliness"])],
    description="timeliness.html in PUBLISH/internal/: timeliness for the Panel, filterable (never published)",
)
def timeliness_dashboard(context: AssetExecutionContext, workspace: Workspace) -> None:
    settings = workspace.settings
    with duckdb.connect(str(settings.warehouse), read_only=True) as connection:
        cases = connection.sql(TIMELINESS_CASES_SQL).pl()
        days = connection.sql(TIMELINESS_DAYS_SQL).pl()
    measures = [
        row["measure"] for row in sorted(read_seed("timeliness_measures"), key=lambda r: int(r["publish_order"]))
    ]
    page = timeliness_page(cases, days, list(dict.fromkeys(measures)), workspace.as_at.isoformat())
    write_page(staging(settings.publish, context.run_id) / "internal", "timeliness.html", page)
    context.log.info("wrote timeliness.html")


@asset(
    key=AssetKey(["dashboards", "data_quality_page"]),
    group_name=GROUP,
    deps=[
        AssetKey(["raw", "loaded_files"]),
        AssetKey(["quarantine", "rows"]),
        AssetKey(["quarantine", "rejected_files"]),
    ],
    description="data_quality.html in PUBLISH/internal/: files and rows received, rejected and quarantined",
)
def data_quality_dashboard(context: AssetExecutionContext, workspace: Workspace) -> None:
    settings = workspace.settings
    with duckdb.connect(str(settings.warehouse), read_only=True) as connection:
        files, rules, las, rejected = (
            connection.sql(sql).pl() for sql in (FILES_SQL, RULES_SQL, LAS_SQL, REJECTED_SQL)
        )
    page = data_quality_page(files, rules, las, rejected, workspace.as_at.isoformat())
    write_page(staging(settings.publish, context.run_id) / "internal", "data_quality.html", page)
    context.log.info("wrote data_quality.html")
