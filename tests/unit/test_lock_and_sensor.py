"""One run at a time per warehouse, and a sensor that fires once for each new file."""

from __future__ import annotations

import multiprocessing
import os
import time
from pathlib import Path

import pytest
from dagster import build_sensor_context

from pipelines.automation.sensors import new_files
from pipelines.definitions import defs
from pipelines.resources import SinstatsSettings
from pipelines.serve.lock import WarehouseBusy, warehouse_lock


def _hold(warehouse: str, seconds: float, ready) -> None:
    with warehouse_lock(Path(warehouse), lambda _m: None):
        ready.set()
        time.sleep(seconds)


def test_a_second_holder_waits_and_then_gives_up_with_a_clear_message(tmp_path):
    warehouse = tmp_path / "sin.duckdb"
    ready = multiprocessing.Event()
    holder = multiprocessing.Process(target=_hold, args=(str(warehouse), 3, ready))
    holder.start()
    assert ready.wait(10)
    messages = []
    with (
        pytest.raises(WarehouseBusy, match="another run has been using"),
        warehouse_lock(warehouse, messages.append, 1),
    ):
        pass
    assert messages and "waiting up to 1 s" in messages[0]
    holder.join()
    with warehouse_lock(warehouse, messages.append, 1):  # free again
        pass


def test_a_killed_holder_leaves_no_stale_lock(tmp_path):
    warehouse = tmp_path / "sin.duckdb"
    ready = multiprocessing.Event()
    holder = multiprocessing.Process(target=_hold, args=(str(warehouse), 60, ready))
    holder.start()
    assert ready.wait(10)
    os.kill(holder.pid, 9)
    holder.join()
    with warehouse_lock(warehouse, lambda _m: None, 2):
        pass


def _evaluate(landing: Path, cursor: str | None):
    paths = SinstatsSettings(
        landing=str(landing), warehouse=str(landing.parent / "w.duckdb"), publish=str(landing.parent)
    )
    context = build_sensor_context(cursor=cursor, resources={"paths": paths})
    result = defs.get_sensor_def("new_extract_files").evaluate_tick(context)
    return result.run_requests or [], result.cursor


def test_the_sensor_fires_once_for_each_new_file_and_not_again(tmp_path):
    landing = tmp_path / "landing"
    landing.mkdir()
    (landing / "readme.txt").write_text("not an extract")
    requests, cursor = _evaluate(landing, None)
    assert requests == []
    (landing / "notifications_20240405.csv").write_text("a\n")
    requests, cursor = _evaluate(landing, cursor)
    assert len(requests) == 1 and requests[0].tags["sinstats/new_files"] == "notifications_20240405.csv"
    first_key = requests[0].run_key
    assert _evaluate(landing, cursor)[0] == []
    (landing / "reviews_20240405.csv").write_text("a\n")
    (landing / "la_context_2024.xlsx").write_text("a\n")
    requests, cursor = _evaluate(landing, cursor)
    assert len(requests) == 1
    assert requests[0].tags["sinstats/new_files"] == "la_context_2024.xlsx, reviews_20240405.csv"
    assert requests[0].run_key != first_key
    assert _evaluate(landing, cursor)[0] == []


def test_a_file_whose_bytes_change_is_new_again(tmp_path):
    landing = tmp_path / "landing"
    landing.mkdir()
    path = landing / "notifications_20240405.csv"
    path.write_text("a\n")
    fresh, cursor = new_files(landing, None)
    assert len(fresh) == 1
    path.write_text("a longer file\n")
    fresh, _ = new_files(landing, cursor)
    assert len(fresh) == 1


def test_the_schedule_runs_daily_at_six_london_time():
    schedule = defs.get_schedule_def("daily_0600")
    assert (schedule.cron_schedule, schedule.execution_timezone) == ("0 6 * * *", "Europe/London")
    assert schedule.job_name == "run_everything"
