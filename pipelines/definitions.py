"""Assembles the Dagster code location: assets, checks, jobs, schedules, sensors and resources. Nothing else."""

from __future__ import annotations

from typing import Any

from dagster import AssetSelection, Definitions, define_asset_job, in_process_executor

from pipelines.automation.sensors import daily_schedule, sensor_for
from pipelines.disclosure.assets import disclosure_holds, suppressed_tables
from pipelines.ingest.assets import VALIDATION_CHECKS, landing_extracts, no_files_rejected, rows_add_up
from pipelines.pages.assets import (
    data_quality_dashboard,
    dbt_docs_page,
    feedback_files,
    panel_lists,
    release_dashboard,
    timeliness_dashboard,
)
from pipelines.publish.assets import open_data_files
from pipelines.reference.assets import bank_holidays_table
from pipelines.release.assets import GROUP as RELEASE_GROUP
from pipelines.release.assets import release_bundle
from pipelines.resources import resources_for
from pipelines.serve.assets import analysts_copy, publication
from pipelines.settings import Settings, load_settings
from pipelines.transform.assets import sinstats_dbt

ASSETS = [
    landing_extracts,
    bank_holidays_table,
    sinstats_dbt,
    suppressed_tables,
    open_data_files,
    release_dashboard,
    timeliness_dashboard,
    data_quality_dashboard,
    dbt_docs_page,
    feedback_files,
    panel_lists,
    publication,
    analysts_copy,
    release_bundle,
]
CHECKS = [rows_add_up, no_files_rejected, *VALIDATION_CHECKS, disclosure_holds]

run_everything = define_asset_job(
    "run_everything",
    selection=AssetSelection.all() - AssetSelection.groups(RELEASE_GROUP),
    description="Ingest new extracts, build the models, publish the current files (sinstats run). "
    "Run config: resources.run.config.as_at (blank = today in London).",
)

build_release_job = define_asset_job(
    "build_release_job",
    selection=AssetSelection.assets(sinstats_dbt, suppressed_tables) | AssetSelection.groups(RELEASE_GROUP),
    description="sinstats release YEAR [--cut-off DATE]: the same models, from a scratch copy of the analysts' "
    "copy, as at the cut-off. Run config: resources.run.config.release_year (and cut_off).",
)


def build_definitions(settings: Settings | None = None, loggers: dict[str, Any] | None = None) -> Definitions:
    return Definitions(
        loggers=loggers,
        assets=ASSETS,
        asset_checks=CHECKS,
        jobs=[run_everything, build_release_job],
        schedules=[daily_schedule(run_everything)],
        sensors=[sensor_for(run_everything)],
        executor=in_process_executor,
        resources=resources_for(settings or load_settings()),
    )


defs = build_definitions()
