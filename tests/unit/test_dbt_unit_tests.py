"""Every dbt unit test (the counting, versioning and working-day rules in the SQL production runs),
run on an empty warehouse: the models are built with no rows (`dbt build --empty`), which runs each
model's unit tests before it."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import duckdb

from pipelines.ingest.load import ensure_tables
from pipelines.parameters import Parameters
from pipelines.reference.assets import bank_holiday_frame
from pipelines.transform.project import write_run_parameters
from pipelines.transform.state import DDL as STATE_DDL
from pipelines.transform.state import BuildPlan
from schemas.policy import policy
from tests.dbt_command import dbt


def test_every_dbt_unit_test_passes(tmp_path: Path) -> None:
    database = tmp_path / "empty.duckdb"
    with duckdb.connect(str(database)) as connection:
        ensure_tables(connection)
        connection.execute(STATE_DDL)
        write_run_parameters(connection, Parameters(as_at=dt.date(2026, 10, 1)), BuildPlan(is_incremental=False))
        connection.register("holidays", bank_holiday_frame(dt.date(2026, 10, 1), policy().calendar_start))
        connection.execute("create or replace table reference.bank_holidays as select * from holidays")
    result = dbt(["build", "--empty"], database, tmp_path)
    assert result.returncode == 0, result.stdout[-3000:]
    results = json.loads((tmp_path / "target" / "run_results.json").read_text(encoding="utf-8"))["results"]
    unit_tests = {r["unique_id"]: r["status"] for r in results if r["unique_id"].startswith("unit_test.")}
    assert len(unit_tests) >= 7
    assert set(unit_tests.values()) == {"pass"}, unit_tests
