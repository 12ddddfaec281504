"""The London date: the calendar the pipeline's dates are in. Standard library only, so that
`sinstats run` can check its --as-at before anything heavy is imported."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

LONDON = ZoneInfo("Europe/London")


def london_date(moment: dt.datetime) -> dt.date:
    """The Europe/London calendar date of an instant (a naive instant is taken as UTC)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(LONDON).date()


def london_today() -> dt.date:
    return london_date(dt.datetime.now(dt.UTC))
