"""The dbt project as the pipeline runs it: Dagster's dbt resource, the run's parameters table, and
plain dbt commands on a given warehouse (releases). The manifest is in `manifest.py`."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
from pathlib import Path

import duckdb
from dagster_dbt import DbtCliResource, DbtProject
from packaging import version

from pipelines.settings import DBT_PROJECT_DIR
from pipelines.transform.manifest import DATABASE_VARIABLE, DBT_ENV, DBT_EXECUTABLE

DBT_PROJECT = DbtProject(project_dir=DBT_PROJECT_DIR, profiles_dir=DBT_PROJECT_DIR)


class SinstatsDbtCli(DbtCliResource):
    """dbt as Dagster runs it, without two start-up costs this project does not need.

    DbtCliResource asks the dbt executable for its version (`dbt --version`, a second start of
    dbt: about 2 s) and opens a dbt adapter in this process (about 0.6 s) before every command;
    the adapter only serves row-count and column metadata, which this project does not fetch.
    dbt here is always the dbt-core installed beside this Python, so its version is read from the
    package. uv.lock pins dagster-dbt; the end-to-end tests run every dbt command through this.
    """

    @property
    def _cli_version(self) -> version.Version:
        from dbt.version import __version__

        return version.parse(__version__)

    def _initialize_dbt_core_adapter(self, args):
        return None


def dbt_cli() -> SinstatsDbtCli:
    return SinstatsDbtCli(project_dir=DBT_PROJECT, dbt_executable=str(DBT_EXECUTABLE))


def write_run_parameters(connection: duckdb.DuckDBPyConnection, as_at: dt.date) -> None:
    """The one-row table of the build's parameters the models read (source reference.run_parameters)."""
    connection.execute("create schema if not exists reference")
    connection.execute("create or replace table reference.run_parameters as select ?::date as as_at_date", [as_at])


class DbtFailed(Exception):
    """dbt did not finish; the message says which node failed and why."""


def run_dbt(arguments: list[str], database: Path, target_path: Path) -> str:
    """Run dbt on a given warehouse file with its own target folder; return its output."""
    command = [
        str(DBT_EXECUTABLE),
        *arguments,
        "--project-dir",
        str(DBT_PROJECT_DIR),
        "--profiles-dir",
        str(DBT_PROJECT_DIR),
        "--target-path",
        str(target_path),
        "--log-path",
        str(target_path / "logs"),
    ]
    env = {**os.environ, **DBT_ENV, DATABASE_VARIABLE: str(database)}
    result = subprocess.run(command, capture_output=True, text=True, env=env, cwd=DBT_PROJECT_DIR)
    if result.returncode != 0:
        failures = [line.strip() for line in result.stdout.splitlines() if "Error" in line or "FAIL" in line]
        raise DbtFailed("; ".join(failures[:5]) or result.stdout[-500:])
    return result.stdout
