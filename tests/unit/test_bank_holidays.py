"""The bank holidays the working-day calendar is built from (docs/rules.md §3): one-off, moved and substitute days.

The working-day rule itself is tested where it runs, in SQL: the dbt unit tests in
dbt/models/intermediate/_intermediate.yml.
"""

from __future__ import annotations

import datetime as dt

import pytest

from pipelines.reference.holidays import bank_holidays

D = dt.date


@pytest.mark.parametrize(
    "day",
    [
        D(2020, 5, 8),
        D(2022, 6, 2),
        D(2022, 6, 3),
        D(2022, 9, 19),
        D(2023, 5, 8),
        D(2022, 12, 27),
        D(2023, 1, 2),
        D(2022, 4, 15),
        D(2022, 4, 18),
    ],
    ids=[
        "VE-day-2020",
        "jubilee-1",
        "jubilee-2",
        "queens-funeral",
        "coronation",
        "christmas-substitute",
        "new-year-substitute",
        "good-friday",
        "easter-monday",
    ],
)
def test_one_off_moved_and_substitute_holidays_are_not_working_days(day):
    assert day in bank_holidays()


def test_the_usual_early_may_monday_was_a_working_day_in_2020():
    assert D(2020, 5, 4) not in bank_holidays()


def test_weekend_holidays_are_not_listed_beside_their_substitutes():
    assert all(day.weekday() < 5 for day in bank_holidays())
    assert D(2022, 12, 25) not in bank_holidays()
