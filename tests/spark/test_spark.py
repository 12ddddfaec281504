"""The same dbt project on Spark (README, "On Spark"). The sample is built by `sinstats run` on
DuckDB; its dbt sources go over as Parquet (pipelines/transform/portable.py) and are loaded by the
project's own macro; dbt-spark, in session mode in this process, then builds every model, loads
every seed and runs every dbt test (`dbt build --full-refresh --target spark`). Every table a model
writes must then equal DuckDB's, column for column and cell for cell.

Needs pyspark, dbt-spark and Java: `make test-spark` installs them in an environment of their own.
Elsewhere tests/conftest.py leaves this folder out.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any, NamedTuple

import duckdb
import pytest

from pipelines.settings import DBT_PROJECT_DIR
from pipelines.transform.portable import SourceTable, export_sources

# The schemas whose tables dbt models write; the publish schema is the one the issue names.
MODEL_SCHEMAS = ("intermediate", "marts", "publish", "dashboards")


def dbt(*arguments: str, root: Path) -> Any:
    """dbt, in this process, on the spark target with its tables and metastore under `root`."""
    from dbt.cli.main import dbtRunner

    common = [
        "--project-dir",
        str(DBT_PROJECT_DIR),
        "--profiles-dir",
        str(DBT_PROJECT_DIR),
        "--target",
        "spark",
        # Its own target folder: dbt/target keeps the DuckDB manifest the pipeline reads.
        "--target-path",
        str(root / "target"),
        "--log-path",
        str(root / "logs"),
    ]
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SINSTATS_SPARK_FOLDER", str(root))
        return dbtRunner().invoke([*arguments, *common])


class SparkBuild(NamedTuple):
    duckdb_warehouse: Path
    folder: Path  # SINSTATS_SPARK_FOLDER: Spark's tables and metastore
    exported: list[SourceTable]
    built: Any  # dbt's result of `dbt build --full-refresh --target spark`
    manifest: dict[str, Any]


@pytest.fixture(scope="module")
def spark_build(sample_run, tmp_path_factory):
    settings, outcome = sample_run
    assert outcome.success, outcome.failures
    root = tmp_path_factory.mktemp("spark")
    exported = export_sources(settings.warehouse, root / "parquet")
    loaded = dbt(
        "run-operation", "load_sources_from_parquet", "--args", json.dumps({"folder": str(root / "parquet")}), root=root
    )
    assert loaded.success, loaded.exception
    built = dbt("build", "--full-refresh", root=root)
    manifest = json.loads((root / "target" / "manifest.json").read_text())
    return SparkBuild(settings.warehouse, root, exported, built, manifest)


def _by_type(manifest: dict[str, Any], resource_type: str) -> set[str]:
    nodes = {**manifest["nodes"], **manifest.get("unit_tests", {})}
    return {key for key, node in nodes.items() if node["resource_type"] == resource_type}


def test_every_model_seed_and_test_passes_on_spark(spark_build):
    exported, built, manifest = spark_build.exported, spark_build.built, spark_build.manifest
    results = {result.node.unique_id: str(result.status) for result in built.result.results}
    failed = {key: status for key, status in results.items() if status not in ("success", "pass")}
    assert failed == {}
    assert built.success
    # Nothing left out: every model, seed, data test and unit test of the project ran.
    for resource_type in ("model", "seed", "test", "unit_test"):
        expected = _by_type(manifest, resource_type)
        assert expected, resource_type
        assert expected <= results.keys(), (resource_type, expected - results.keys())
    assert len(_by_type(manifest, "model")) >= 30
    assert {f"{t.schema}.{t.table}" for t in exported} >= {"raw.notifications", "reference.run_parameters"}


def _cell(value: Any) -> Any:
    """One cell as both engines' Python drivers can agree on it: instants in UTC."""
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC)  # DuckDB's carry their zone; Spark's are in this process's
    return value


def _rows(rows: list[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
    return sorted((tuple(_cell(v) for v in row) for row in rows), key=repr)


def _difference(duck: duckdb.DuckDBPyRelation, frame: Any) -> tuple[Any, ...] | None:
    """How a Spark frame differs from a DuckDB table (columns, or rows with their cells), or None."""
    if duck.columns != frame.columns:
        return ("columns", duck.columns, frame.columns)
    duck_rows = _rows(duck.fetchall())
    spark_rows = _rows([tuple(row) for row in frame.collect()])
    if duck_rows == spark_rows:
        return None
    only_duck = [row for row in duck_rows if row not in spark_rows][:3]
    only_spark = [row for row in spark_rows if row not in duck_rows][:3]
    return (len(duck_rows), len(spark_rows), only_duck, only_spark)


def test_every_model_table_equals_duckdb(spark_build):
    from pyspark.sql import SparkSession, Window
    from pyspark.sql import functions as F

    manifest = spark_build.manifest
    spark = SparkSession.builder.getOrCreate()
    tables = sorted(
        (node["schema"], node["alias"])
        for node in manifest["nodes"].values()
        if node["resource_type"] == "model"
        and node["schema"] in MODEL_SCHEMAS
        and node["config"]["materialized"] in ("table", "incremental", "view")
    )
    assert {
        ("publish", "sin_total_notifications"),
        ("publish", "sin_subnational"),
        ("publish", "sin_timeliness"),
    } <= set(tables)
    assert len(tables) >= 28  # every table and view of those schemas a model writes, not a few
    differences = []
    with duckdb.connect(str(spark_build.duckdb_warehouse), read_only=True) as warehouse:
        for schema, name in tables:
            if not spark.catalog.tableExists(f"{schema}.{name}"):
                differences.append((schema, name, "not built on Spark"))
                continue
            difference = _difference(warehouse.table(f'"{schema}"."{name}"'), spark.table(f"{schema}.{name}"))
            if difference is not None:
                differences.append((schema, name, *difference))
        assert differences == []

        # The comparison can fail: one cell of a published table changed is found.
        published = spark.table("publish.sin_subnational")
        last = published.columns[-1]
        first_row = F.row_number().over(Window.orderBy(*published.columns)) == 1
        changed = published.withColumn(
            last, F.when(first_row, F.concat(F.col(last), F.lit("0"))).otherwise(F.col(last))
        )
        assert _difference(warehouse.table("publish.sin_subnational"), changed) is not None
        assert warehouse.sql("select count(*) from publish.sin_subnational").fetchall()[0][0] > 100


def test_an_incremental_build_on_spark_stops_and_says_why(spark_build):
    """replace_notifications deletes rows, which Spark's Parquet tables cannot: a build without
    --full-refresh over tables that exist must stop and say why, leaving the table as it was."""
    from pyspark.sql import SparkSession

    spark = SparkSession.builder.getOrCreate()
    before = spark.table("intermediate.int_reviews_versioned").count()
    result = dbt("run", "--select", "int_reviews_versioned", root=spark_build.folder)
    assert not result.success
    messages = [str(r.message) for r in result.result.results]
    assert any("builds in full on Spark: run `dbt build --full-refresh`" in m for m in messages), messages
    assert spark.table("intermediate.int_reviews_versioned").count() == before > 0
