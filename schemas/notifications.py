"""The contract of `notifications_` extracts (docs/extracts.md §1)."""

from __future__ import annotations

import polars as pl

from schemas.contract import Column, Contract, FileContext, Rule, typed
from schemas.policy import policy
from schemas.reference import age_range, codes, local_authority_periods

ID_PATTERN = r"^SIN-\d{6,}$"

_YNU = codes("yes_no_unknown")

COLUMNS = (
    Column("notification_id", "id", True, pattern=ID_PATTERN),
    Column("record_version", "int", True),
    Column("record_updated_at", "datetime", True),
    Column("record_status", "code", True, codes=codes("record_status")),
    Column("duplicate_of", "id", False, pattern=ID_PATTERN),
    Column("la_code", "la_code", True),
    Column("incident_date", "date", False),
    Column("la_aware_date", "date", True),
    Column("notification_date", "date", True),
    Column("nature", "code", True, codes=codes("nature_of_notification")),
    Column("abuse_neglect", "code", True, codes=codes("abuse_neglect")),
    Column("children_involved", "int", True),
    Column("child_sex", "code", True, codes=codes("child_sex")),
    Column("child_age", "int", False),
    Column("child_ethnicity", "code", True, codes=codes("ethnicity")),
    Column("child_disability", "code", True, codes=_YNU),
    Column("child_looked_after", "code", True, codes=_YNU),
    Column("child_cin_plan", "code", True, codes=_YNU),
    Column("child_cp_plan", "code", True, codes=_YNU),
    Column("known_to_agency", "code", True, codes=_YNU),
    Column("placement_type", "code", True, codes=codes("placement_type")),
)

LA_LIVE = "__la_live_on_notification_date"


def _la_live(frame: pl.LazyFrame, _context: FileContext) -> pl.LazyFrame:
    """Whether the LA code was live on the notification date (an interval join on the seed)."""
    periods = pl.LazyFrame(
        {
            "__la": [p.old_la_code for p in local_authority_periods()],
            "__start": [p.start for p in local_authority_periods()],
            "__end": [p.end for p in local_authority_periods()],
        },
        schema={"__la": pl.String, "__start": pl.Date, "__end": pl.Date},
    )
    indexed = frame.with_row_index("__row")
    live = (
        indexed.select("__row", typed("la_code").alias("__la"), typed("notification_date").alias("__day"))
        .join(periods, on="__la", how="left")
        .group_by("__row")
        .agg(
            (
                (pl.col("__start") <= pl.col("__day"))
                & (pl.col("__end").is_null() | (pl.col("__day") <= pl.col("__end")))
            )
            .any()
            .alias(LA_LIVE)
        )
    )
    return indexed.join(live, on="__row", how="left").sort("__row").drop("__row")


def _between_ages(series: str) -> pl.Expr:
    low, high = age_range(series)
    return typed("child_age").is_between(low, high)


RULES = (
    Rule(
        "version_below_one",
        "record_version",
        "must be 1 or more",
        lambda _c: typed("record_version") >= 1,
    ),
    Rule(
        "la_not_live",
        "la_code",
        "is not a live LA code on notification_date (the local_authorities reference list)",
        lambda _c: typed("la_code").is_null() | typed("notification_date").is_null() | pl.col(LA_LIVE),
    ),
    Rule(
        "incident_after_aware",
        "incident_date",
        "must be on or before la_aware_date",
        lambda _c: typed("incident_date") <= typed("la_aware_date"),
    ),
    Rule(
        "aware_after_notification",
        "la_aware_date",
        "must be on or before notification_date",
        lambda _c: typed("la_aware_date") <= typed("notification_date"),
    ),
    Rule(
        "before_series_start",
        "notification_date",
        f"must not be before the start of the series ({policy().series_start_text})",
        lambda _c: typed("notification_date") >= pl.lit(policy().series_start_date),
    ),
    Rule(
        "after_export_date",
        "notification_date",
        "must not be after the export date in the file's name",
        lambda c: typed("notification_date") <= pl.lit(c.file_date),
    ),
    Rule(
        "not_suspected_not_allowed",
        "abuse_neglect",
        "may be not_suspected only for a child death or a care leaver death",
        lambda _c: (
            (typed("abuse_neglect") != "not_suspected") | typed("nature").is_in(["child_death", "care_leaver_death"])
        ),
    ),
    Rule(
        "children_involved_range",
        "children_involved",
        "must be 1 to 4",
        lambda _c: typed("children_involved").is_between(1, 4),
    ),
    Rule(
        "age_out_of_range",
        "child_age",
        "must be 0 to 17 (16 to 24 for a care leaver death)",
        lambda _c: (
            pl.when(typed("nature") == "care_leaver_death")
            .then(_between_ages("care_leaver"))
            .otherwise(_between_ages("serious_incident"))
        ),
    ),
    Rule(
        "looked_after_required",
        "child_looked_after",
        "must be Y for a child death where abuse or neglect is not suspected",
        lambda _c: (
            ~((typed("nature") == "child_death") & (typed("abuse_neglect") == "not_suspected"))
            | (typed("child_looked_after") == "Y")
        ),
    ),
)

CONTRACT = Contract(kind="notifications", columns=COLUMNS, rules=RULES, helpers=_la_live)
