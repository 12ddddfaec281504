"""One run at a time per warehouse, and a sensor that fires once for each new file."""

from __future__ import annotations

import datetime as dt
import multiprocessing
import os
import time
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from dagster import build_schedule_context, build_sensor_context

from pipelines import parameters
from pipelines.automation.sensors import new_files
from pipelines.definitions import defs
from pipelines.lock import WarehouseBusy, warehouse_lock
from pipelines.resources import Locations


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
        pytest.raises(WarehouseBusy) as busy,
        warehouse_lock(warehouse, messages.append, 1),
    ):
        pass
    said = f"another run (pid {holder.pid}) held the warehouse for more than 1 s; nothing was changed"
    assert str(busy.value) == said
    assert messages == [f"another run (pid {holder.pid}) is using {warehouse}; waiting up to 1 s"]
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
    locations = Locations(landing=str(landing), warehouse=str(landing.parent / "w.duckdb"), publish=str(landing.parent))
    context = build_sensor_context(cursor=cursor, resources={"locations": locations})
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


def test_a_scheduled_run_is_as_at_the_london_date_of_its_tick_not_of_loading():
    """The definitions were loaded today; the tick is 06:00 London time on 5 January 2027."""
    tick = dt.datetime(2027, 1, 5, 6, 0, tzinfo=ZoneInfo("Europe/London"))
    context = build_schedule_context(scheduled_execution_time=tick)
    request = defs.get_schedule_def("daily_0600").evaluate_tick(context).run_requests[0]
    assert request.run_config == {"resources": {"run": {"config": {"as_at": "2027-01-05"}}}}


def test_a_tick_just_after_midnight_london_in_summer_is_that_london_day():
    """00:30 on 1 July 2027 in London is 23:30 on 30 June in UTC: the London date counts."""
    tick = dt.datetime(2027, 6, 30, 23, 30, tzinfo=dt.UTC)
    request = defs.get_schedule_def("daily_0600").evaluate_tick(build_schedule_context(scheduled_execution_time=tick))
    assert request.run_requests[0].run_config["resources"]["run"]["config"]["as_at"] == "2027-07-01"


def test_a_sensor_run_is_as_at_the_london_date_when_the_sensor_fires(tmp_path, monkeypatch):
    """Loaded on one day, fired on 5 January 2027 at 23:59 UTC (still the 5th in London in winter)."""
    landing = tmp_path / "landing"
    landing.mkdir()
    (landing / "notifications_20270105.csv").write_text("a\n")
    fired = dt.datetime(2027, 1, 5, 23, 59, tzinfo=dt.UTC)
    monkeypatch.setattr(parameters, "london_today", lambda: parameters.london_date(fired))
    requests, _ = _evaluate(landing, None)
    assert requests[0].run_config == {"resources": {"run": {"config": {"as_at": "2027-01-05"}}}}
