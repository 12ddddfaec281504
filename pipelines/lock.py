"""One run at a time per warehouse: an advisory lock file beside it, held for the whole run.

The operating system releases the lock when the process holding it ends, however it ends
(SIGKILL included), so a killed run never leaves a stale lock for the next one.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import os
import re
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

import duckdb

WAIT_VARIABLE = "SINSTATS_LOCK_WAIT_SECONDS"
DEFAULT_WAIT_SECONDS = 1800


# What DuckDB says when a database file itself is damaged (not locked, not a failed query).
DAMAGED = ("not a valid DuckDB database file", "Corrupt database file", "database file is corrupt")


def is_damaged(message: str) -> bool:
    """Whether a DuckDB error message says the file is damaged."""
    return any(words in message for words in DAMAGED)


def readable(path: Path) -> bool:
    """Whether DuckDB opens the file read-only and reads its catalogue (a damaged copy does not)."""
    try:
        with duckdb.connect(str(path), read_only=True) as connection:
            connection.sql("select count(*) from duckdb_tables()").fetchall()
    except duckdb.Error:
        return False
    return True


class WarehouseBusy(Exception):
    """Another run held the warehouse for longer than this run would wait."""


def lock_path(warehouse: Path) -> Path:
    return warehouse.with_name(warehouse.name + ".lock")


def _holder(handle: IO[str]) -> str:
    """Who holds the lock, as its holder wrote it: "pid N"."""
    handle.seek(0)
    text = handle.read().strip()
    found = re.match(r"pid (\d+)", text)
    return f"pid {found.group(1)}" if found else "pid unknown"


@contextmanager
def warehouse_lock(warehouse: Path, log: Callable[[str], None], wait_seconds: float | None = None) -> Iterator[None]:
    """Hold the warehouse's lock; wait for a run in progress to finish, up to a limit."""
    if wait_seconds is None:
        wait_seconds = float(os.environ.get(WAIT_VARIABLE, DEFAULT_WAIT_SECONDS))
    path = lock_path(warehouse)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a+", encoding="utf-8") as handle:
        deadline = time.monotonic() + wait_seconds
        told = False
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if not told:
                    log(f"another run ({_holder(handle)}) is using {warehouse}; waiting up to {wait_seconds:.0f} s")
                    told = True
                if time.monotonic() >= deadline:
                    raise WarehouseBusy(
                        f"another run ({_holder(handle)}) held the warehouse for more than {wait_seconds:.0f} s; "
                        "nothing was changed"
                    ) from None
                time.sleep(0.5)
        handle.seek(0)
        handle.truncate()
        handle.write(f"pid {os.getpid()}, since {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M:%S} UTC\n")
        handle.flush()
        try:
            yield
        finally:
            handle.seek(0)
            handle.truncate()
            fcntl.flock(handle, fcntl.LOCK_UN)


# The storage format of the warehouse file: the oldest the analysts' tools read (DuckDB 1.4
# onwards; 1.5.4 is tested). A file in DuckDB 2's own format is refused by them ("version number
# 999"); in this one the analysts' copy is a plain copy of the file (pipelines/serve/assets.py).
STORAGE_VERSION = "v1.4.0"


def create_warehouse(path: Path) -> None:
    """A new, empty database file in STORAGE_VERSION (DuckDB keeps a file's format when it writes to it)."""
    quoted = str(path).replace("'", "''")
    with duckdb.connect() as connection:
        connection.execute(f"attach '{quoted}' as warehouse (storage_version '{STORAGE_VERSION}')")
        connection.execute("detach warehouse")


def storage_version(connection: duckdb.DuckDBPyConnection) -> str:
    """The storage format of the connection's database file, as DuckDB names it ("v1.4.0+")."""
    rows = connection.sql(
        "select tags['storage_version'] from duckdb_databases() where database_name = current_database()"
    ).fetchall()
    return str(rows[0][0] or "") if rows else ""


def connect_when_free(path: Path, seconds: float = 120) -> duckdb.DuckDBPyConnection:
    """Open the warehouse read-write, waiting while a process of a killed run still holds DuckDB's own lock."""
    deadline = time.monotonic() + seconds
    if not path.exists():
        create_warehouse(path)
    while True:
        try:
            return duckdb.connect(str(path))
        except duckdb.IOException as error:
            # DuckDB raises its lock conflict as a plain IOException ("Could not set lock on file"):
            # the message is the only thing that tells it from a missing or unreadable file.
            if "lock" not in str(error).lower() or time.monotonic() >= deadline:
                raise
            time.sleep(0.5)
