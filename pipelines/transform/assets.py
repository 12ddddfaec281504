"""dbt models, seeds and tests as Dagster assets and checks; one group per dbt folder and schema."""

import json
import os
from collections.abc import Mapping
from typing import Any

from dagster import AssetExecutionContext, AssetKey
from dagster_dbt import (
    DagsterDbtTranslator,
    DagsterDbtTranslatorSettings,
    DbtCliResource,
    dbt_assets,
)

from pipelines.resources import SinstatsSettings
from pipelines.transform.project import DATABASE_VARIABLE, DBT_ENV, DBT_PROJECT, ensure_manifest


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
        return dbt_resource_props["config"].get("schema")


@dbt_assets(
    manifest=ensure_manifest(),
    project=DBT_PROJECT,
    dagster_dbt_translator=SinstatsTranslator(settings=DagsterDbtTranslatorSettings(enable_asset_checks=True)),
)
def sinstats_dbt(context: AssetExecutionContext, dbt: DbtCliResource, sinstats: SinstatsSettings):
    """Seed, build and test every dbt model on the run's warehouse, as at the run's date."""
    settings = sinstats.settings()
    os.environ.update(DBT_ENV)
    os.environ[DATABASE_VARIABLE] = str(settings.warehouse)
    dbt_vars = json.dumps({"as_at": settings.as_at.isoformat()})
    yield from dbt.cli(["build", "--vars", dbt_vars], context=context).stream()
