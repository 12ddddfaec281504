"""Reference data made by code: the England and Wales bank holidays, from the `holidays` library."""

import datetime as dt

import polars as pl
from dagster import AssetExecutionContext, AssetKey, MaterializeResult, asset

from pipelines.lock import connect_when_free
from pipelines.reference.holidays import bank_holidays
from pipelines.resources import Workspace

YEARS_AHEAD = 3


def bank_holiday_frame(as_at: dt.date, calendar_start: dt.date) -> pl.DataFrame:
    """Every weekday bank holiday from the start of the calendar to a few years past the as-at date."""
    last_year = max(as_at.year, dt.date.today().year) + YEARS_AHEAD
    days = bank_holidays(calendar_start.year, last_year)
    return pl.DataFrame({"holiday_date": days}, schema={"holiday_date": pl.Date}).with_columns(
        calendar_end=pl.lit(dt.date(last_year, 12, 31))
    )


@asset(
    key=AssetKey(["reference", "bank_holidays"]),
    group_name="reference",
    description="reference.bank_holidays: weekday bank holidays in England and Wales (holidays library)",
)
def bank_holidays_table(context: AssetExecutionContext, workspace: Workspace) -> MaterializeResult[None]:
    settings = workspace.settings
    frame = bank_holiday_frame(workspace.as_at, workspace.policy.calendar_start)
    settings.warehouse.parent.mkdir(parents=True, exist_ok=True)
    with connect_when_free(settings.warehouse) as connection:
        connection.execute("create schema if not exists reference")
        connection.execute("create or replace table reference.bank_holidays as select * from frame")
    context.log.info(f"{frame.height} bank holidays to {frame['calendar_end'][0]}")
    return MaterializeResult(metadata={"holidays": frame.height, "calendar_end": str(frame["calendar_end"][0])})
