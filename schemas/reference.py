"""Reads the reference seeds (dbt/seeds/reference), the only home of every code list and lookup."""

from __future__ import annotations

import csv
import datetime as dt
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import yaml

PROJECT_ROOT = Path(__file__).resolve().parents[1]
SEEDS_DIR = PROJECT_ROOT / "dbt" / "seeds" / "reference"
DBT_PROJECT_FILE = PROJECT_ROOT / "dbt" / "dbt_project.yml"


def read_seed(name: str) -> list[dict[str, str]]:
    """Rows of one reference seed, as strings, in file order."""
    with (SEEDS_DIR / f"{name}.csv").open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


@cache
def codes(name: str) -> tuple[str, ...]:
    """The codes of a code-list seed (its `code` column), canonical spelling, in file order."""
    return tuple(row["code"] for row in read_seed(name))


@cache
def rules() -> dict:
    """Policy values (series start, first years, thresholds) from the dbt project's `vars`."""
    with DBT_PROJECT_FILE.open(encoding="utf-8") as handle:
        return yaml.safe_load(handle)["vars"]


def series_start_date() -> dt.date:
    return dt.date.fromisoformat(rules()["series_start_date"])


@cache
def age_range(series: str) -> tuple[int, int]:
    """The youngest and oldest valid age for a series, from the age-group seed."""
    ages = [
        (int(row["min_age"]), int(row["max_age"]))
        for row in read_seed("age_group")
        if row["series"] == series and row["min_age"]
    ]
    return min(a for a, _ in ages), max(b for _, b in ages)


@dataclass(frozen=True)
class LocalAuthorityPeriod:
    """One spell of one local authority's 3-digit code, with its 9-character code and region."""

    old_la_code: str
    new_la_code: str
    la_name: str
    region_code: str
    start: dt.date
    end: dt.date | None

    def live_on(self, day: dt.date) -> bool:
        return self.start <= day and (self.end is None or day <= self.end)


def _uk_date(text: str) -> dt.date | None:
    return dt.datetime.strptime(text, "%d/%m/%Y").date() if text else None


@cache
def local_authority_periods() -> tuple[LocalAuthorityPeriod, ...]:
    """Spells of single English LAs; the combined "A / B" rows and the forces row never match."""
    periods = []
    for row in read_seed("local_authorities"):
        code = row["old_la_code"]
        if not (code.isdigit() and len(code) == 3 and row["date_of_operation"]):
            continue
        periods.append(
            LocalAuthorityPeriod(
                old_la_code=code,
                new_la_code=row["new_la_code"],
                la_name=row["la_name"],
                region_code=row["parent_geography_code"],
                start=_uk_date(row["date_of_operation"]),
                end=_uk_date(row["date_of_termination"]),
            )
        )
    return tuple(periods)


@cache
def identifying_columns() -> frozenset[str]:
    return frozenset(row["column_name"] for row in read_seed("identifying_columns"))
