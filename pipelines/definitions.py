"""Assembles the Dagster code location: assets, checks, jobs, schedules, sensors and resources. Nothing else."""

from __future__ import annotations

from dagster import Definitions, define_asset_job, in_process_executor

from pipelines.automation.sensors import daily_schedule, sensor_for
from pipelines.dashboards.assets import data_quality_dashboard, release_dashboard, timeliness_dashboard
from pipelines.ingest.assets import VALIDATION_CHECKS, landing_extracts, no_files_rejected, rows_add_up
from pipelines.publish.assets import open_data_files
from pipelines.reference.assets import bank_holidays_table
from pipelines.release.job import build_release_job
from pipelines.resources import LockedSettings, SinstatsSettings
from pipelines.serve.assets import analysts_copy, publication
from pipelines.settings import Settings, load_settings
from pipelines.transform.assets import sinstats_dbt
from pipelines.transform.project import dbt_cli

ASSETS = [
    landing_extracts,
    bank_holidays_table,
    sinstats_dbt,
    open_data_files,
    release_dashboard,
    timeliness_dashboard,
    data_quality_dashboard,
    publication,
    analysts_copy,
]
CHECKS = [rows_add_up, no_files_rejected, *VALIDATION_CHECKS]

run_everything = define_asset_job(
    "run_everything",
    selection="*",
    description="Ingest new extracts, build the models, publish the current files (sinstats run).",
)


def build_definitions(settings: Settings | None = None, loggers: dict | None = None) -> Definitions:
    settings = settings or load_settings()
    return Definitions(
        loggers=loggers,
        assets=ASSETS,
        asset_checks=CHECKS,
        jobs=[run_everything, build_release_job],
        schedules=[daily_schedule(run_everything)],
        sensors=[sensor_for(run_everything)],
        executor=in_process_executor,
        resources={
            "sinstats": LockedSettings.from_settings(settings),
            "paths": SinstatsSettings.from_settings(settings),
            "dbt": dbt_cli(),
        },
    )


defs = build_definitions()
