"""Reference data made by code: the England and Wales bank holidays, from the `holidays` library."""

import datetime as dt

from dagster import AssetExecutionContext, AssetKey, MaterializeResult, asset

from pipelines.lock import connect_when_free
from pipelines.reference.holidays import bank_holiday_frame
from pipelines.resources import Workspace
from pipelines.transform import state


def bank_holidays_contents(as_at: dt.date, calendar_start: dt.date) -> dict[str, str]:
    """What the bank holidays table will hold in a run as at `as_at`, as the fingerprints of the
    models read it (pipelines/transform/state.py, `source_contents`): for the run to know, before it
    starts, which models built from reference data it need not make again."""
    frame = bank_holiday_frame(as_at, calendar_start)
    return {state.BANK_HOLIDAYS: state.contents_digest(frame.select("holiday_date", "calendar_end").rows())}


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
