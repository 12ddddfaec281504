"""The disclosure stage's assets: the dbt cell tables in, the suppressed publish tables out, and the check
that what is written keeps its declared columns and every rule of docs/rules.md §4."""

from collections.abc import Iterator
from dataclasses import dataclass

import duckdb
import polars as pl
from dagster import (
    AssetCheckExecutionContext,
    AssetCheckResult,
    AssetCheckSeverity,
    AssetCheckSpec,
    AssetExecutionContext,
    AssetKey,
    AssetSpec,
    MaterializeResult,
    multi_asset,
    multi_asset_check,
)

from pipelines.disclosure.tables import (
    METHOD,
    Equations,
    care_leaver_equations,
    characteristics_equations,
    national_file,
    rule_breaches,
    suppressed_counts,
)
from pipelines.lock import connect_when_free
from pipelines.publish.catalogue import PUBLISH_SCHEMA, PublishedTable, published_tables
from pipelines.publish.standard import MANDATORY
from pipelines.resources import Workspace
from pipelines.transform.project import DBT_PROJECT
from schemas.policy import Policy

GROUP = "disclosure"
COUNT = "number_notifications"


@dataclass(frozen=True)
class SuppressedFile:
    """An open-data file with disclosure control: the cell table it is made from, and its sums."""

    name: str
    cells: str  # the intermediate dbt model of its cells, before suppression
    order: tuple[str, ...]  # publication order
    equations: Equations


SUPPRESSED_FILES = (
    SuppressedFile(
        "sin_nature_characteristics",
        "int_characteristic_cells_counted",
        ("time_period", "quarter_order", "topic_order", "item_order", "nature_order"),
        characteristics_equations,
    ),
    SuppressedFile(
        "sin_care_leaver_deaths",
        "int_care_leaver_cells_counted",
        ("time_period", "publish_order"),
        care_leaver_equations,
    ),
)


def _key(name: str) -> AssetKey:
    return AssetKey([PUBLISH_SCHEMA, name])


def _declared(name: str) -> PublishedTable:
    return published_tables(DBT_PROJECT.manifest_path)[name]


def suppressed_table(
    connection: duckdb.DuckDBPyConnection, file: SuppressedFile, policy: Policy
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The file's cells with primary and secondary suppression applied, in its declared columns; and
    the method that chose each year's pattern."""
    cells = connection.sql(f"select * from intermediate.{file.cells}").pl().sort(*file.order)
    equations, known = file.equations(cells, policy)
    published = suppressed_counts(cells, COUNT, equations, known, policy.primary_suppression_max)
    countries = connection.sql("select * from reference.countries").pl()
    columns = [column.name for column in _declared(file.name).columns]
    methods = (
        published.filter(pl.col(METHOD).is_not_null())
        .group_by("time_period")
        .agg(pl.col(METHOD).unique().sort().str.join("; "))
        .sort("time_period")
    )
    return national_file(published, countries, [c for c in columns if c not in MANDATORY]), methods


METHODS_TABLE = "pipeline.suppression_methods"


def write_methods(connection: duckdb.DuckDBPyConnection, name: str, methods: pl.DataFrame) -> None:
    """Each year of the file with the method that chose its pattern (the release's manifest names them)."""
    connection.execute("begin transaction")
    connection.execute("create schema if not exists pipeline")
    connection.execute(
        f"create table if not exists {METHODS_TABLE} (file varchar, time_period integer, method varchar)"
    )
    connection.execute(f"delete from {METHODS_TABLE} where file = ?", [name])
    connection.register("methods_frame", methods)
    connection.execute(f"insert into {METHODS_TABLE} select ?, time_period, {METHOD} from methods_frame", [name])
    connection.unregister("methods_frame")
    connection.execute("commit")


@dataclass(frozen=True)
class SuppressionCount:
    primary: int  # cells hidden because they are 1 up to the threshold
    secondary: int  # cells hidden besides, to protect them
    method: str  # what chose the secondary cells, with the years where that differs


def describe_methods(rows: list[tuple[int, str]]) -> str:
    """'integer programming', or each method with its years where the years differ."""
    years: dict[str, list[int]] = {}
    for year, method in sorted(rows):
        years.setdefault(method, []).append(year)
    if len(years) <= 1:
        return next(iter(years), "")
    return "; ".join(f"{method} ({', '.join(map(str, found))})" for method, found in years.items())


def suppression_counts(connection: duckdb.DuckDBPyConnection, primary_max: int) -> dict[str, SuppressionCount]:
    """For each suppressed file with figures: the cells primary suppression hid (1 up to the threshold),
    the cells secondary suppression hid besides (docs/rules.md §4: a release reports both), and the
    method that chose them."""
    counts = {}
    for file in SUPPRESSED_FILES:
        published = connection.sql(f'select {COUNT} from {PUBLISH_SCHEMA}."{file.name}"').pl()[COUNT]
        if published.len() == 0:
            continue
        cells = connection.sql(f"select {COUNT} from intermediate.{file.cells}").pl()[COUNT]
        primary = int(((cells >= 1) & (cells <= primary_max)).sum())
        methods = connection.execute(
            f"select time_period, method from {METHODS_TABLE} where file = ?", [file.name]
        ).fetchall()
        counts[file.name] = SuppressionCount(
            primary, int((published == "c").sum()) - primary, describe_methods(methods)
        )
    return counts


def _literal(text: str) -> str:
    """A SQL string literal (COMMENT ON takes no parameters)."""
    return "'" + text.replace("'", "''") + "'"


def write_declared(connection: duckdb.DuckDBPyConnection, table: PublishedTable, frame: pl.DataFrame) -> None:
    """Create the table with exactly its declared columns and types, then insert: a frame that does not
    fit the declaration fails here, before anything is published (the contract, enforced)."""
    columns = ", ".join(f'"{c.name}" {c.data_type}' for c in table.columns)
    names = ", ".join(f'"{c.name}"' for c in table.columns)
    target = f'{PUBLISH_SCHEMA}."{table.name}"'
    connection.execute("begin transaction")
    connection.execute(f"create schema if not exists {PUBLISH_SCHEMA}")
    connection.execute(f"create or replace table {target} ({columns})")
    connection.register("suppressed_frame", frame.select([c.name for c in table.columns]))
    connection.execute(f"insert into {target} ({names}) select {names} from suppressed_frame")
    connection.unregister("suppressed_frame")
    # The descriptions of the yml, as DuckDB comments, as dbt's persist_docs gives the other tables.
    connection.execute(f"comment on table {target} is {_literal(table.description)}")
    for column in table.columns:
        connection.execute(f'comment on column {target}."{column.name}" is {_literal(column.description)}')
    connection.execute("commit")


@multi_asset(
    specs=[
        AssetSpec(
            _key(file.name),
            group_name=GROUP,
            deps=[AssetKey(["intermediate", file.cells]), AssetKey(["reference", "countries"])],
            description=f"publish.{file.name}: {file.cells} with primary and secondary suppression (docs/rules.md §4)",
        )
        for file in SUPPRESSED_FILES
    ],
    name="suppressed_tables",
    can_subset=False,
)
def suppressed_tables(context: AssetExecutionContext, workspace: Workspace) -> Iterator[MaterializeResult[None]]:
    """Suppress the cells of each file and write its publish table."""
    with connect_when_free(workspace.settings.warehouse) as connection:
        for file in SUPPRESSED_FILES:
            frame, methods = suppressed_table(connection, file, workspace.policy)
            write_declared(connection, _declared(file.name), frame)
            write_methods(connection, file.name, methods)
            hidden = int((frame[COUNT] == "c").sum())
            context.log.info(f"publish.{file.name}: {hidden} of {frame.height} cells suppressed")
            yield MaterializeResult(
                asset_key=_key(file.name), metadata={"rows": frame.height, "cells_suppressed": hidden}
            )
        for name, count in suppression_counts(connection, workspace.policy.primary_suppression_max).items():
            context.log.info(
                f"publish.{name}: {count.primary} cells hidden by primary suppression, {count.secondary} by "
                f"secondary ({count.method})"
            )


def table_problems(connection: duckdb.DuckDBPyConnection, file: SuppressedFile, policy: Policy) -> list[str]:
    """What is wrong with a written table: columns or types other than declared, or a rule of §4 broken."""
    # Declared in the portable names both engines read (`string`); compared as DuckDB names them.
    declared = [
        (c.name, connection.sql(f"select typeof(cast(null as {c.data_type}))").fetchall()[0][0])
        for c in _declared(file.name).columns
    ]
    written = connection.execute(
        "select column_name, data_type from information_schema.columns "
        "where table_schema = ? and table_name = ? order by ordinal_position",
        [PUBLISH_SCHEMA, file.name],
    ).fetchall()
    if [(name, kind.upper()) for name, kind in written] != declared:
        return [f"columns are {written}, not the declared {declared}"]
    cells = connection.sql(f"select * from intermediate.{file.cells}").pl().sort(*file.order)
    published = connection.sql(f'select * from {PUBLISH_SCHEMA}."{file.name}"').pl()
    return rule_breaches(cells, published, COUNT, file.equations, policy)


@multi_asset_check(
    specs=[
        AssetCheckSpec(
            "disclosure_holds",
            asset=_key(file.name),
            blocking=True,
            description=(
                "The table has exactly its declared columns and types; every published count equals its cell; "
                "no count from 1 to the threshold is published; no sum of docs/rules.md §4 has exactly one c; and "
                "no c can be worked out from the sums together."
            ),
        )
        for file in SUPPRESSED_FILES
    ],
    can_subset=False,
)
def disclosure_holds(context: AssetCheckExecutionContext, workspace: Workspace) -> Iterator[AssetCheckResult]:
    with duckdb.connect(str(workspace.settings.warehouse), read_only=True) as connection:
        for file in SUPPRESSED_FILES:
            problems = table_problems(connection, file, workspace.policy)
            yield AssetCheckResult(
                asset_key=_key(file.name),
                check_name="disclosure_holds",
                passed=not problems,
                severity=AssetCheckSeverity.ERROR,
                description="; ".join(problems[:5]) if problems else None,
                metadata={"problems": len(problems)},
            )
