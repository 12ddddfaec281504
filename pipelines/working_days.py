"""Working days in England and Wales, from the maintained `holidays` library (never a typed list)."""

from __future__ import annotations

import datetime as dt
from functools import cache

import holidays
import numpy as np

from schemas.reference import rules

CALENDAR_START = dt.date.fromisoformat(rules()["calendar_start"])


@cache
def bank_holidays(first_year: int = CALENDAR_START.year, last_year: int | None = None) -> tuple[dt.date, ...]:
    """Every weekday bank holiday in England and Wales, one-off ones included.

    The library also lists a weekend holiday beside its weekday substitute; only weekdays are
    kept, since a weekend day is never a working day anyway.
    """
    last_year = last_year or dt.date.today().year + 3
    calendar = holidays.country_holidays("GB", subdiv="ENG", years=range(first_year, last_year + 1))
    return tuple(sorted(day for day in calendar if day.weekday() < 5))


@cache
def busday_calendar() -> np.busdaycalendar:
    return np.busdaycalendar(weekmask="1111100", holidays=np.array(bank_holidays(), dtype="datetime64[D]"))


def is_working_day(day: dt.date) -> bool:
    return bool(np.is_busday(np.datetime64(day, "D"), busdaycal=busday_calendar()))


def add_working_days(start: dt.date, days: int) -> dt.date:
    """The `days`-th working day after `start` (start itself never counts)."""
    day_after = np.datetime64(start, "D") + 1
    return np.busday_offset(day_after, days - 1, roll="forward", busdaycal=busday_calendar()).astype(dt.date)


def working_days_between(start: dt.date, end: dt.date) -> int:
    """Working days d with start < d <= end."""
    return int(np.busday_count(np.datetime64(start, "D") + 1, np.datetime64(end, "D") + 1, busdaycal=busday_calendar()))
