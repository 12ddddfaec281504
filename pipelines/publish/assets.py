"""Publish assets: the open-data files, written to the run's staging folder (swapped in by serve/)."""

import datetime as dt
import shutil
from pathlib import Path

import duckdb
from dagster import AssetExecutionContext, AssetKey, AssetSpec, MaterializeResult, multi_asset

from pipelines.publish.ees import write_open_data
from pipelines.publish.standard import check_files
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
VERSIONS_FOLDER = ".versions"


def files_for(last_year: int) -> tuple[str, ...]:
    """The open-data files with figures up to `last_year`: care leaver deaths start in 2025."""
    first_care_leaver_year = int(rules()["care_leaver_first_year"])
    return tuple(
        name for name in OPEN_DATA_FILES if name != "sin_care_leaver_deaths" or last_year >= first_care_leaver_year
    )


def reporting_year(day: dt.date) -> int:
    return day.year + (1 if day.month >= 4 else 0)


def staging(publish: Path, run_id: str) -> Path:
    """Where a run builds what it publishes; PUBLISH/current and internal point here once it succeeds."""
    return publish / VERSIONS_FOLDER / run_id


@multi_asset(
    specs=[
        AssetSpec(
            AssetKey(["open_data", name]),
            group_name=GROUP,
            deps=[AssetKey(["publish", name])],
            description=f"{name}.csv and {name}.meta.csv for PUBLISH/current/ (EES format)",
        )
        for name in OPEN_DATA_FILES
    ],
    name="open_data_files",
)
def open_data_files(context: AssetExecutionContext, sinstats: SinstatsSettings):
    """Write every open-data file to the run's staging folder and check it keeps the EES standard."""
    settings = sinstats.settings()
    folder = staging(settings.publish, context.run_id) / "current"
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    names = files_for(reporting_year(settings.as_at))
    with duckdb.connect(str(settings.warehouse), read_only=True) as connection:
        shapes = {name: write_open_data(connection, name, Path(DBT_PROJECT.manifest_path), folder) for name in names}
    problems = [p for name in names for p in check_files(folder / f"{name}.csv", folder / f"{name}.meta.csv")]
    if problems:
        raise ValueError("the open-data files break the EES standard: " + "; ".join(problems[:10]))
    for name in OPEN_DATA_FILES:
        shape = shapes.get(name, {"rows": 0, "columns": 0, "note": "no figures up to the as-at year"})
        context.log.info(f"wrote {name}.csv ({shape['rows']} rows)" if name in shapes else f"{name}: {shape['note']}")
        yield MaterializeResult(asset_key=AssetKey(["open_data", name]), metadata=shape)
