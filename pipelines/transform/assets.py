"""dbt models, seeds and tests as Dagster assets and checks; one group per dbt folder and schema."""

import contextlib
import os
from collections.abc import Iterator, Mapping
from typing import Any

from dagster import AssetExecutionContext, AssetKey
from dagster_dbt import (
    DagsterDbtTranslator,
    DagsterDbtTranslatorSettings,
    DbtCliResource,
    dbt_assets,
)

from pipelines.lock import connect_when_free
from pipelines.resources import Workspace
from pipelines.transform.manifest import DATABASE_VARIABLE, DBT_ENV, ensure_manifest
from pipelines.transform.project import DBT_PROJECT, write_run_parameters


class SinstatsTranslator(DagsterDbtTranslator):
    """Asset key = [schema, name]: a reader who sees a key knows its layer and its table."""

    def get_asset_key(self, dbt_resource_props: Mapping[str, Any]) -> AssetKey:
        kind = dbt_resource_props["resource_type"]
        if kind == "source":
            return AssetKey([dbt_resource_props["source_name"], dbt_resource_props["name"]])
        if kind == "seed":
            return AssetKey(["reference", dbt_resource_props["name"]])
        return AssetKey([dbt_resource_props["config"]["schema"], dbt_resource_props["name"]])

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        if dbt_resource_props["resource_type"] == "seed":
            return "reference"
        schema: str | None = dbt_resource_props["config"].get("schema")
        return schema


@dbt_assets(
    manifest=ensure_manifest(),
    project=DBT_PROJECT,
    dagster_dbt_translator=SinstatsTranslator(settings=DagsterDbtTranslatorSettings(enable_asset_checks=True)),
)
def sinstats_dbt(context: AssetExecutionContext, dbt: DbtCliResource, workspace: Workspace) -> Iterator[Any]:
    """Seed, build and test every dbt model on the run's warehouse, as at the run's date."""
    settings = workspace.settings
    with connect_when_free(settings.warehouse) as connection:
        write_run_parameters(connection, workspace.parameters)
    os.environ.update(DBT_ENV)
    os.environ[DATABASE_VARIABLE] = str(settings.warehouse)
    # dagster-dbt echoes every dbt event to standard output: into the run's dbt log instead, so a
    # person sees one line for the stage (pipelines/display.py) and the log keeps node by node.
    workspace.logs.mkdir(parents=True, exist_ok=True)
    dbt_log = (workspace.logs / f"{context.run.run_id}.dbt.log").open("a", encoding="utf-8")
    with dbt_log, contextlib.redirect_stdout(dbt_log):
        # One target folder per warehouse: dbt reuses the last run's parse when nothing changed.
        yield from dbt.cli(["build"], context=context, target_path=settings.dbt_target).stream()
