"""Serving a good run: the publish folders and the analysts' copy, each replaced whole by a rename."""

import os
import shutil
from pathlib import Path

import duckdb
from dagster import AssetExecutionContext, AssetKey, asset

from dashboards.page import render_index
from pipelines.publish.assets import STAGING_FOLDER, staging
from pipelines.resources import SinstatsSettings

GROUP = "serve"
PAGES = [
    ("Release: the annual picture (public)", "current/release.html", "published figures only"),
    (
        "Timeliness (internal)",
        "internal/timeliness.html",
        "for the Panel: on time, open and overdue, by area",
    ),
    (
        "Data quality (internal)",
        "internal/data_quality.html",
        "files and rows received, rejected and quarantined",
    ),
]


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


def write_atomically(path: Path, text: str) -> None:
    partial = path.with_name(path.name + ".partial")
    partial.write_text(text, encoding="utf-8")
    os.replace(partial, path)


@asset(
    key=AssetKey(["serve", "publication"]),
    group_name=GROUP,
    deps=[
        AssetKey(["dashboards", "release_page"]),
        AssetKey(["dashboards", "timeliness_page"]),
        AssetKey(["dashboards", "data_quality_page"]),
    ],
    description="PUBLISH/current/, PUBLISH/internal/ and PUBLISH/index.html, each swapped in whole",
)
def publication(context: AssetExecutionContext, sinstats: SinstatsSettings) -> None:
    settings = sinstats.settings()
    built = staging(settings.publish, context.run_id)
    swap_in(built / "current", settings.current)
    swap_in(built / "internal", settings.internal)
    write_atomically(settings.publish / "index.html", render_index(settings.as_at.isoformat(), PAGES))
    # Staging folders of this run, and of runs that stopped half-way, are no longer needed.
    shutil.rmtree(settings.publish / STAGING_FOLDER, ignore_errors=True)
    context.log.info(f"published to {settings.current} and {settings.internal}")


@asset(
    key=AssetKey(["serve", "analysts_copy"]),
    group_name=GROUP,
    deps=[AssetKey(["serve", "publication"])],
    description="<warehouse>_analysts.duckdb: what `sinstats sql` and analysts read",
)
def analysts_copy(context: AssetExecutionContext, sinstats: SinstatsSettings) -> None:
    """Checkpoint the warehouse, copy it beside itself, and rename the copy into place."""
    settings = sinstats.settings()
    with duckdb.connect(str(settings.warehouse)) as connection:
        connection.execute("checkpoint")
    partial = settings.analysts_copy.with_name(settings.analysts_copy.name + ".partial")
    shutil.copyfile(settings.warehouse, partial)
    os.replace(partial, settings.analysts_copy)
    context.log.info(f"analysts' copy replaced: {settings.analysts_copy}")
