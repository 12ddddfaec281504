"""Serving a good run: the publish folders and the analysts' copy, each replaced whole by one rename."""

import datetime as dt
import os
import shutil
import uuid
from pathlib import Path

import duckdb
from dagster import AssetExecutionContext, AssetKey, asset

from dashboards.page import render_index
from pipelines.lock import STORAGE_VERSION, connect_when_free, storage_version
from pipelines.publish.assets import VERSIONS_FOLDER, staging
from pipelines.resources import Workspace
from pipelines.transform import state

GROUP = "serve"
INDEX = "index.html"
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
    (
        "Warehouse documentation (internal)",
        "internal/dbt_docs.html",
        "every table and column analysts can query, with what it means (dbt docs)",
    ),
]


def point(link: Path, target: Path) -> None:
    """Make `link` a symbolic link to `target` in one rename: readers see the old folder or the new one.

    A real folder in the link's place (from before folders were linked) is kept, renamed aside.
    """
    if link.exists() and not link.is_symlink():
        link.rename(link.with_name(f"{link.name}.before-versions-{dt.datetime.now():%Y%m%dT%H%M%S}"))
    temporary = link.with_name(f".{link.name}.{uuid.uuid4().hex}")
    os.symlink(os.path.relpath(target, link.parent), temporary)
    os.replace(temporary, link)


def prune_versions(publish: Path, keep: int = 2) -> None:
    """Remove published versions no link points to, keeping the newest `keep` (the last good ones)."""
    versions = publish / VERSIONS_FOLDER
    if not versions.is_dir():
        return
    linked = {(publish / name).resolve() for name in ("current", "internal") if (publish / name).is_symlink()}
    candidates = sorted(versions.iterdir(), key=lambda p: p.stat().st_mtime, reverse=True)
    in_use = {folder for folder in candidates if any(link.is_relative_to(folder) for link in linked)}
    for folder in candidates[keep:]:
        if folder not in in_use:
            shutil.rmtree(folder, ignore_errors=True)


def write_atomically(path: Path, text: str) -> None:
    partial = path.with_name(path.name + ".partial")
    partial.write_text(text, encoding="utf-8")
    os.replace(partial, path)


@asset(
    key=AssetKey(["serve", "publication"]),
    group_name=GROUP,
    deps=[
        AssetKey(["pages", "release_page"]),
        AssetKey(["pages", "timeliness_page"]),
        AssetKey(["pages", "data_quality_page"]),
        AssetKey(["pages", "dbt_docs"]),
        AssetKey(["pages", "feedback_files"]),
        AssetKey(["pages", "panel_lists"]),
    ],
    description="PUBLISH/current/ and PUBLISH/internal/ (links to this run's version) and PUBLISH/index.html",
)
def publication(context: AssetExecutionContext, workspace: Workspace) -> None:
    settings = workspace.settings
    built = staging(settings.publish, context.run.run_id)
    point(settings.current, built / "current")
    point(settings.internal, built / "internal")
    write_atomically(settings.publish / INDEX, render_index(workspace.as_at.isoformat(), PAGES))
    # Versions of earlier runs, and of runs that stopped half-way, are no longer needed.
    prune_versions(settings.publish)
    context.log.info(f"published to {settings.current} and {settings.internal}")


@asset(
    key=AssetKey(["serve", "analysts_copy"]),
    group_name=GROUP,
    deps=[AssetKey(["serve", "publication"])],
    description="<warehouse>_analysts.duckdb: what `sinstats sql` and analysts read",
)
def analysts_copy(context: AssetExecutionContext, workspace: Workspace) -> None:
    """Copy the warehouse file into a new file beside it, then rename that into place.

    The warehouse is kept in the storage format DuckDB 1.x clients read (pipelines/lock.py), so the
    copy is a copy of the file's bytes once everything is written into it (0.2 s for 400 MB, where
    rewriting every table took 6 s). A warehouse made in DuckDB 2's own format by an earlier
    version is rewritten in that format once, here, and is copied as bytes from then on.
    """
    settings = workspace.settings
    partial = settings.analysts_copy.with_name(settings.analysts_copy.name + ".partial")
    partial.unlink(missing_ok=True)
    with connect_when_free(settings.warehouse) as connection:
        convert = not storage_version(connection).startswith(STORAGE_VERSION.split(".")[0] + ".")
        if convert:
            write_analysts_copy(connection, partial)
        else:
            connection.execute("checkpoint")
    wal = settings.warehouse.with_name(settings.warehouse.name + ".wal")
    if convert:
        converted = settings.warehouse.with_name(settings.warehouse.name + ".converting")
        shutil.copyfile(partial, converted)
        os.replace(converted, settings.warehouse)
        wal.unlink(missing_ok=True)  # the old file's, already in the tables copied
        context.log.info(f"the warehouse was rewritten in storage format {STORAGE_VERSION}")
    else:
        if wal.exists():
            raise RuntimeError(f"{wal} is still there after a checkpoint: the warehouse is not copied")
        shutil.copyfile(settings.warehouse, partial)
    os.replace(partial, settings.analysts_copy)
    context.log.info(f"analysts' copy replaced: {settings.analysts_copy}")
    # The run is good: a later run with nothing new can stop after its ingest.
    with connect_when_free(settings.warehouse) as connection:
        state.record_good_run(connection, context.run.run_id, workspace.as_at, workspace.run_key(connection))


def write_analysts_copy(connection: duckdb.DuckDBPyConnection, target: Path) -> None:
    """The whole database, written in STORAGE_VERSION (for a warehouse made in a newer format)."""
    path = str(target).replace("'", "''")
    source = connection.sql("select current_database()").fetchall()[0][0]
    connection.execute(f"attach '{path}' as analysts_copy (storage_version '{STORAGE_VERSION}')")
    try:
        connection.execute(f'copy from database "{source}" to analysts_copy')
    finally:
        connection.execute("detach analysts_copy")
