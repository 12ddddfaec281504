"""The parameters of one run (the as-at date; for a release the year and cut-off), given as Dagster run config.

Nothing here reads the clock when the code location loads: a run started by the schedule takes the
London date of its tick, one started by the sensor the London date when the sensor fired, one
started by `sinstats run` its `--as-at` (default today), and one launched from the UI with no
config the London date when it starts.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from dagster import ConfigurableResource
from pydantic import Field

# (The sensors and the schedule read the London date through this module.)
from pipelines.clock import london_date as london_date
from pipelines.clock import london_today as london_today

RESOURCE_KEY = "run"


def default_cut_off(year: int) -> dt.date:
    """30 June after the reporting year ends (docs/rules.md §2)."""
    return dt.date(year, 6, 30)


@dataclass(frozen=True)
class Parameters:
    """A run's parameters, resolved: the as-at date always; for a release its year and cut-off."""

    as_at: dt.date
    release_year: int | None = None
    cut_off: dt.date | None = None
    full_refresh: bool = False  # rebuild every model from every row (`sinstats run --full-refresh`)

    @property
    def is_release(self) -> bool:
        return self.release_year is not None


class RunParameters(ConfigurableResource):  # type: ignore[type-arg]
    """The run's parameters as run config. Blank fields take their defaults when the run starts."""

    as_at: str = Field(default="", description="YYYY-MM-DD; blank = the London date when the run starts.")
    release_year: int = Field(default=0, description="A release's reporting year; 0 = the current files.")
    cut_off: str = Field(default="", description="A release's cut-off, YYYY-MM-DD; blank = 30 June after its year.")
    full_refresh: bool = Field(default=False, description="Rebuild every model from every row, not only what changed.")

    def resolve(self) -> Parameters:
        if self.release_year:
            cut_off = dt.date.fromisoformat(self.cut_off) if self.cut_off else default_cut_off(self.release_year)
            # A release measures timeliness as at its cut-off (docs/rules.md §2).
            return Parameters(as_at=cut_off, release_year=self.release_year, cut_off=cut_off, full_refresh=True)
        as_at = dt.date.fromisoformat(self.as_at) if self.as_at else london_today()
        return Parameters(as_at=as_at, full_refresh=self.full_refresh)


def run_config(
    as_at: dt.date | None = None,
    release_year: int | None = None,
    cut_off: dt.date | None = None,
    full_refresh: bool = False,
) -> dict[str, Any]:
    """Dagster run config that gives a run these parameters."""
    config: dict[str, Any] = {"full_refresh": True} if full_refresh else {}
    if as_at is not None:
        config["as_at"] = as_at.isoformat()
    if release_year is not None:
        config["release_year"] = release_year
    if cut_off is not None:
        config["cut_off"] = cut_off.isoformat()
    return {"resources": {RESOURCE_KEY: {"config": config}}}
