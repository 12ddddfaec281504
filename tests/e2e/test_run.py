"""The whole Dagster graph, in-process, on real DuckDB and dbt: `sinstats run` end to end."""

from __future__ import annotations

import csv
import os
import shutil
from pathlib import Path

import duckdb
import pytest

from pipelines.settings import SAMPLE_LANDING
from tests.e2e.independent import count_notifications

pytestmark = pytest.mark.e2e
GOLDEN = Path(__file__).resolve().parents[1] / "golden"


def published(path: Path) -> list[dict]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def test_the_run_succeeds_and_says_what_it_did(sample_run):
    _settings, outcome = sample_run
    assert outcome.success, outcome.failures
    summary = outcome.summary()
    assert "Run succeeded." in summary
    files = len([p for p in SAMPLE_LANDING.iterdir() if p.is_file()])  # 44 extracts in the sample
    assert f"files read: {files} new ({files} accepted, 0 rejected)" in summary
    assert "sin_total_notifications.csv" in summary
    assert f"notifications counted (all years): {outcome.counted}" in summary


def test_published_totals_equal_an_independent_count_from_the_sample_files(sample_run):
    settings, _ = sample_run
    expected = count_notifications(SAMPLE_LANDING)
    rows = published(settings.current / "sin_total_notifications.csv")
    assert rows, "nothing published"
    for row in rows:
        key = (int(row["time_period"]), row["nature_of_notification"])
        assert int(row["number_notifications"]) == expected.get(key, 0), key
    # As at 1 October 2026 the last complete reporting year is 2026 (April 2025 to March 2026).
    assert {int(r["time_period"]) for r in rows} == set(range(2019, 2027))


def test_totals_look_like_the_published_series(sample_run):
    settings, _ = sample_run
    published_totals = {
        2019: 498,
        2020: 449,
        2021: 536,
        2022: 442,
        2023: 456,
        2024: 405,
        2025: 338,
        2026: 357,
    }
    totals = {
        int(r["time_period"]): int(r["number_notifications"])
        for r in published(settings.current / "sin_total_notifications.csv")
        if r["nature_of_notification"] == "Total"
    }
    for year, total in published_totals.items():
        assert abs(totals[year] - total) <= 0.08 * total, year


def test_the_file_is_in_ees_shape_with_metadata(sample_run):
    settings, _ = sample_run
    rows = published(settings.current / "sin_total_notifications.csv")
    assert list(rows[0]) == [
        "time_period",
        "time_identifier",
        "geographic_level",
        "country_code",
        "country_name",
        "nature_of_notification",
        "number_notifications",
    ]
    assert {r["nature_of_notification"] for r in rows} == {"Total", "Child death", "Serious harm", "Other"}
    assert {(r["time_identifier"], r["geographic_level"], r["country_code"]) for r in rows} == {
        ("Reporting year", "National", "E92000001")
    }
    meta = published(settings.current / "sin_total_notifications.meta.csv")
    assert [m["col_name"] for m in meta] == ["nature_of_notification", "number_notifications"]
    assert [m["col_type"] for m in meta] == ["Filter", "Indicator"]


def test_the_warehouse_holds_every_layer_and_the_analysts_copy(sample_run):
    settings, _ = sample_run
    with duckdb.connect(str(settings.analysts_copy), read_only=True) as connection:
        schemas = {
            s for (s,) in connection.execute("select distinct schema_name from information_schema.schemata").fetchall()
        }
        published_rows = connection.execute("select count(*) from publish.sin_total_notifications").fetchone()[0]
        reasons = dict(
            connection.execute("select counting_reason, count(*) from marts.fct_notifications group by 1").fetchall()
        )
    assert {"raw", "quarantine", "staging", "intermediate", "marts", "publish", "reference"} <= schemas
    assert published_rows == 32  # 2019 to 2026 (complete years as at 1 October 2026), 4 natures each
    assert set(reasons) == {"counted", "duplicate", "withdrawn", "care_leaver_death"}


def test_golden_sin_total_notifications(sample_run):
    """The sample's published file, byte for byte the committed golden file."""
    settings, outcome = sample_run
    assert outcome.success, outcome.failures
    produced = settings.current / "sin_total_notifications.csv"
    golden = GOLDEN / "sin_total_notifications.csv"
    # The golden file is held to the independent recount here, so regenerating it cannot freeze a
    # wrong figure: `make golden` writes only what the recount agrees with.
    expected = count_notifications(settings.landing)
    produced_rows = published(produced)
    assert {int(r["time_period"]) for r in produced_rows} == set(range(2019, 2027))
    for row in produced_rows:
        key = (int(row["time_period"]), row["nature_of_notification"])
        assert int(row["number_notifications"]) == expected.get(key, 0), key
    if os.environ.get("SINSTATS_UPDATE_GOLDEN"):
        shutil.copyfile(produced, golden)
    assert produced.read_text() == golden.read_text()


def test_every_mart_column_is_described_for_analysts(sample_run):
    import json

    from pipelines.transform.project import DBT_PROJECT

    settings, _ = sample_run
    manifest = json.loads(Path(DBT_PROJECT.manifest_path).read_text())
    documented = {
        node["name"]: {name: column.get("description", "") for name, column in node["columns"].items()}
        for node in manifest["nodes"].values()
        if node["resource_type"] == "model" and node["config"].get("schema") == "marts"
    }
    with duckdb.connect(str(settings.analysts_copy), read_only=True) as connection:
        columns = connection.execute(
            "select table_name, column_name from information_schema.columns where table_schema = 'marts'"
        ).fetchall()
    undocumented = [(t, c) for t, c in columns if not documented.get(t, {}).get(c, "").strip()]
    assert columns and undocumented == []


DUCKDB_1 = "1.5.4"  # what the DuckDB CLI, R and DBeaver's driver read today (docs/outputs.md §3)
READ_AS_AN_ANALYST = """
import json, sys, duckdb
connection = duckdb.connect(sys.argv[1], read_only=True)
counted = connection.execute("select count(*) from marts.fct_notifications where is_counted").fetchone()[0]
columns = connection.execute(
    "select table_name, column_name, coalesce(comment, '') from duckdb_columns() where schema_name = 'marts'"
).fetchall()
print(json.dumps({"version": duckdb.__version__, "counted": counted, "columns": columns}))
"""


def test_a_duckdb_1_client_opens_the_analysts_copy_and_every_mart_column_has_a_comment(sample_run):
    """A real DuckDB 1.5 in its own environment (uv), as an analyst's tools are, not the pipeline's 2.0."""
    import json
    import subprocess
    import sys

    settings, outcome = sample_run
    uv = Path(sys.executable).with_name("uv")
    result = subprocess.run(
        [
            str(uv),
            "run",
            "--no-project",
            "--quiet",
            "--with",
            f"duckdb=={DUCKDB_1}",
            "python",
            "-c",
            READ_AS_AN_ANALYST,
            str(settings.analysts_copy),
        ],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr
    seen = json.loads(result.stdout)
    assert seen["version"] == DUCKDB_1
    assert seen["counted"] == outcome.counted
    assert len(seen["columns"]) > 50
    assert [(table, column) for table, column, comment in seen["columns"] if not comment.strip()] == []


def test_sql_tables_lists_each_mart_and_published_table_with_its_description(sample_run):
    import subprocess
    import sys

    settings, _ = sample_run
    sinstats = Path(sys.executable).with_name("sinstats")
    result = subprocess.run(
        [str(sinstats), "sql", "--tables", "--warehouse", str(settings.warehouse)], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    lines = dict(line.split(": ", 1) for line in result.stdout.splitlines())
    assert {"marts.fct_notifications", "marts.fct_timeliness", "publish.sin_total_notifications"} <= set(lines)
    assert lines["marts.fct_notifications"].startswith("One row per notification")
    assert all(description.strip(". ") for description in lines.values())
