"""The run history: the Dagster instance beside each warehouse (`<warehouse folder>/dagster_home`).

It is Dagster's own SQLite storage, in the layout Dagster gives it by default (`history/runs.db`,
one `history/runs/<run id>.db` per run, `history/runs/index.db`), so that `sinstats ui` and any
Dagster tool read it as they would any instance. Two things are changed, both for speed and
neither for what is stored:

- **Connections are kept for the life of the process.** Dagster's `SqliteEventLogStorage` makes a
  new SQLAlchemy engine and SQLite connection for every group of statements and closes it after:
  about five for every event, some 2,800 in a daily run, and closing the last connection to a
  database in WAL mode checkpoints it. `PooledSqliteEventLogStorage` keeps one engine (and its
  pool of connections) per database file, and closes them when the instance is disposed.
- **Write-ahead log, synced at checkpoints** (`_quick_sqlite_commits`): a crash of the machine can
  lose the last events of the history, never corrupt it (https://sqlite.org/wal.html); the
  warehouse and the published files do not depend on it.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import json
import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import sqlalchemy
import sqlalchemy.exc
from dagster import AssetKey, DagsterError, DagsterInstance
from dagster._core.storage.event_log.sqlite.sqlite_event_log import SqliteEventLogStorage
from dagster._core.storage.sqlite import SQLITE_BUSY_TIMEOUT_SECONDS
from dagster._serdes import ConfigurableClassData

from pipelines.settings import Settings

DAGSTER_YAML = """# Run history of this warehouse's pipeline (written by sinstats: pipelines/history.py).
telemetry:
  enabled: false
event_log_storage:
  module: pipelines.history
  class: PooledSqliteEventLogStorage
  config:
    base_dir: {event_log}
"""


class PooledSqliteEventLogStorage(SqliteEventLogStorage):
    """Dagster's SQLite event log, in its own files and layout, with one engine per database file
    kept open instead of one made and disposed for every statement group. Its base folder is where
    Dagster puts the event log by default, `<dagster_home>/history/runs` (`dagster.yaml` names it:
    `DAGSTER_YAML`)."""

    def __init__(self, base_dir: str, inst_data: ConfigurableClassData | None = None):
        self._engines: dict[str, sqlalchemy.Engine] = {}
        super().__init__(base_dir, inst_data)

    @classmethod
    def from_config_value(  # type: ignore[override]
        cls, inst_data: ConfigurableClassData | None, config_value: dict[str, Any]
    ) -> PooledSqliteEventLogStorage:
        return cls(inst_data=inst_data, **config_value)

    @contextmanager
    def _connect(self, shard: str) -> Iterator[sqlalchemy.Connection]:
        # As Dagster's own, but the engine is made once per shard and kept.
        with self._db_lock:
            engine = self._engines.get(shard)
            if engine is None:
                engine = sqlalchemy.create_engine(
                    self.conn_string_for_shard(shard), connect_args={"timeout": SQLITE_BUSY_TIMEOUT_SECONDS}
                )
                if shard not in self._initialized_dbs:
                    self._initdb(engine)
                    self._initialized_dbs.add(shard)
                self._engines[shard] = engine
            with engine.connect() as connection, connection.begin():
                yield connection

    def _close_engines(self) -> None:
        with self._db_lock:
            engines, self._engines = self._engines, {}
        for engine in engines.values():
            engine.dispose()

    def wipe(self) -> None:
        self._close_engines()  # the run databases are deleted: no connection may outlive them
        super().wipe()

    def dispose(self) -> None:
        self._close_engines()
        super().dispose()


def _quick_sqlite_commits(dbapi_connection: Any, _record: Any) -> None:
    """Every SQLite connection of this process's SQLAlchemy engines (only the run history's) in
    write-ahead-log mode, synced at checkpoints, not at every commit."""
    if isinstance(dbapi_connection, sqlite3.Connection):
        cursor = dbapi_connection.cursor()
        cursor.execute("pragma journal_mode = wal")
        cursor.execute("pragma synchronous = normal")
        cursor.close()


def dagster_yaml(dagster_home: Path) -> str:
    """The instance's configuration: its absolute path is in it, so it is written again where a
    warehouse's folder was moved (by the next `sinstats` command there)."""
    return DAGSTER_YAML.format(event_log=json.dumps(str(dagster_home.resolve() / "history" / "runs")))


def prepare_dagster_home(settings: Settings) -> str | None:
    """Run history lives beside the warehouse; DAGSTER_HOME must exist and be absolute.

    Its configuration is written (again, when an older sinstats wrote another) and its SQLite
    databases made here under a file lock beside it: two runs started together on a new warehouse
    would otherwise both try to create the same tables (the second run then waits for the warehouse
    lock as usual). A history that cannot be read (a damaged SQLite file) never stops a run: it is
    set aside whole as `dagster_home.damaged-<time>` and a new one started; the message saying so
    is returned.
    """
    home = settings.dagster_home
    home.parent.mkdir(parents=True, exist_ok=True)
    os.environ["DAGSTER_HOME"] = str(home)
    if not sqlalchemy.event.contains(sqlalchemy.engine.Engine, "connect", _quick_sqlite_commits):
        sqlalchemy.event.listen(sqlalchemy.engine.Engine, "connect", _quick_sqlite_commits)
    with home.with_name(home.name + ".lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            _open_history(home)
        except (sqlite3.DatabaseError, sqlalchemy.exc.SQLAlchemyError, DagsterError) as error:
            stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S")
            aside = home.with_name(f"{home.name}.damaged-{stamp}")
            home.rename(aside)
            _open_history(home)
            first = str(error).splitlines()[0] if str(error) else type(error).__name__
            return (
                f"the run history in {home} could not be read ({first}): set aside as {aside.name}, "
                "and a new history started"
            )
    return None


def _open_history(home: Path) -> None:
    home.mkdir(parents=True, exist_ok=True)
    config, wanted = home / "dagster.yaml", dagster_yaml(home)
    if not config.exists() or config.read_text(encoding="utf-8") != wanted:
        config.write_text(wanted, encoding="utf-8")
    with DagsterInstance.get() as instance:
        instance.get_runs_count()
        instance.get_latest_materialization_event(AssetKey(["raw", "loaded_files"]))
