"""Load the landing folder into the warehouse's `raw` and `quarantine` schemas, one file at a time.

Each file is one transaction: its raw rows, its quarantined rows and its line in the file log
land together or not at all. A file whose bytes were seen before (loaded or rejected) is not
read again.
"""

from __future__ import annotations

import datetime as dt
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import polars as pl

from pipelines.ingest.landing import LandedFile, scan, sha256
from pipelines.ingest.readers import Extract, FileRejected, read_extract
from pipelines.ingest.validate import validate
from pipelines.lock import connect_when_free
from schemas.contract import Contract, FileContext
from schemas.contracts import CONTRACTS

SQL_TYPES = {
    "id": "varchar",
    "int": "bigint",
    "decimal": "double",
    "date": "date",
    "datetime": "timestamptz",
    "code": "varchar",
    "la_code": "varchar",
}

LINEAGE_COLUMNS = """
    _file_name varchar not null,
    _file_sha256 varchar not null,
    _file_date date,
    _row_number bigint not null,
    _loaded_at timestamptz not null,
    _run_id varchar
"""

SHARED_DDL = """
create schema if not exists raw;
create schema if not exists quarantine;
create table if not exists raw.loaded_files (
    file_name varchar not null,
    file_sha256 varchar primary key,
    kind varchar not null,
    file_date date,
    reporting_year integer,
    rows_read bigint not null,
    rows_loaded bigint not null,
    rows_quarantined bigint not null,
    dropped_identifying_columns varchar[],
    extra_columns varchar[],
    loaded_at timestamptz not null,
    run_id varchar
);
create table if not exists quarantine.rejected_files (
    file_name varchar not null,
    file_sha256 varchar primary key,
    kind varchar not null,
    reason varchar not null,
    rejected_at timestamptz not null,
    run_id varchar
);
create table if not exists quarantine.rows (
    file_name varchar not null,
    file_sha256 varchar not null,
    kind varchar not null,
    row_number bigint not null,
    column_name varchar not null,
    rule varchar not null,
    rule_description varchar not null,
    value varchar,
    notification_id varchar,
    record_version bigint,
    quarantined_at timestamptz not null,
    run_id varchar,
    la_code varchar
);
-- Warehouses made before the LA, or the time a row says it was saved, was kept with a quarantined
-- row gain the column.
alter table quarantine.rows add column if not exists la_code varchar;
alter table quarantine.rows add column if not exists record_updated_at timestamptz;
-- Files in the landing folder whose names sinstats does not recognise: left alone, but listed.
create table if not exists quarantine.unrecognised_files (
    file_name varchar primary key,
    first_seen_at timestamptz not null,
    run_id varchar
);
"""


def raw_table_ddl(contract: Contract) -> str:
    columns = ",\n    ".join(f"{c.name} {SQL_TYPES[c.kind]}" for c in contract.columns)
    return f"create table if not exists raw.{contract.kind} (\n    {columns},\n{LINEAGE_COLUMNS})"


def ensure_tables(connection: duckdb.DuckDBPyConnection) -> None:
    connection.execute(SHARED_DDL)
    for contract in CONTRACTS.values():
        connection.execute(raw_table_ddl(contract))


@dataclass
class FileOutcome:
    name: str
    kind: str
    status: str  # loaded | rejected | already_seen
    reason: str = ""
    rows_read: int = 0
    rows_loaded: int = 0
    rows_quarantined: int = 0


# What the ingest times, per file and in all: reading the file, validating its rows, loading them.
PHASES = ("read", "validate", "load")


@dataclass
class IngestReport:
    files: list[FileOutcome] = field(default_factory=list)
    ignored: list[str] = field(default_factory=list)
    seconds: defaultdict[str, float] = field(default_factory=lambda: defaultdict(float))
    """Seconds spent reading files, validating their rows and loading them, over all files."""

    def count(self, status: str) -> int:
        return sum(1 for f in self.files if f.status == status)

    def rows(self, attribute: str) -> int:
        return sum(getattr(f, attribute) for f in self.files)


def _seen(connection: duckdb.DuckDBPyConnection, checksum: str) -> str | None:
    row = connection.execute(
        """
        select file_name from raw.loaded_files where file_sha256 = $1
        union all
        select file_name from quarantine.rejected_files where file_sha256 = $1
        """,
        [checksum],
    ).fetchone()
    return row[0] if row else None


def _reject(
    connection: duckdb.DuckDBPyConnection,
    landed: LandedFile,
    checksum: str,
    reason: str,
    now: dt.datetime,
    run_id: str | None,
) -> FileOutcome:
    connection.execute(
        "insert into quarantine.rejected_files values (?, ?, ?, ?, ?, ?)",
        [landed.name, checksum, landed.kind, reason, now, run_id],
    )
    return FileOutcome(landed.name, landed.kind, "rejected", reason=reason)


def ingest_file(
    connection: duckdb.DuckDBPyConnection,
    landed: LandedFile,
    run_id: str | None = None,
    seconds: defaultdict[str, float] | None = None,
) -> FileOutcome:
    """Read, validate and load one file in one transaction; add the time of each phase to `seconds`."""
    seconds = defaultdict(float) if seconds is None else seconds
    started = time.perf_counter()
    checksum = sha256(landed.path)
    earlier = _seen(connection, checksum)
    if earlier is not None:
        return FileOutcome(landed.name, landed.kind, "already_seen", reason=f"same bytes as {earlier}")
    now = dt.datetime.now(dt.UTC)
    contract = CONTRACTS[landed.kind]
    connection.execute("begin transaction")
    try:
        if landed.problem:
            outcome = _reject(connection, landed, checksum, landed.problem, now, run_id)
        else:
            try:
                extract = read_extract(landed.path, contract)
            except FileRejected as rejection:
                extract, reason = None, str(rejection)
            seconds["read"] += time.perf_counter() - started
            if extract is None:
                outcome = _reject(connection, landed, checksum, reason, now, run_id)
            else:
                outcome = _load_rows(connection, landed, checksum, extract, contract, now, run_id, seconds)
        started = time.perf_counter()
        connection.execute("commit")
    except BaseException:
        connection.execute("rollback")
        raise
    seconds["load"] += time.perf_counter() - started
    return outcome


def _load_rows(
    connection: duckdb.DuckDBPyConnection,
    landed: LandedFile,
    checksum: str,
    extract: Extract,
    contract: Contract,
    now: dt.datetime,
    run_id: str | None,
    seconds: defaultdict[str, float],
) -> FileOutcome:
    context = FileContext(file_date=landed.file_date, reporting_year=landed.reporting_year)
    started = time.perf_counter()
    result = validate(contract, extract.frame, context)
    seconds["validate"] += time.perf_counter() - started
    started = time.perf_counter()
    lineage = {
        "_file_name": pl.lit(landed.name),
        "_file_sha256": pl.lit(checksum),
        "_file_date": pl.lit(landed.file_date, dtype=pl.Date),
        "_loaded_at": pl.lit(now),
        "_run_id": pl.lit(run_id, dtype=pl.String),
    }
    loaded = result.loaded.with_columns(pl.col("_row_number").cast(pl.Int64), **lineage)  # noqa: F841
    connection.execute(f"insert into raw.{contract.kind} by name select * from loaded")
    quarantined = result.quarantine.with_columns(  # noqa: F841
        file_name=pl.lit(landed.name),
        file_sha256=pl.lit(checksum),
        kind=pl.lit(landed.kind),
        quarantined_at=pl.lit(now),
        run_id=pl.lit(run_id, dtype=pl.String),
    )
    connection.execute("insert into quarantine.rows by name select * from quarantined")
    outcome = FileOutcome(
        landed.name,
        landed.kind,
        "loaded",
        rows_read=result.rows_read,
        rows_loaded=result.rows_loaded,
        rows_quarantined=result.rows_quarantined,
    )
    connection.execute(
        "insert into raw.loaded_files values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            landed.name,
            checksum,
            landed.kind,
            landed.file_date,
            landed.reporting_year,
            outcome.rows_read,
            outcome.rows_loaded,
            outcome.rows_quarantined,
            extract.dropped_identifying,
            extract.extra_columns,
            now,
            run_id,
        ],
    )
    seconds["load"] += time.perf_counter() - started
    return outcome


def ingest_landing(
    warehouse: Path,
    landing: Path,
    run_id: str | None = None,
    log: Callable[[FileOutcome], None] | None = None,
) -> IngestReport:
    """Ingest every new file of the landing folder into the warehouse."""
    warehouse.parent.mkdir(parents=True, exist_ok=True)
    known, ignored = scan(landing)
    report = IngestReport(ignored=[p.name for p in ignored])
    with connect_when_free(warehouse) as connection:
        ensure_tables(connection)
        now = dt.datetime.now(dt.UTC)
        for name in report.ignored:
            connection.execute(
                "insert into quarantine.unrecognised_files values (?, ?, ?) on conflict do nothing", [name, now, run_id]
            )
        for landed in known:
            outcome = ingest_file(connection, landed, run_id, report.seconds)
            report.files.append(outcome)
            if log is not None:
                log(outcome)
    return report
