"""The warehouse's dbt sources as Parquet files: every table the dbt models read that the pipeline
writes itself (raw and quarantine rows, the run's parameters, bank holidays, build state). With
them, and the seeds dbt loads itself, another engine builds the same models from the same rows:
`dbt run-operation load_sources_from_parquet` loads them into Spark or Databricks (README, "On
Spark"). Each table is one file, `<folder>/<schema>/<table>.parquet`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import duckdb

from pipelines.transform.manifest import ensure_manifest


@dataclass(frozen=True)
class SourceTable:
    schema: str
    table: str

    @property
    def relative_path(self) -> str:
        return f"{self.schema}/{self.table}.parquet"


def source_tables() -> list[SourceTable]:
    """The dbt project's sources, as the manifest lists them."""
    nodes = json.loads(ensure_manifest().read_text())["sources"].values()
    return sorted({SourceTable(node["schema"], node["identifier"]) for node in nodes}, key=lambda t: t.relative_path)


def export_sources(warehouse: Path, folder: Path) -> list[SourceTable]:
    """Write every source table of the warehouse to `folder` as Parquet; the tables written."""
    tables = source_tables()
    with duckdb.connect(str(warehouse), read_only=True) as connection:
        for table in tables:
            target = folder / table.relative_path
            target.parent.mkdir(parents=True, exist_ok=True)
            relation = connection.table(f'"{table.schema}"."{table.table}"')
            relation.write_parquet(str(target))
    return tables
