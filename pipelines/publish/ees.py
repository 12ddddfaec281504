"""Write an open-data file and its EES metadata file; the metadata comes from the dbt yml only."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import duckdb
import polars as pl

from pipelines.publish.catalogue import published_tables
from pipelines.publish.cells import neutralise_frame
from pipelines.publish.standard import META_COLUMNS, OPTIONAL_META
from schemas.reference import read_seed


def published_columns(manifest_path: Path, model: str) -> list[tuple[str, dict[str, Any]]]:
    """Each column of a publish table with its `meta.ees` block (empty for mandatory columns)."""
    return [(column.name, column.ees) for column in published_tables(manifest_path)[model].columns]


def filter_default(ees: dict[str, Any]) -> str:
    """A filter's default item, read from its seed when the yml points there (one home)."""
    source = ees.get("filter_default_from")
    if not source:
        return str(ees.get("filter_default", ""))
    rows = [row for row in read_seed(source["seed"]) if row[source["where"]].lower() == "true"]
    if len(rows) != 1:
        raise ValueError(f"{source['seed']} must mark exactly one {source['where']} row")
    return rows[0][source["column"]]


def metadata_frame(columns: list[tuple[str, dict[str, Any]]]) -> pl.DataFrame:
    """One row per filter and indicator, in the model's column order."""
    rows = []
    for name, ees in columns:
        if not ees.get("col_type"):
            continue
        rows.append(
            {
                "col_name": name,
                "col_type": ees["col_type"],
                "label": ees["label"],
                "indicator_grouping": ees.get("indicator_grouping", ""),
                "indicator_unit": ees.get("indicator_unit", ""),
                "indicator_dp": "" if ees.get("indicator_dp") is None else str(ees["indicator_dp"]),
                "filter_hint": ees.get("filter_hint", ""),
                "filter_grouping_column": ees.get("filter_grouping_column", ""),
                "filter_default": filter_default(ees),
            }
        )
    frame = pl.DataFrame(rows, schema={c: pl.String for c in (*META_COLUMNS, *OPTIONAL_META)})
    keep = list(META_COLUMNS) + [c for c in OPTIONAL_META if frame[c].str.len_chars().sum() > 0]
    return frame.select(keep)


def write_open_data(
    connection: duckdb.DuckDBPyConnection, model: str, manifest_path: Path, folder: Path
) -> dict[str, int]:
    """Write `folder/model.csv` and `folder/model.meta.csv` from the publish table and its yml."""
    folder.mkdir(parents=True, exist_ok=True)
    columns = published_columns(manifest_path, model)
    names = [name for name, _ in columns]
    # Blank geography cells are written as nothing at all, not as "".
    data = (
        connection.sql(f'select {", ".join(names)} from publish."{model}"')
        .pl()
        .with_columns(pl.all().replace("", None))
    )
    neutralise_frame(data).write_csv(folder / f"{model}.csv", line_terminator="\n")
    metadata = metadata_frame(columns).with_columns(pl.all().replace("", None))
    neutralise_frame(metadata).write_csv(folder / f"{model}.meta.csv", line_terminator="\n")
    return {"rows": data.height, "columns": data.width}
