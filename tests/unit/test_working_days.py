"""Working days in England and Wales (rules.md §3), with cases computed by hand."""

from __future__ import annotations

import datetime as dt

import pytest

from pipelines.working_days import add_working_days, bank_holidays, is_working_day, working_days_between

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
    assert not is_working_day(day)


def test_the_usual_early_may_monday_was_a_working_day_in_2020():
    assert is_working_day(D(2020, 5, 4))


def test_weekend_holidays_are_not_listed_beside_their_substitutes():
    assert all(day.weekday() < 5 for day in bank_holidays())
    assert D(2022, 12, 25) not in bank_holidays()


@pytest.mark.parametrize(
    ("aware", "fifth_working_day"),
    [
        (D(2022, 5, 27), D(2022, 6, 7)),  # rules.md: 30, 31 May, 1, 6, 7 June
        (D(2022, 4, 14), D(2022, 4, 25)),  # Easter: 19, 20, 21, 22, 25 April
        (D(2022, 12, 23), D(2023, 1, 4)),  # 28, 29, 30 Dec, 3, 4 Jan
        (D(2020, 5, 4), D(2020, 5, 12)),  # 5, 6, 7, 11, 12 May (8 May moved holiday)
        (D(2022, 7, 9), D(2022, 7, 15)),  # aware on a Saturday: 11-15 July
    ],
)
def test_the_fifth_working_day_after_awareness(aware, fifth_working_day):
    assert add_working_days(aware, 5) == fifth_working_day
    assert working_days_between(aware, fifth_working_day) == 5
    assert working_days_between(aware, fifth_working_day + dt.timedelta(days=1)) in (5, 6)


def test_day_a_itself_never_counts():
    assert working_days_between(D(2022, 7, 11), D(2022, 7, 11)) == 0
    assert working_days_between(D(2022, 5, 27), D(2022, 6, 8)) == 6
