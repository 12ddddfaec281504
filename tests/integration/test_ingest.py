"""Ingest into a real DuckDB file: nothing lost, nothing loaded twice, nothing identifying kept."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import pytest

from pipelines.generate.synthetic import GenerateOptions, generate
from pipelines.ingest.assets import files_that_do_not_add_up
from pipelines.ingest.load import ingest_landing
from tests.conftest import notification, write_csv


@pytest.fixture(scope="module")
def broken_landing(tmp_path_factory) -> Path:
    """Two years of generated extracts with 5% broken rows, plus broken files."""
    folder = tmp_path_factory.mktemp("landing")
    generate(GenerateOptions(out=folder, first_year=2023, last_year=2024, seed=7, scale=0.5, bad_rows=0.05))
    (folder / "notifications_20240101_empty.csv").write_bytes(b"")
    (folder / "reviews_20240101.xls").write_bytes(b"old excel")
    (folder / "notes.txt").write_text("not an extract")
    return folder


@pytest.fixture(scope="module")
def loaded(broken_landing, tmp_path_factory):
    warehouse = tmp_path_factory.mktemp("warehouse") / "sin.duckdb"
    report = ingest_landing(warehouse, broken_landing, run_id="test")
    return warehouse, report


def test_rows_read_equal_rows_loaded_plus_quarantined_for_every_file(loaded):
    warehouse, report = loaded
    accepted = [f for f in report.files if f.status == "loaded"]
    assert accepted
    for outcome in accepted:
        assert outcome.rows_read == outcome.rows_loaded + outcome.rows_quarantined, outcome.name
    with duckdb.connect(str(warehouse), read_only=True) as connection:
        assert files_that_do_not_add_up(connection) == []


def test_broken_rows_are_quarantined_and_good_rows_still_load(loaded):
    warehouse, report = loaded
    assert report.rows("rows_quarantined") > 0
    assert report.rows("rows_loaded") > 0.9 * report.rows("rows_read")
    with duckdb.connect(str(warehouse), read_only=True) as connection:
        rules = connection.execute("select count(distinct rule) from quarantine.rows").fetchone()[0]
        bad_rows_in_raw = connection.execute(
            """
            select count(*) from raw.notifications n
            join quarantine.rows q on q.file_sha256 = n._file_sha256 and q.row_number = n._row_number
            """
        ).fetchone()[0]
    assert rules >= 15  # broken in many different ways
    assert bad_rows_in_raw == 0


def test_broken_files_are_rejected_with_a_reason_and_other_names_left_alone(loaded):
    warehouse, report = loaded
    rejected = {f.name: f.reason for f in report.files if f.status == "rejected"}
    assert rejected == {
        "notifications_20240101_empty.csv": "is empty (0 bytes)",
        "reviews_20240101.xls": "is not a CSV or XLSX file (the name must end .csv or .xlsx)",
    }
    assert report.ignored == ["notes.txt"]
    with duckdb.connect(str(warehouse), read_only=True) as connection:
        assert connection.execute("select count(*) from quarantine.rejected_files").fetchone()[0] == 2


def test_the_same_bytes_never_load_twice_even_under_another_name(loaded, broken_landing, tmp_path):
    warehouse, _ = loaded
    copy = tmp_path / "copy.duckdb"
    shutil.copyfile(warehouse, copy)
    landing = tmp_path / "landing"
    shutil.copytree(broken_landing, landing)
    first = sorted(landing.glob("notifications_*.csv"))[0]
    shutil.copyfile(first, landing / first.name.replace(".csv", "_again.csv"))
    again = ingest_landing(copy, landing)
    assert {f.status for f in again.files} == {"already_seen"}
    with duckdb.connect(str(copy), read_only=True) as a, duckdb.connect(str(warehouse), read_only=True) as b:
        assert (
            a.execute("select count(*) from raw.notifications").fetchone()
            == b.execute("select count(*) from raw.notifications").fetchone()
        )


def test_a_rejected_file_is_tried_again_only_when_its_bytes_change(landing, tmp_path):
    warehouse = tmp_path / "sin.duckdb"
    path = landing / "notifications_20220630.csv"
    path.write_text("notification_id\nSIN-000001\n")
    assert ingest_landing(warehouse, landing).files[0].status == "rejected"
    assert ingest_landing(warehouse, landing).files[0].status == "already_seen"
    write_csv(path, [notification()])
    outcome = ingest_landing(warehouse, landing).files[0]
    assert (outcome.status, outcome.rows_loaded) == ("loaded", 1)


def test_raw_rows_keep_their_lineage(landing, tmp_path):
    warehouse = tmp_path / "sin.duckdb"
    write_csv(landing / "notifications_20220630.csv", [notification(), notification(notification_id="SIN-000102")])
    ingest_landing(warehouse, landing)
    with duckdb.connect(str(warehouse), read_only=True) as connection:
        rows = connection.execute(
            "select _file_name, length(_file_sha256), _row_number, _loaded_at is not null from raw.notifications"
        ).fetchall()
    assert rows == [("notifications_20220630.csv", 64, 2, True), ("notifications_20220630.csv", 64, 3, True)]


def test_no_identifying_value_reaches_the_warehouse(broken_landing, loaded):
    warehouse, _ = loaded
    secrets = set()
    for path in broken_landing.glob("notifications_*.csv"):
        import csv

        with path.open(encoding="utf-8") as handle:
            for row in csv.DictReader(handle):
                secrets.update(v for k, v in row.items() if k in ("child_name", "child_dob", "incident_summary") and v)
    assert len(secrets) > 100
    with duckdb.connect(str(warehouse), read_only=True) as connection:
        columns = connection.execute(
            """
            select table_schema, table_name, column_name from information_schema.columns
            where data_type like 'VARCHAR%' or data_type = 'DATE'
            """
        ).fetchall()
        stored = set()
        for schema, table, column in columns:
            stored.update(
                str(value)
                for (value,) in connection.execute(
                    f'select distinct "{column}"::varchar from {schema}.{table}'
                ).fetchall()
            )
        names = {
            name for (name,) in connection.execute("select column_name from information_schema.columns").fetchall()
        }
    summaries_and_names = {s for s in secrets if not s[:4].isdigit()}
    assert summaries_and_names & stored == set()
    assert not names & {"child_name", "child_dob", "incident_summary", "postcode", "address"}
    raw_bytes = Path(warehouse).read_bytes()
    assert b"Confidential summary" not in raw_bytes
