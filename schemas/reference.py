"""Reads the reference seeds (dbt/seeds/reference), the only home of every code list and lookup."""

from __future__ import annotations

import csv
import datetime as dt
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from schemas.policy import policy

PROJECT_ROOT = Path(__file__).resolve().parents[1]
SEEDS_DIR = PROJECT_ROOT / "dbt" / "seeds" / "reference"


def read_seed(name: str) -> list[dict[str, str]]:
    """Rows of one reference seed, as strings, in file order."""
    with (SEEDS_DIR / f"{name}.csv").open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


@cache
def codes(name: str) -> tuple[str, ...]:
    """The codes of a code-list seed (its `code` column), canonical spelling, in file order."""
    return tuple(row["code"] for row in read_seed(name))


def symbol_rows() -> list[dict[str, str]]:
    """The symbols published in place of figures, with their meanings, in publication order."""
    return sorted(read_seed("symbols"), key=lambda row: int(row["publish_order"]))


def symbols_legend(separator: str = ", ") -> str:
    """The symbols published in place of figures, each with its meaning: "c confidential, k ..."."""
    return separator.join(f"{row['symbol']} {row['meaning']}" for row in symbol_rows())


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


@cache
def local_authority_periods() -> tuple[LocalAuthorityPeriod, ...]:
    """Spells of single English LAs: the seed's rows that keep the policy's single-LA condition, the
    same SQL condition dbt's stg_reference__local_authorities applies (one home: dbt_project.yml)."""
    import duckdb

    rows = duckdb.execute(
        "select old_la_code, new_la_code, la_name, parent_geography_code, "
        "strptime(date_of_operation, '%d/%m/%Y')::date, strptime(date_of_termination, '%d/%m/%Y')::date "
        f"from read_csv(?, header = true, all_varchar = true) where {policy().single_la_condition}",
        [str(SEEDS_DIR / "local_authorities.csv")],
    ).fetchall()
    return tuple(
        LocalAuthorityPeriod(old_la_code=code, new_la_code=new, la_name=name, region_code=region, start=start, end=end)
        for code, new, name, region, start, end in rows
    )


@cache
def identifying_columns() -> frozenset[str]:
    return frozenset(row["column_name"] for row in read_seed("identifying_columns"))
