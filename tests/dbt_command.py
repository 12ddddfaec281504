"""Run the real dbt on a database of a test's own, with its own target folder (for the tests that ask dbt
itself: unit tests, a --vars parse, the publication macros)."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
from pathlib import Path

import duckdb

from pipelines.ingest.load import ensure_tables
from pipelines.parameters import Parameters
from pipelines.reference.holidays import bank_holiday_frame
from pipelines.settings import DBT_PROJECT_DIR
from pipelines.transform.manifest import DBT_EXECUTABLE, dbt_environment
from pipelines.transform.project import write_run_parameters
from pipelines.transform.state import DDL as STATE_DDL
from pipelines.transform.state import BuildPlan
from schemas.policy import policy


def dbt(arguments: list[str], database: Path, work: Path) -> subprocess.CompletedProcess[str]:
    command = [
        str(DBT_EXECUTABLE),
        *arguments,
        "--project-dir",
        str(DBT_PROJECT_DIR),
        "--profiles-dir",
        str(DBT_PROJECT_DIR),
        "--target-path",
        str(work / "target"),
        "--log-path",
        str(work / "logs"),
    ]
    return subprocess.run(
        command,
        capture_output=True,
        text=True,
        env=dbt_environment(database),
        cwd=DBT_PROJECT_DIR,
        timeout=600,
    )


def empty_sources(database: Path, as_at: dt.date = dt.date(2026, 10, 1)) -> None:
    """Everything the models read and the pipeline writes before dbt starts, with no extract rows:
    the raw and quarantine tables, the build state, the run's parameters (a full build as at `as_at`)
    and the bank holidays. `dbt build --empty` then builds every model on it."""
    with duckdb.connect(str(database)) as connection:
        ensure_tables(connection)
        connection.execute(STATE_DDL)
        write_run_parameters(connection, Parameters(as_at=as_at), BuildPlan(is_incremental=False))
        connection.register("holidays", bank_holiday_frame(as_at, policy().calendar_start))
        connection.execute("create or replace table reference.bank_holidays as select * from holidays")


def events(text: str) -> list[dict]:
    """dbt's JSON log lines in `text`, as dicts."""
    return [json.loads(line) for line in text.splitlines() if line.startswith("{")]


def last_invocation(dbt_log: Path) -> list[dict]:
    """The events of the last dbt command that wrote to a dbt log file (JSON lines)."""
    logged = events(dbt_log.read_text(encoding="utf-8"))
    last = logged[-1]["info"]["invocation_id"]
    return [event for event in logged if event["info"]["invocation_id"] == last]
