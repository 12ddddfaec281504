"""The dbt project as the pipeline runs it: Dagster's dbt resource and the run's parameters table.
The manifest is in `manifest.py`."""

from __future__ import annotations

from functools import cache

import duckdb
from dagster_dbt import DbtCliResource, DbtProject

from pipelines.parameters import Parameters
from pipelines.settings import DBT_PROJECT_DIR
from pipelines.transform.manifest import DBT_EXECUTABLE
from pipelines.transform.state import BuildPlan

DBT_PROJECT = DbtProject(project_dir=DBT_PROJECT_DIR, profiles_dir=DBT_PROJECT_DIR)


@cache
def dbt_cli() -> DbtCliResource:
    """Dagster's dbt resource, as documented: the project (profiles.yml inside) and the dbt installed
    beside this Python (so a run need not have the environment's `bin` on its PATH). One object per
    process: the resource asks dbt its version (`dbt --version`, a process of its own: 2.3 s) once per
    object, and a process that runs several runs (the tests, a notebook) need ask only once."""
    return DbtCliResource(project_dir=DBT_PROJECT, dbt_executable=str(DBT_EXECUTABLE))


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
