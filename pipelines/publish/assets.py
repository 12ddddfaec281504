"""Publish assets: the open-data files, written to a fresh folder and swapped in whole."""

import os
import shutil
from pathlib import Path

import duckdb
from dagster import AssetExecutionContext, AssetKey, AssetSpec, MaterializeResult, multi_asset

from pipelines.publish.ees import write_open_data
from pipelines.resources import SinstatsSettings
from pipelines.transform.project import DBT_PROJECT

GROUP = "publish"
OPEN_DATA_FILES = ("sin_total_notifications", "sin_timeliness")
NEXT_FOLDER = ".next"


def swap_in(new: Path, current: Path) -> None:
    """Replace `current` by `new` with renames, so readers see the old folder or the new one."""
    old = current.with_name(current.name + ".old")
    if old.exists():
        shutil.rmtree(old)
    if current.exists():
        os.replace(current, old)
    os.replace(new, current)
    if old.exists():
        shutil.rmtree(old)


@multi_asset(
    specs=[
        AssetSpec(
            AssetKey(["open_data", name]),
            group_name=GROUP,
            deps=[AssetKey(["publish", name])],
            description=f"{name}.csv and {name}.meta.csv in PUBLISH/current/ (EES format)",
        )
        for name in OPEN_DATA_FILES
    ],
    name="open_data_files",
)
def open_data_files(context: AssetExecutionContext, sinstats: SinstatsSettings):
    """Write every open-data file to a new folder, then swap it in as PUBLISH/current/."""
    settings = sinstats.settings()
    building = settings.publish / NEXT_FOLDER
    if building.exists():
        shutil.rmtree(building)  # left by a run that stopped half-way
    building.mkdir(parents=True)
    results = []
    with duckdb.connect(str(settings.warehouse), read_only=True) as connection:
        for name in OPEN_DATA_FILES:
            shape = write_open_data(connection, name, Path(DBT_PROJECT.manifest_path), building)
            context.log.info(f"wrote {name}.csv ({shape['rows']} rows) and {name}.meta.csv")
            results.append(MaterializeResult(asset_key=AssetKey(["open_data", name]), metadata=shape))
    swap_in(building, settings.current)
    yield from results
