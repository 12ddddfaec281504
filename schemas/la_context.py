"""The contract of `la_context_` extracts (docs/extracts.md §3)."""

from __future__ import annotations

import datetime as dt

import polars as pl

from schemas.contract import Column, Contract, FileContext, Rule, typed
from schemas.reference import local_authority_periods


def _live_in_year(context: FileContext) -> pl.Expr:
    """The LA code names an LA live on some day of the file's reporting year (April to March)."""
    year = context.reporting_year or 0
    first, last = dt.date(year - 1, 4, 1), dt.date(year, 3, 31)
    live = sorted(
        {p.old_la_code for p in local_authority_periods() if p.start <= last and (p.end is None or p.end >= first)}
    )
    return typed("la_code").is_null() | typed("la_code").is_in(live)


COLUMNS = (
    Column("time_period", "int", True),
    Column("la_code", "la_code", True),
    Column("cin_31march", "int", False),
    Column("idaci_avgscore", "decimal", False),
    Column("ons_midyear_population", "int", False),
)

RULES = (
    Rule(
        "la_not_live",
        "la_code",
        "is not a live LA code in the reporting year of the file (the local_authorities reference list)",
        _live_in_year,
    ),
    Rule(
        "time_period_not_file_year",
        "time_period",
        "must be the reporting year in the file's name",
        lambda c: typed("time_period") == pl.lit(c.reporting_year),
    ),
    Rule(
        "negative_count",
        "cin_31march",
        "must not be negative",
        lambda _c: typed("cin_31march") >= 0,
    ),
    Rule(
        "negative_population",
        "ons_midyear_population",
        "must not be negative",
        lambda _c: typed("ons_midyear_population") >= 0,
    ),
)

CONTRACT = Contract(kind="la_context", columns=COLUMNS, rules=RULES)
