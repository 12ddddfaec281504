"""The building blocks of an extract contract: typed columns, row rules, and the pandera schema.

Every extract kind (notifications, reviews, la_context) is described by a `Contract`: its
columns (with how a value is read) and its row rules. From that one description come the
pandera schema that validates a file, the typed frame that is loaded, and the rule texts the
quarantine shows. Values arrive as trimmed strings (null when blank); every rule is a polars
expression that is true, or null, when the row keeps the rule.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

import pandera.polars as pa
import polars as pl

Kind = Literal["id", "int", "decimal", "date", "datetime", "code", "la_code"]

LONDON = "Europe/London"
TYPED_PREFIX = "__typed_"


def typed(name: str) -> pl.Expr:
    """The typed value of a column, as computed by `Contract.prepare`."""
    return pl.col(TYPED_PREFIX + name)


@dataclass(frozen=True)
class FileContext:
    """What a file's name tells: the export date, or the reporting year of an LA context file."""

    file_date: dt.date | None = None
    reporting_year: int | None = None


@dataclass(frozen=True)
class Column:
    name: str
    kind: Kind
    required: bool
    codes: tuple[str, ...] = ()
    pattern: str | None = None


@dataclass(frozen=True)
class Rule:
    """A rule that one row alone can decide. `valid` builds the expression for a file."""

    id: str
    column: str
    description: str
    valid: Callable[[FileContext], pl.Expr]


def _parses(raw: pl.Expr, value: pl.Expr) -> Callable[[FileContext], pl.Expr]:
    """A format rule: a value given must parse (a blank is for the required-column rule)."""
    return lambda _context: raw.is_null() | value.is_not_null()


FORMAT_RULES = {
    "id": ("invalid_identifier", "must be a notification ID: SIN- and 6 or more digits"),
    "int": ("invalid_integer", "must be a whole number"),
    "decimal": ("invalid_decimal", "must be a number"),
    "date": ("invalid_date", "must be a date, YYYY-MM-DD or DD/MM/YYYY"),
    "datetime": ("invalid_datetime", "must be an ISO 8601 date-time"),
    "code": ("not_in_code_list", "must be one of the codes of its code list"),  # the codes are named
    "la_code": ("invalid_la_code", "must be a 3-digit DfE LA code"),
}
REQUIRED_RULE = ("required", "is required and was blank")

_INT = r"^[+-]?\d+(\.0+)?$"
_DECIMAL = r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$"
_DATETIME = r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})?$"


def parse_int(expr: pl.Expr) -> pl.Expr:
    """A whole number; `805.0` (as Excel writes numbers) is 805."""
    return (
        pl.when(expr.str.contains(_INT))
        .then(expr.str.replace(r"\.0+$", "").cast(pl.Int64, strict=False))
        .otherwise(None)
    )


def parse_decimal(expr: pl.Expr) -> pl.Expr:
    return pl.when(expr.str.contains(_DECIMAL)).then(expr.cast(pl.Float64, strict=False))


def parse_date(expr: pl.Expr) -> pl.Expr:
    """ISO `YYYY-MM-DD` or `DD/MM/YYYY`; anything else (or an impossible day) is null."""
    iso = expr.str.to_date("%Y-%m-%d", strict=False, exact=True)
    uk = expr.str.to_date("%d/%m/%Y", strict=False, exact=True)
    iso_ok = expr.str.contains(r"^\d{4}-\d{2}-\d{2}$")
    uk_ok = expr.str.contains(r"^\d{1,2}/\d{1,2}/\d{4}$")
    return pl.when(iso_ok).then(iso).when(uk_ok).then(uk).otherwise(None)


def parse_datetime(expr: pl.Expr) -> pl.Expr:
    """ISO 8601 with `T` or a space, with or without an offset (none = Europe/London), as UTC."""
    text = expr.str.replace(" ", "T", literal=True).str.replace(r"Z$", "+00:00")
    # Seconds are optional in ISO 8601; give every value seconds so one format reads them all.
    text = text.str.replace(r"^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2})([+-]|$)", "${1}:00${2}")
    has_offset = text.str.contains(r"[+-]\d{2}:?\d{2}$")
    with_offset = text.str.to_datetime("%Y-%m-%dT%H:%M:%S%.f%z", strict=False, time_unit="us", time_zone="UTC")
    local = (
        text.str.to_datetime("%Y-%m-%dT%H:%M:%S%.f", strict=False, time_unit="us")
        .dt.replace_time_zone(LONDON, ambiguous="earliest", non_existent="null")
        .dt.convert_time_zone("UTC")
    )
    shaped = expr.str.contains(_DATETIME)
    return pl.when(shaped & has_offset).then(with_offset).when(shaped).then(local)


def parse_code(expr: pl.Expr, codes: tuple[str, ...]) -> pl.Expr:
    """A code matched case-insensitively, returned in its canonical spelling."""
    lookup = {code.lower(): code for code in codes}
    return expr.str.to_lowercase().replace_strict(
        list(lookup), list(lookup.values()), default=None, return_dtype=pl.String
    )


def parse_id(expr: pl.Expr, pattern: str) -> pl.Expr:
    upper = expr.str.to_uppercase()
    return pl.when(upper.str.contains(pattern)).then(upper)


@dataclass(frozen=True)
class Contract:
    """One extract kind: its columns, its row rules, and helper columns the rules need."""

    kind: str
    columns: tuple[Column, ...]
    rules: tuple[Rule, ...] = ()
    helpers: Callable[[pl.LazyFrame, FileContext], pl.LazyFrame] | None = None

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(column.name for column in self.columns)

    @property
    def required(self) -> tuple[str, ...]:
        return tuple(column.name for column in self.columns if column.required)

    def parse(self, column: Column) -> pl.Expr:
        raw = pl.col(column.name)
        match column.kind:
            case "id":
                return parse_id(raw, column.pattern or ".*")
            case "int":
                return parse_int(raw)
            case "decimal":
                return parse_decimal(raw)
            case "date":
                return parse_date(raw)
            case "datetime":
                return parse_datetime(raw)
            case "code":
                return parse_code(raw, column.codes)
            case "la_code":
                # Any 3-digit code is read; whether it names an LA live at the time is a rule of
                # its own (la_not_live), with its own message.
                number = parse_int(raw).cast(pl.String)
                return pl.when(number.str.contains(r"^\d{3}$")).then(number)
        raise ValueError(column.kind)

    def prepare(self, frame: pl.DataFrame, context: FileContext) -> pl.DataFrame:
        """Add the typed value of every column (and any helpers) beside the raw strings."""
        lazy = frame.lazy().with_columns(
            self.parse(column).alias(TYPED_PREFIX + column.name) for column in self.columns
        )
        if self.helpers is not None:
            lazy = self.helpers(lazy, context)
        return lazy.collect()

    def all_rules(self) -> tuple[Rule, ...]:
        """The format rule of every column, then the contract's own rules."""
        formats = []
        for column in self.columns:
            rule_id, text = FORMAT_RULES[column.kind]
            if column.kind == "code":
                text = f"must be one of {', '.join(column.codes)}"
            formats.append(Rule(rule_id, column.name, text, _parses(pl.col(column.name), typed(column.name))))
        return (*formats, *self.rules)

    def rule_text(self, rule_id: str, column: str) -> str:
        if rule_id == REQUIRED_RULE[0]:
            return REQUIRED_RULE[1]
        return next(rule.description for rule in self.all_rules() if rule.id == rule_id and rule.column == column)

    def schema(self, context: FileContext) -> pa.DataFrameSchema:
        """The pandera schema for one file: one Check per rule, on the column it names."""
        checks: dict[str, list[pa.Check]] = {name: [] for name in self.names}
        for rule in self.all_rules():
            expression = rule.valid(context).fill_null(True)
            checks[rule.column].append(
                pa.Check(
                    lambda data, expression=expression: data.lazyframe.select(expression),
                    error=rule.id,
                )
            )
        return pa.DataFrameSchema(
            {
                column.name: pa.Column(pl.String, nullable=not column.required, checks=checks[column.name])
                for column in self.columns
            },
            strict=False,
        )
