"""Validate one file's rows with its pandera contract: typed rows to load, failures to quarantine."""

from __future__ import annotations

from dataclasses import dataclass

import pandera.errors
import polars as pl

from schemas.contract import Contract, FileContext, typed

MAX_VALUE_CHARS = 50
FIRST_DATA_ROW = 2  # the header is row 1, as a spreadsheet shows it

QUARANTINE_SCHEMA: dict[str, pl.DataType] = {
    "row_number": pl.Int64(),
    "column_name": pl.String(),
    "rule": pl.String(),
    "rule_description": pl.String(),
    "value": pl.String(),
    "notification_id": pl.String(),
    "record_version": pl.Int64(),
    "record_updated_at": pl.Datetime("us", "UTC"),
    "la_code": pl.String(),
}


@dataclass
class Validated:
    loaded: pl.DataFrame
    quarantine: pl.DataFrame
    rows_read: int

    @property
    def rows_quarantined(self) -> int:
        return self.quarantine["row_number"].n_unique() if self.quarantine.height else 0

    @property
    def rows_loaded(self) -> int:
        return self.loaded.height


def validate(contract: Contract, frame: pl.DataFrame, context: FileContext) -> Validated:
    """Run every rule on every row (lazily: all failures, not the first) and split the rows."""
    prepared = contract.prepare(frame.with_row_index("__index"), context)
    try:
        contract.schema(context).validate(prepared, lazy=True)
        failures = pl.DataFrame(schema={"column": pl.String, "check": pl.String, "index": pl.Int64})
    except pandera.errors.SchemaErrors as errors:
        failures = errors.failure_cases.select("column", "check", pl.col("index").cast(pl.Int64)).filter(
            pl.col("index").is_not_null()
        )

    bad_index = failures["index"].unique()
    loaded = prepared.filter(~pl.col("__index").is_in(bad_index.implode())).select(
        (pl.col("__index") + FIRST_DATA_ROW).alias("_row_number"),
        *(typed(name).alias(name) for name in contract.names),
    )
    quarantine = _quarantine_rows(contract, prepared, failures)
    return Validated(loaded=loaded, quarantine=quarantine, rows_read=frame.height)


def _quarantine_rows(contract: Contract, prepared: pl.DataFrame, failures: pl.DataFrame) -> pl.DataFrame:
    if failures.height == 0:
        return pl.DataFrame(schema=QUARANTINE_SCHEMA)
    failures = failures.with_columns(
        pl.when(pl.col("check") == "not_nullable").then(pl.lit("required")).otherwise("check").alias("rule")
    ).unique(["index", "column", "rule"], maintain_order=True)
    # The offending value is read from the row itself, so it is always a contract column's value.
    long_values = prepared.select(
        "__index",
        pl.concat_list(pl.col(contract.names)).alias("__values"),
        (typed("notification_id") if "notification_id" in contract.names else pl.lit(None, pl.String)).alias(
            "notification_id"
        ),
        (typed("record_version") if "record_version" in contract.names else pl.lit(None, pl.Int64)).alias(
            "record_version"
        ),
        # When the row says it was saved (null when that cannot be read): with the version, it decides
        # whether the row is newer than the version that stands (docs/rules.md §1).
        (
            typed("record_updated_at")
            if "record_updated_at" in contract.names
            else pl.lit(None, pl.Datetime("us", "UTC"))
        ).alias("record_updated_at"),
        # The LA the row names (as written when it is not a valid code), so the team knows whom to chase.
        (
            pl.coalesce(typed("la_code"), pl.col("la_code").str.slice(0, MAX_VALUE_CHARS))
            if "la_code" in contract.names
            else pl.lit(None, pl.String)
        ).alias("la_code"),
    )
    positions = {name: i for i, name in enumerate(contract.names)}
    descriptions = {
        f"{rule}|{column}": contract.rule_text(rule, column)
        for rule, column in failures.select("rule", "column").unique().iter_rows()
    }
    joined = failures.join(long_values, left_on="index", right_on="__index", how="left")
    return (
        joined.with_columns(
            pl.col("__values")
            .list.get(pl.col("column").replace_strict(positions, return_dtype=pl.Int64))
            .str.slice(0, MAX_VALUE_CHARS)
            .alias("value"),
            pl.concat_str("rule", pl.lit("|"), "column")
            .replace_strict(descriptions, return_dtype=pl.String)
            .alias("rule_description"),
        )
        .select(
            (pl.col("index") + FIRST_DATA_ROW).alias("row_number"),
            pl.col("column").alias("column_name"),
            "rule",
            "rule_description",
            "value",
            "notification_id",
            "record_version",
            "record_updated_at",
            "la_code",
        )
        .cast(QUARANTINE_SCHEMA)  # type: ignore[arg-type]  # polars' own Mapping type is narrower than its API
        .sort("row_number", "column_name", "rule")
    )
