"""Publish assets: the open-data files, written to a fresh folder and swapped in whole."""

import datetime as dt
import os
import shutil
from pathlib import Path

import duckdb
from dagster import AssetExecutionContext, AssetKey, AssetSpec, MaterializeResult, multi_asset

from pipelines.publish.ees import write_open_data
from pipelines.resources import SinstatsSettings
from pipelines.transform.project import DBT_PROJECT
from schemas.reference import rules

GROUP = "publish"
OPEN_DATA_FILES = (
    "sin_nature_characteristics",
    "sin_subnational",
    "sin_total_notifications",
    "sin_care_leaver_deaths",
    "sin_timeliness",
)
NEXT_FOLDER = ".next"


def files_for(last_year: int) -> tuple[str, ...]:
    """The open-data files with figures up to `last_year`: care leaver deaths start in 2025."""
    first_care_leaver_year = int(rules()["care_leaver_first_year"])
    return tuple(
        name
        for name in OPEN_DATA_FILES
        if name != "sin_care_leaver_deaths" or last_year >= first_care_leaver_year
    )


def reporting_year(day: dt.date) -> int:
    return day.year + (1 if day.month >= 4 else 0)


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
        for name in files_for(reporting_year(settings.as_at)):
            shape = write_open_data(connection, name, Path(DBT_PROJECT.manifest_path), building)
            context.log.info(f"wrote {name}.csv ({shape['rows']} rows) and {name}.meta.csv")
            results.append(MaterializeResult(asset_key=AssetKey(["open_data", name]), metadata=shape))
    swap_in(building, settings.current)
    yield from results
