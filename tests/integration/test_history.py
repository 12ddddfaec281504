"""The run history (pipelines/history.py): Dagster's own files and layout, connections kept open."""

from __future__ import annotations

import inspect
from pathlib import Path

import pytest
import sqlalchemy
from dagster import AssetKey, AssetMaterialization, DagsterInstance
from dagster._core.storage.event_log.sqlite.sqlite_event_log import SqliteEventLogStorage

from pipelines.history import PooledSqliteEventLogStorage, dagster_yaml, prepare_dagster_home
from pipelines.settings import load_settings

EVENTS = 60
KEY = AssetKey(["raw", "loaded_files"])


@pytest.fixture
def connections():
    """Counts the SQLite connections opened by any SQLAlchemy engine while the test runs."""
    opened = []

    def count(_dbapi_connection, _record):
        opened.append(1)

    sqlalchemy.event.listen(sqlalchemy.engine.Engine, "connect", count)
    yield opened
    sqlalchemy.event.remove(sqlalchemy.engine.Engine, "connect", count)


def report(instance: DagsterInstance, events: int) -> None:
    for number in range(events):
        instance.report_runless_asset_event(AssetMaterialization(KEY, metadata={"number": number}))


def stored_numbers(instance: DagsterInstance) -> list[int]:
    records = instance.fetch_materializations(KEY, limit=10 * EVENTS).records
    return sorted(r.asset_materialization.metadata["number"].value for r in records)


def test_events_are_written_through_a_few_kept_connections_into_dagsters_own_layout(
    tmp_path: Path, monkeypatch, connections
):
    settings = load_settings(warehouse=tmp_path / "warehouse" / "sin.duckdb")
    monkeypatch.setenv("DAGSTER_HOME", str(settings.dagster_home))
    prepare_dagster_home(settings)
    assert (settings.dagster_home / "dagster.yaml").read_text(encoding="utf-8") == dagster_yaml(settings.dagster_home)

    with DagsterInstance.get() as instance:
        assert isinstance(instance.event_log_storage, PooledSqliteEventLogStorage)
        before = len(connections)
        report(instance, EVENTS)
        assert stored_numbers(instance) == list(range(EVENTS))
        kept = len(connections) - before
    assert kept <= 3, f"{kept} SQLite connections opened for {EVENTS} events"

    # Dagster's default storage, over the same folder, reads what was written (and, for the
    # contrast that shows the count above can fail, opens connections event by event).
    (settings.dagster_home / "dagster.yaml").write_text("telemetry:\n  enabled: false\n", encoding="utf-8")
    with DagsterInstance.get() as default:
        assert type(default.event_log_storage).__name__ == "SqliteEventLogStorage"
        assert stored_numbers(default) == list(range(EVENTS))
        before = len(connections)
        report(default, 10)
        assert len(connections) - before >= 10
    assert (settings.dagster_home / "history" / "runs" / "index.db").exists()

    # An instance configured by an older sinstats is given the pooled storage again, history kept.
    prepare_dagster_home(settings)
    with DagsterInstance.get() as instance:
        assert isinstance(instance.event_log_storage, PooledSqliteEventLogStorage)
        assert len(stored_numbers(instance)) == EVENTS + 10

    # A tool that opens the instance by its folder, without DAGSTER_HOME (benchmarks/bench.py).
    monkeypatch.delenv("DAGSTER_HOME")
    with DagsterInstance.from_config(str(settings.dagster_home)) as by_path:
        assert len(stored_numbers(by_path)) == EVENTS + 10


def test_disposing_the_instance_closes_its_connections(tmp_path: Path, monkeypatch):
    settings = load_settings(warehouse=tmp_path / "warehouse" / "sin.duckdb")
    monkeypatch.setenv("DAGSTER_HOME", str(settings.dagster_home))
    prepare_dagster_home(settings)
    instance = DagsterInstance.get()
    report(instance, 3)
    storage = instance.event_log_storage
    assert isinstance(storage, PooledSqliteEventLogStorage)
    assert storage._engines
    instance.dispose()
    assert storage._engines == {}


def test_the_overridden_member_still_exists_upstream_with_the_same_shape():
    """PooledSqliteEventLogStorage overrides Dagster's private `_connect`: an upgrade of Dagster that
    changes it must be looked at again (uv.lock pins Dagster)."""
    assert list(inspect.signature(SqliteEventLogStorage._connect).parameters) == ["self", "shard"]
    assert "self._connect(" in inspect.getsource(SqliteEventLogStorage.run_connection)
    assert "self._connect(" in inspect.getsource(SqliteEventLogStorage.index_connection)
