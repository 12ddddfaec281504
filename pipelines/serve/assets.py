"""Serving a good run: the publish folders and the analysts' copy, each replaced whole by one rename,
all the renames at the end, after everything that takes room is written."""

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
from pipelines.settings import Settings
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


def linked_versions(publish: Path) -> set[Path]:
    """The folders PUBLISH/current and PUBLISH/internal point at."""
    return {(publish / name).resolve() for name in ("current", "internal") if (publish / name).is_symlink()}


def served(settings: Settings, run_id: str) -> bool:
    """Whether PUBLISH/current points at the version run `run_id` published."""
    current = settings.current
    return current.is_symlink() and current.resolve() == (staging(settings.publish, run_id) / "current").resolve()


def discard_version(publish: Path, run_id: str) -> None:
    """Remove what a failed run wrote for publication, unless a link points into it."""
    folder = staging(publish, run_id)
    if folder.is_dir() and not any(link.is_relative_to(folder.resolve()) for link in linked_versions(publish)):
        shutil.rmtree(folder, ignore_errors=True)


def prune_versions(publish: Path, keep: int = 2) -> None:
    """Remove published versions no link points to, keeping the newest `keep` (the last good ones)."""
    versions = publish / VERSIONS_FOLDER
    if not versions.is_dir():
        return
    linked = linked_versions(publish)
    candidates = sorted(versions.iterdir(), key=lambda p: p.stat().st_mtime, reverse=True)
    in_use = {folder for folder in candidates if any(link.is_relative_to(folder) for link in linked)}
    for folder in candidates[keep:]:
        if folder not in in_use:
            shutil.rmtree(folder, ignore_errors=True)


def ready_copy(settings: Settings) -> Path:
    """Where a run leaves its analysts' copy, complete, until the publication step renames it into place."""
    return settings.analysts_copy.with_name(settings.analysts_copy.name + ".next")


@asset(
    key=AssetKey(["serve", "analysts_copy"]),
    group_name=GROUP,
    deps=[
        AssetKey(["pages", "release_page"]),
        AssetKey(["pages", "timeliness_page"]),
        AssetKey(["pages", "data_quality_page"]),
        AssetKey(["pages", "dbt_docs"]),
        AssetKey(["pages", "feedback_files"]),
        AssetKey(["pages", "panel_lists"]),
    ],
    description="<warehouse>_analysts.duckdb.next: this run's analysts' copy, complete beside the one "
    "analysts read (the publication step puts it in place)",
)
def analysts_copy(context: AssetExecutionContext, workspace: Workspace) -> None:
    """Record the run as built, then copy the warehouse file into a new file beside the analysts' copy.

    The record comes first so that the copy holds it too. A later run with nothing new stops early
    only when PUBLISH/current points at the recorded run's version (pipelines/ingest/assets.py), so a
    run that stops between here and its publication is not taken for one whose results are served.

    The warehouse is kept in the storage format DuckDB 1.x clients read (pipelines/lock.py), so the
    copy is a copy of the file's bytes once everything is written into it (0.2 s for 400 MB, where
    rewriting every table took 6 s). A warehouse made in DuckDB 2's own format by an earlier
    version is rewritten in that format once, here, and is copied as bytes from then on.
    """
    settings = workspace.settings
    ready = ready_copy(settings)
    ready.unlink(missing_ok=True)
    try:
        with connect_when_free(settings.warehouse) as connection:
            state.record_good_run(connection, context.run.run_id, workspace.as_at, workspace.run_key(connection))
            convert = not storage_version(connection).startswith(STORAGE_VERSION.split(".")[0] + ".")
            if convert:
                write_analysts_copy(connection, ready)
            else:
                connection.execute("checkpoint")
        wal = settings.warehouse.with_name(settings.warehouse.name + ".wal")
        if convert:
            converted = settings.warehouse.with_name(settings.warehouse.name + ".converting")
            shutil.copyfile(ready, converted)
            os.replace(converted, settings.warehouse)
            wal.unlink(missing_ok=True)  # the old file's, already in the tables copied
            context.log.info(f"the warehouse was rewritten in storage format {STORAGE_VERSION}")
        else:
            if wal.exists():
                raise RuntimeError(f"{wal} is still there after a checkpoint: the warehouse is not copied")
            shutil.copyfile(settings.warehouse, ready)
    except BaseException:
        ready.unlink(missing_ok=True)  # a part-written copy would only take room on a disk that may be full
        raise
    context.log.info(f"analysts' copy ready: {ready}")


@asset(
    key=AssetKey(["serve", "publication"]),
    group_name=GROUP,
    deps=[AssetKey(["serve", "analysts_copy"])],
    description="PUBLISH/current/ and PUBLISH/internal/ (links to this run's version), PUBLISH/index.html "
    "and the analysts' copy, each put in place by one rename",
)
def publication(context: AssetExecutionContext, workspace: Workspace) -> None:
    """Everything that takes room is written first; then only renames, which a full disk cannot stop,
    so a run that stops before them leaves the old published files and analysts' copy as they were."""
    settings = workspace.settings
    built = staging(settings.publish, context.run.run_id)
    ready = ready_copy(settings)
    if not ready.exists():
        raise FileNotFoundError(f"{ready} is missing: materialize serve/analysts_copy in the same run")
    index = settings.publish / f"{INDEX}.partial"
    index.write_text(render_index(workspace.as_at.isoformat(), PAGES), encoding="utf-8")
    os.replace(ready, settings.analysts_copy)
    point(settings.internal, built / "internal")
    point(settings.current, built / "current")  # last: a later run reads this link to see what is served
    os.replace(index, settings.publish / INDEX)
    # Versions of earlier runs, and of runs that stopped half-way, are no longer needed.
    prune_versions(settings.publish)
    context.log.info(f"published to {settings.current} and {settings.internal}; analysts' copy replaced")


def write_analysts_copy(connection: duckdb.DuckDBPyConnection, target: Path) -> None:
    """The whole database, written in STORAGE_VERSION (for a warehouse made in a newer format)."""
    path = str(target).replace("'", "''")
    source = connection.sql("select current_database()").fetchall()[0][0]
    connection.execute(f"attach '{path}' as analysts_copy (storage_version '{STORAGE_VERSION}')")
    try:
        connection.execute(f'copy from database "{source}" to analysts_copy')
    finally:
        connection.execute("detach analysts_copy")
