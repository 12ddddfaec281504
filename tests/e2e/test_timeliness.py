"""Timeliness measures through the real pipeline, with cases computed by hand (docs/rules.md §3)."""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

import duckdb
import pytest

from pipelines.runner import run_pipeline
from pipelines.settings import load_settings
from tests.conftest import VALID_REVIEW, notification, write_csv
from tests.once import built_once

pytestmark = pytest.mark.e2e


def case(nid: str, aware: str, notified: str, **changes: str) -> dict:
    defaults = {"nature": "serious_harm", "child_age": "5", "incident_date": ""}
    return notification(
        notification_id=nid,
        la_aware_date=aware,
        notification_date=notified,
        record_updated_at=f"{notified}T12:00:00",
        **{**defaults, **changes},
    )


NOTIFICATIONS = [
    case("SIN-000001", "2022-05-27", "2022-06-07"),  # Jubilee week: 5th working day, on time
    case("SIN-000002", "2022-05-27", "2022-06-08"),  # one working day late
    case("SIN-000003", "2022-04-14", "2022-04-25"),  # Easter
    case("SIN-000004", "2022-12-23", "2023-01-04"),  # Christmas and New Year substitutes
    case("SIN-000005", "2020-05-04", "2020-05-12"),  # the 2020 move of the early May holiday
    case("SIN-000006", "2022-07-09", "2022-07-15"),  # aware on a Saturday
    case("SIN-000007", "2022-07-11", "2022-07-11"),  # notified on the day of awareness
    case("SIN-000008", "2023-08-01", "2023-08-02"),  # local review from 31 August, leap year
    case("SIN-000009", "2022-08-01", "2022-08-02"),  # local review from 31 August, not a leap year
    case("SIN-000010", "2022-09-01", "2022-09-02"),  # rapid review open across the Queen's funeral
    case("SIN-000011", "2022-05-27", "2022-06-07"),  # review dated before the notification
    case(
        "SIN-000012",
        "2022-05-27",
        "2022-06-07",
        abuse_neglect="not_suspected",
        nature="child_death",
        child_looked_after="Y",
        child_age="0",
    ),
]


def review(
    nid: str,
    received: str,
    outcome: str = "no_lcspr",
    decision: str = "",
    sent: str = "",
    published: str = "",
) -> dict:
    return {
        **VALID_REVIEW,
        "notification_id": nid,
        "rapid_review_received_date": received,
        "rapid_review_outcome": outcome,
        "lcspr_decision_date": decision,
        "lcspr_sent_to_panel_date": sent,
        "lcspr_published_date": published,
        "record_updated_at": f"{published or decision or received}T12:00:00",
    }


REVIEWS = [
    review("SIN-000001", "2022-06-21"),  # 15th working day after 27 May 2022 is 21 June
    review("SIN-000002", "2022-06-22"),  # the 16th: late
    review("SIN-000008", "2023-08-20", "lcspr", "2023-08-31", "2024-02-15", "2024-02-29"),
    review("SIN-000009", "2022-08-15", "lcspr", "2022-08-31", "2023-02-27", "2023-03-01"),
    review("SIN-000011", "2022-05-30"),
    review("SIN-000999", "2022-05-30"),  # its notification has not arrived: held, waiting
]


def cases_as_at(landing, warehouse, as_at: dt.date) -> dict:
    settings = load_settings(landing, warehouse, warehouse.parent / f"publish-{as_at}")
    outcome = run_pipeline(settings, as_at, progress=lambda _line: None)
    assert outcome.success, outcome.failures
    with duckdb.connect(str(settings.analysts_copy), read_only=True) as connection:
        rows = connection.execute(
            """
            select notification_id, measure_code, deadline_date, elapsed_working_days, status
            from marts.fct_timeliness
            """
        ).fetchall()
    return {(nid, measure): (deadline, elapsed, status) for nid, measure, deadline, elapsed, status in rows}


@pytest.fixture(scope="session")
def timeliness_run(tmp_path_factory) -> tuple[Path, Path, dict]:
    """The landing folder of the cases above, and a run over it as at 30 June 2024: its warehouse and its
    cases, once for every worker (tests/once.py). Tests must not change it."""

    def build(root: Path) -> tuple[Path, Path, dict]:
        landing = root / "landing"
        landing.mkdir()
        write_csv(landing / "notifications_20240630.csv", NOTIFICATIONS)
        write_csv(landing / "reviews_20240630.csv", REVIEWS)
        warehouse = root / "warehouse" / "sin.duckdb"
        return landing, warehouse, cases_as_at(landing, warehouse, dt.date(2024, 6, 30))

    return built_once(tmp_path_factory, "timeliness_run", build)


@pytest.fixture
def after(timeliness_run) -> dict:
    return timeliness_run[2]


@pytest.fixture
def warehouse(timeliness_run) -> Path:
    return timeliness_run[1]


D = dt.date


@pytest.mark.parametrize(
    ("nid", "deadline", "elapsed", "status"),
    [
        ("SIN-000001", D(2022, 6, 7), 5, "on_time"),
        ("SIN-000002", D(2022, 6, 7), 6, "late"),
        ("SIN-000003", D(2022, 4, 25), 5, "on_time"),
        ("SIN-000004", D(2023, 1, 4), 5, "on_time"),
        ("SIN-000005", D(2020, 5, 12), 5, "on_time"),
        # From a Saturday the 5th working day is Friday 15 July; arriving on the Sunday after still
        # leaves 5 elapsed working days, so the deadline (the last on-time day) is Sunday 17 July.
        ("SIN-000006", D(2022, 7, 17), 5, "on_time"),
        ("SIN-000007", D(2022, 7, 18), 0, "on_time"),  # 12-15, 18 July
    ],
)
def test_notification_within_5_working_days(after, nid, deadline, elapsed, status):
    assert after[(nid, "notification")] == (deadline, elapsed, status)


def test_rapid_review_within_15_working_days(after):
    assert after[("SIN-000001", "rapid_review")][1:] == (15, "on_time")
    assert after[("SIN-000002", "rapid_review")][1:] == (16, "late")


def test_local_review_within_six_months_of_31_august(after):
    assert after[("SIN-000008", "local_review")][0] == D(2024, 2, 29)
    assert after[("SIN-000008", "local_review")][2] == "on_time"
    assert after[("SIN-000009", "local_review")][0] == D(2023, 2, 28)
    assert after[("SIN-000009", "local_review")][2] == "late"


def test_report_sent_7_working_days_before_publication(after):
    assert after[("SIN-000008", "report_before_publication")] == (None, 10, "on_time")
    assert after[("SIN-000009", "report_before_publication")] == (None, 2, "late")


def test_a_review_dated_before_its_notification_is_left_out(after):
    assert after[("SIN-000011", "rapid_review")][2] == "left_out"


def test_no_rapid_review_is_due_for_a_looked_after_death_not_suspected(after):
    assert ("SIN-000012", "notification") in after
    assert ("SIN-000012", "rapid_review") not in after


def test_an_open_case_becomes_overdue_between_two_as_at_dates(timeliness_run, run_folder):
    # 15 working days after Thursday 1 September 2022, with Monday 19 September (the Queen's
    # funeral) not a working day, end on Friday 23 September; the deadline is Sunday 25th.
    landing, warehouse = timeliness_run[0], run_folder / "w" / "sin.duckdb"  # a warehouse of this test's own
    before = cases_as_at(landing, warehouse, D(2022, 9, 23))
    assert before[("SIN-000010", "rapid_review")] == (D(2022, 9, 25), None, "open_not_yet_due")
    later = cases_as_at(landing, warehouse, D(2022, 9, 26))
    assert later[("SIN-000010", "rapid_review")] == (D(2022, 9, 25), None, "open_overdue")


def test_a_review_waiting_for_its_notification_is_held(after, warehouse):
    with duckdb.connect(str(warehouse.with_name("sin_analysts.duckdb")), read_only=True) as connection:
        waiting = connection.execute(
            "select notification_id from marts.fct_reviews where is_waiting_for_notification"
        ).fetchall()
    assert waiting == [("SIN-000999",)]


def test_the_published_file_has_the_measures(after, warehouse):
    path = warehouse.parent / "publish-2024-06-30" / "current" / "sin_timeliness.csv"
    with path.open(encoding="utf-8") as handle:
        rows = [r for r in csv.DictReader(handle) if r["geographic_level"] == "National" and r["time_period"] == "2023"]
    by_measure = {r["measure"]: r for r in rows}
    # Reporting year 2023 holds SIN-000001..3, 6, 7, 9, 10, 11 (notified April 2022 - March 2023)
    # plus SIN-000012 and SIN-000004 (4 January 2023): ten notifications, nine on time, one late.
    notification_row = by_measure["Notification within 5 working days"]
    assert (notification_row["number_due"], notification_row["number_on_time"]) == ("10", "9")
    assert notification_row["percent_on_time"] == "90.0"
    assert notification_row["number_open_overdue"] == "0"
    # Local review: one case, SIN-000009, late: below 5 due, so the rate is suppressed.
    local = by_measure["Local review published within 6 months"]
    assert (local["number_due"], local["number_on_time"], local["percent_on_time"]) == ("1", "c", "c")
