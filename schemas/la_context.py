"""The contract of `la_context_` extracts (docs/extracts.md §3)."""

from __future__ import annotations

import polars as pl

from schemas.contract import Column, Contract, Rule, typed
from schemas.notifications import LA_CODES

COLUMNS = (
    Column("time_period", "int", True),
    Column("la_code", "la_code", True, codes=LA_CODES),
    Column("cin_31march", "int", False),
    Column("idaci_avgscore", "decimal", False),
    Column("ons_midyear_population", "int", False),
)

RULES = (
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
