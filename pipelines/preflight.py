"""Checks made before any work starts (before Dagster or dbt): every setting has a value that can work.

A mistake is a `SettingProblem`: one line naming the setting (the option, or the variable it came
from), its value, and what is expected. The command turns it into exit status 2. Standard library
only, so the checks answer within a second, not after the minute a failing run would take.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import uuid
from dataclasses import dataclass
from pathlib import Path

from pipelines.settings import ENV_AS_AT, ENV_LANDING, ENV_PUBLISH, ENV_WAREHOUSE

ENV_LOCK_WAIT = "SINSTATS_LOCK_WAIT_SECONDS"
ENV_MEMORY_LIMIT = "SINSTATS_DUCKDB_MEMORY_LIMIT"
MEMORY = re.compile(r"^\d+(\.\d+)?\s*(B|KB|MB|GB|TB|KIB|MIB|GIB|TIB)$", re.IGNORECASE)
DATE_FORMAT = "YYYY-MM-DD"


class SettingProblem(Exception):
    """A setting that cannot work; the message is the one line a user reads."""


@dataclass(frozen=True)
class Setting:
    """Where a value came from, for the message: the option if given, else its variable."""

    option: str
    variable: str | None
    given: str | Path | None

    def name(self) -> str:
        if self.given is not None or self.variable is None:
            return self.option
        return self.variable if os.environ.get(self.variable) else f"{self.option} (default)"


def _long_date(day: dt.date) -> str:
    return f"{day.day} {day:%B %Y}"


def parse_date(text: str, setting: str, expected: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise SettingProblem(f"{setting} is '{text}', not a date: expected {DATE_FORMAT}, {expected}.") from None


def check_variables() -> None:
    """The SINSTATS_* variables that are not paths or dates: each must be usable as it is."""
    wait = os.environ.get(ENV_LOCK_WAIT)
    if wait is not None:
        try:
            seconds = float(wait)
        except ValueError:
            seconds = -1
        if not seconds >= 0:
            raise SettingProblem(f"{ENV_LOCK_WAIT} is '{wait}': expected a number of seconds, 0 or more.")
    memory = os.environ.get(ENV_MEMORY_LIMIT)
    if memory is not None and not MEMORY.match(memory.strip()):
        raise SettingProblem(f"{ENV_MEMORY_LIMIT} is '{memory}': expected a size such as 4GB or 500MB.")


def check_landing(landing: Path, setting: Setting) -> None:
    if not landing.exists():
        raise SettingProblem(
            f"{setting.name()} is {landing}, which does not exist: expected a folder of extract files."
        )
    if not landing.is_dir():
        raise SettingProblem(f"{setting.name()} is {landing}, a file: expected the folder the extract files land in.")
    if not os.access(landing, os.R_OK | os.X_OK):
        raise SettingProblem(f"{setting.name()} is {landing}, which cannot be read: expected a readable folder.")


def check_writable_folder(folder: Path, setting: Setting, shown: Path, what: str) -> None:
    """The folder exists or can be made, and a file can be written in it and removed again."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        reason = error.strerror or type(error).__name__
        raise SettingProblem(
            f"{setting.name()} is {shown}, but {folder} cannot be created ({reason}): expected {what}."
        ) from None
    try:
        probe = folder / f".sinstats-write-check-{uuid.uuid4().hex}"
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as error:
        reason = error.strerror or type(error).__name__
        raise SettingProblem(
            f"{setting.name()} is {shown}, but {folder} cannot be written ({reason}): expected {what}."
        ) from None


def check_warehouse(warehouse: Path, setting: Setting) -> None:
    if warehouse.is_dir():
        raise SettingProblem(f"{setting.name()} is {warehouse}, a folder: expected the path of a DuckDB file.")
    check_writable_folder(warehouse.parent, setting, warehouse, "a DuckDB file in a folder that can be written")


def check_publish(publish: Path, setting: Setting) -> None:
    if publish.exists() and not publish.is_dir():
        raise SettingProblem(f"{setting.name()} is {publish}, a file: expected a folder to publish into.")
    check_writable_folder(publish, setting, publish, "a folder that can be written")


def check_as_at(as_at: dt.date, setting: str, today: dt.date, series_start: dt.date) -> None:
    """A run's as-at date is in the series and not in the future (docs/rules.md §2)."""
    allowed = f"from {series_start.isoformat()} (the start of the series) to today ({today.isoformat()})"
    if as_at > today:
        raise SettingProblem(f"{setting} is {as_at.isoformat()}, which is in the future: it must be {allowed}.")
    if as_at < series_start:
        raise SettingProblem(f"{setting} is {as_at.isoformat()}, before the series starts: it must be {allowed}.")


def last_ended_year(today: dt.date) -> int:
    """The latest reporting year that has ended by today (a year ends at the end of 31 March)."""
    return today.year if today > dt.date(today.year, 3, 31) else today.year - 1


def check_release(year: int, cut_off: dt.date, cut_off_given: bool, today: dt.date, first_year: int) -> None:
    """A release is for a year of the series that has ended, as at a cut-off that has passed (docs/rules.md §2)."""
    last = last_ended_year(today)
    years = f"a release can be built for {first_year} to {last}"
    if year < first_year:
        raise SettingProblem(f"YEAR is {year}, before the series starts: {years}.")
    if year > last:
        ends = dt.date(year, 3, 31)
        raise SettingProblem(f"YEAR is {year}, which has not ended (it ends on {_long_date(ends)}): {years}.")
    earliest = dt.date(year, 4, 1)
    allowed = f"from {earliest.isoformat()} (after the year ends) to today ({today.isoformat()})"
    setting = "--cut-off" if cut_off_given else "the default cut-off (30 June after the year)"
    if cut_off < earliest:
        raise SettingProblem(
            f"{setting} is {cut_off.isoformat()}, before the reporting year ends: it must be {allowed}."
        )
    if cut_off > today:
        hint = "" if cut_off_given else "; give an earlier --cut-off"
        raise SettingProblem(f"{setting} is {cut_off.isoformat()}, which has not passed: it must be {allowed}{hint}.")


def landing_setting(given: str | Path | None) -> Setting:
    return Setting("--landing", ENV_LANDING, given)


def warehouse_setting(given: str | Path | None) -> Setting:
    return Setting("--warehouse", ENV_WAREHOUSE, given)


def publish_setting(given: str | Path | None) -> Setting:
    return Setting("--publish", ENV_PUBLISH, given)


def as_at_setting(given: str | None) -> str:
    return "--as-at" if given is not None else ENV_AS_AT
