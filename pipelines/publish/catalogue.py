"""What is published, read from its one home: the dbt publish folder (models and the `publish` sources).

Every table of the `publish` schema is an open-data file of the same name. Its columns, their
types and their EES metadata, its title and its first year are all in `dbt/models/publish/_publish.yml`;
this module reads them from the dbt manifest, so nothing here types a file name or a label again.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pipelines.transform.manifest import read_manifest

PUBLISH_SCHEMA = "publish"


@dataclass(frozen=True)
class PublishedColumn:
    name: str
    data_type: str
    ees: dict[str, Any]
    description: str = ""


@dataclass(frozen=True)
class PublishedTable:
    name: str
    title: str
    description: str
    columns: tuple[PublishedColumn, ...]
    first_year: int | None  # a series that starts later than the others (care leaver deaths)
    order: int  # where the file comes in lists of files and figures (meta.ees.order)
    written_by_dbt: bool  # False: written by the disclosure stage


def _table(node: dict[str, Any], written_by_dbt: bool) -> PublishedTable:
    meta = node.get("meta") or node.get("config", {}).get("meta") or {}
    ees = meta.get("ees", {})
    columns = tuple(
        PublishedColumn(
            name=name,
            data_type=column.get("data_type") or "string",
            ees=(column.get("meta") or column.get("config", {}).get("meta") or {}).get("ees", {}),
            description=column.get("description") or "",
        )
        for name, column in node["columns"].items()
    )
    first_year = ees.get("first_year")
    return PublishedTable(
        name=node["name"],
        title=ees["title"],
        description=node.get("description") or "",
        columns=columns,
        first_year=int(first_year) if first_year not in (None, "") else None,
        order=int(ees["order"]),
        written_by_dbt=written_by_dbt,
    )


def published_tables(manifest_path: Path) -> dict[str, PublishedTable]:
    """Every open-data file, by name, in its declared order (the headline totals first)."""
    manifest = read_manifest(manifest_path)
    tables: dict[str, PublishedTable] = {}
    for node in manifest["nodes"].values():
        if node["resource_type"] == "model" and node["config"].get("schema") == PUBLISH_SCHEMA:
            tables[node["name"]] = _table(node, written_by_dbt=True)
    for node in manifest["sources"].values():
        if node["source_name"] == PUBLISH_SCHEMA:
            tables[node["name"]] = _table(node, written_by_dbt=False)
    return dict(sorted(tables.items(), key=lambda item: item[1].order))
