"""The release as the same asset graph as a run, with other run config (the year and cut-off)."""

import duckdb
from dagster import AssetExecutionContext, AssetKey, MaterializeResult, asset

from pipelines.publish.assets import OPEN_DATA_FILES
from pipelines.publish.catalogue import PUBLISH_SCHEMA, published_tables
from pipelines.release.build import build_bundle
from pipelines.resources import RELEASES_FOLDER, Workspace
from pipelines.transform.project import DBT_PROJECT

GROUP = "release"


class NotARelease(Exception):
    """The release bundle was asked for in a run without a release year."""


@asset(
    key=AssetKey(["release", "bundle"]),
    group_name=GROUP,
    deps=[AssetKey([PUBLISH_SCHEMA, name]) for name in OPEN_DATA_FILES],
    description="PUBLISH/releases/YEAR/: the open-data files, manifest, methodology, revisions and spreadsheet, "
    "as at the cut-off (run config: release_year, cut_off)",
)
def release_bundle(context: AssetExecutionContext, workspace: Workspace) -> MaterializeResult[None]:
    parameters = workspace.parameters
    if parameters.release_year is None or parameters.cut_off is None:
        raise NotARelease("the release bundle needs run config with a release_year (build_release_job)")
    with duckdb.connect(str(workspace.settings.warehouse), read_only=True) as connection:
        outcome = build_bundle(
            connection,
            workspace.scratch,
            workspace.settings.publish / RELEASES_FOLDER,
            parameters.release_year,
            parameters.cut_off,
            workspace.policy,
            {name: table.title for name, table in published_tables(DBT_PROJECT.manifest_path).items()},
        )
    for line in outcome.summary().splitlines():
        context.log.info(line)
    return MaterializeResult(metadata=outcome.metadata())
