"""The dbt project as the pipeline runs it: Dagster's dbt resource and the run's parameters table.
The manifest is in `manifest.py`."""

from __future__ import annotations

from collections.abc import Sequence
from importlib.metadata import version as installed_version
from typing import Any

import duckdb
from dagster_dbt import DbtCliResource, DbtProject
from packaging import version

from pipelines.parameters import Parameters
from pipelines.settings import DBT_PROJECT_DIR
from pipelines.transform.state import BuildPlan
from pipelines.transform.warm import CLIENT

DBT_PROJECT = DbtProject(project_dir=DBT_PROJECT_DIR, profiles_dir=DBT_PROJECT_DIR)


class SinstatsDbtCli(DbtCliResource):
    """dbt as Dagster runs it, without two start-up costs this project does not need.

    DbtCliResource asks the dbt executable for its version (`dbt --version`, a second start of
    dbt: about 2 s) and opens a dbt adapter in this process (about 0.6 s) before every command;
    the adapter only serves row-count and column metadata, which this project does not fetch.
    dbt here is always the dbt-core installed beside this Python, so its version is read from the
    package's metadata (without importing dbt-core, which `sinstats run` keeps out of its process:
    pipelines/transform/warm.py, `keep_dbt_out`). uv.lock pins dagster-dbt;
    tests/unit/test_dbt_resource_guard.py fails when DbtCliResource stops reaching dbt through these
    two members, and the end-to-end tests run every dbt command through this.
    """

    @property
    def _cli_version(self) -> version.Version:
        return version.parse(installed_version("dbt-core"))

    def _initialize_dbt_core_adapter(self, args: Sequence[str]) -> Any:
        return None


def dbt_cli() -> SinstatsDbtCli:
    return SinstatsDbtCli(project_dir=str(DBT_PROJECT_DIR), dbt_executable=str(CLIENT))


def write_run_parameters(connection: duckdb.DuckDBPyConnection, parameters: Parameters, plan: BuildPlan) -> None:
    """The one-row table of the build's parameters the models read (source reference.run_parameters)."""
    connection.execute("create schema if not exists reference")
    connection.execute(
        "create or replace table reference.run_parameters as "
        "select ?::date as as_at_date, ?::date as cut_off_date, ?::integer as release_year, "
        "?::boolean as is_incremental, ?::date as as_at_floor_date, ?::date as as_at_ceiling_date",
        [
            parameters.as_at,
            parameters.cut_off,
            parameters.release_year,
            plan.is_incremental,
            plan.as_at_floor,
            plan.as_at_ceiling,
        ],
    )
