"""Bank holidays in England and Wales, from the maintained `holidays` library (never a typed list).

The working-day rule itself is SQL (dbt/models/intermediate/int_calendar_days.sql, tested by dbt
unit tests with cases computed by hand); this module only lists the holidays it needs.
"""

from __future__ import annotations

import datetime as dt
from functools import cache

import holidays
import numpy as np
import polars as pl

from schemas.policy import policy


@cache
def bank_holidays(first_year: int | None = None, last_year: int | None = None) -> tuple[dt.date, ...]:
    """Every weekday bank holiday in England and Wales, one-off ones included.

    The library also lists a weekend holiday beside its weekday substitute; only weekdays are
    kept, since a weekend day is never a working day anyway.
    """
    first_year = first_year or policy().calendar_start.year
    last_year = last_year or dt.date.today().year + 3
    calendar = holidays.country_holidays("GB", subdiv="ENG", years=range(first_year, last_year + 1))
    return tuple(sorted(day for day in calendar if day.weekday() < 5))


YEARS_AHEAD = 3


def bank_holiday_frame(as_at: dt.date, calendar_start: dt.date) -> pl.DataFrame:
    """Every weekday bank holiday from the start of the calendar to a few years past the as-at date:
    the table `reference.bank_holidays` the models read."""
    last_year = max(as_at.year, dt.date.today().year) + YEARS_AHEAD
    days = bank_holidays(calendar_start.year, last_year)
    return pl.DataFrame({"holiday_date": days}, schema={"holiday_date": pl.Date}).with_columns(
        calendar_end=pl.lit(dt.date(last_year, 12, 31))
    )


@cache
def busday_calendar() -> np.busdaycalendar:
    """The working days as numpy counts them, for the synthetic generator's realistic delays."""
    return np.busdaycalendar(weekmask="1111100", holidays=np.array(bank_holidays(), dtype="datetime64[D]"))
