"""Publish assets: the open-data files, written to the run's staging folder (swapped in by serve/)."""

import shutil
from collections.abc import Iterator
from pathlib import Path

import duckdb
from dagster import AssetExecutionContext, AssetKey, AssetSpec, MaterializeResult, multi_asset

from pipelines.publish.catalogue import PUBLISH_SCHEMA, published_tables
from pipelines.publish.ees import write_open_data
from pipelines.publish.standard import check_files
from pipelines.resources import Workspace
from pipelines.transform.project import DBT_PROJECT

GROUP = "publish"
OPEN_DATA_FILES = tuple(published_tables(DBT_PROJECT.manifest_path))
VERSIONS_FOLDER = ".versions"


class BreaksStandard(Exception):
    """An open-data file breaks the EES standard; nothing is published."""


def staging(publish: Path, run_id: str) -> Path:
    """Where a run builds what it publishes; PUBLISH/current and internal point here once it succeeds."""
    return publish / VERSIONS_FOLDER / run_id


def files_with_figures(connection: duckdb.DuckDBPyConnection) -> list[str]:
    """The open-data files whose publish table has rows: a series that starts later than the last
    year published (care leaver deaths before 2025) has none, and no file is written for it."""
    return [
        name
        for name in OPEN_DATA_FILES
        if connection.sql(f'select exists (select 1 from {PUBLISH_SCHEMA}."{name}")').fetchall() == [(True,)]
    ]


def write_files(connection: duckdb.DuckDBPyConnection, folder: Path) -> dict[str, dict[str, int]]:
    """Write every open-data file with figures, with its metadata, and check them against the EES standard."""
    names = files_with_figures(connection)
    manifest = Path(DBT_PROJECT.manifest_path)
    shapes = {name: write_open_data(connection, name, manifest, folder) for name in names}
    problems = [p for name in names for p in check_files(folder / f"{name}.csv", folder / f"{name}.meta.csv")]
    if problems:
        raise BreaksStandard("the open-data files break the EES standard: " + "; ".join(problems[:10]))
    return shapes


@multi_asset(
    specs=[
        AssetSpec(
            AssetKey(["open_data", name]),
            group_name=GROUP,
            deps=[AssetKey([PUBLISH_SCHEMA, name])],
            description=f"{name}.csv and {name}.meta.csv for PUBLISH/current/ (EES format)",
        )
        for name in OPEN_DATA_FILES
    ],
    name="open_data_files",
)
def open_data_files(context: AssetExecutionContext, workspace: Workspace) -> Iterator[MaterializeResult[None]]:
    """Write every open-data file to the run's staging folder and check it keeps the EES standard."""
    settings = workspace.settings
    folder = staging(settings.publish, context.run.run_id) / "current"
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    with duckdb.connect(str(settings.warehouse), read_only=True) as connection:
        shapes = write_files(connection, folder)
    for name in OPEN_DATA_FILES:
        if name in shapes:
            context.log.info(f"wrote {name}.csv ({shapes[name]['rows']} rows)")
            yield MaterializeResult(asset_key=AssetKey(["open_data", name]), metadata=shapes[name])
        else:
            context.log.info(f"{name}: no figures up to the last year published")
            yield MaterializeResult(asset_key=AssetKey(["open_data", name]), metadata={"rows": 0, "columns": 0})
