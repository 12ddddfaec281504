"""dbt models, seeds and tests as Dagster assets and checks; one group per dbt folder and schema."""

import contextlib
import os
import subprocess
from collections.abc import Iterator, Mapping
from typing import Any, TextIO

from dagster import AssetExecutionContext, AssetKey
from dagster_dbt import (
    DagsterDbtTranslator,
    DagsterDbtTranslatorSettings,
    DbtCliInvocation,
    DbtCliResource,
    dbt_assets,
)

from pipelines.lock import connect_when_free
from pipelines.resources import Workspace
from pipelines.transform import state
from pipelines.transform.manifest import DATABASE_VARIABLE, DBT_ENV, ensure_manifest, read_manifest
from pipelines.transform.project import DBT_PROJECT, write_run_parameters
from schemas.policy import policy_values


def seed_key(name: str) -> AssetKey:
    return AssetKey([state.SEEDS, name])


class SinstatsTranslator(DagsterDbtTranslator):
    """Asset key = [schema, name]: a reader who sees a key knows its layer and its table."""

    def get_asset_key(self, dbt_resource_props: Mapping[str, Any]) -> AssetKey:
        kind = dbt_resource_props["resource_type"]
        if kind == "source":
            return AssetKey([dbt_resource_props["source_name"], dbt_resource_props["name"]])
        if kind == "seed":
            return seed_key(dbt_resource_props["name"])
        return AssetKey([dbt_resource_props["config"]["schema"], dbt_resource_props["name"]])

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        if dbt_resource_props["resource_type"] == "seed":
            return state.SEEDS
        schema: str | None = dbt_resource_props["config"].get("schema")
        return schema


def node_keys(manifest: Mapping[str, Any]) -> dict[str, AssetKey]:
    """The asset key of each dbt model and seed, by name."""
    translator = SinstatsTranslator()
    return {
        node["name"]: translator.get_asset_key(node)
        for node in manifest["nodes"].values()
        if node["resource_type"] in ("model", "seed")
    }


class LeftOutNodeChanged(Exception):
    """A node the run left out (pipelines/runner.py: a reference node, or a view of the loaded tables)
    changed between the run's start and its dbt step."""


def plan_this_build(
    context: AssetExecutionContext, workspace: Workspace, manifest: Mapping[str, Any]
) -> state.BuildPlan:
    """Decide what this run's dbt build makes (pipelines/transform/state.py), write the run's parameters
    for the models, and record the build as started. A function of its own, not part of the asset's
    generator: the warehouse connection is closed and gone before the first dbt event is handed on."""
    settings, parameters = workspace.settings, workspace.parameters
    incremental = state.incremental_models(manifest)
    with connect_when_free(settings.warehouse) as connection:
        fingerprints = state.node_fingerprints(manifest, policy_values(manifest), state.source_contents(connection))
        asked = "asked for (--full-refresh)" if not parameters.is_release else "a release is always built in full"
        plan = state.plan_build(
            connection,
            parameters.as_at,
            fingerprints,
            incremental,
            asked if parameters.full_refresh else None,
            by_year=state.incremental_models(manifest, state.BY_YEAR),
        )
        keys = node_keys(manifest)
        selected = context.selected_asset_keys
        left = {name: schema for name, schema in state.lasting_nodes(manifest).items() if keys[name] not in selected}
        moved = sorted(set(left) - set(state.unchanged_nodes(connection, fingerprints, left)))
        if moved:
            raise LeftOutNodeChanged(
                f"{', '.join(moved)}: no longer what the warehouse's last completed build made (its code or "
                "reference data changed), and this run left it out: run again (it will be made)"
            )
        write_run_parameters(connection, parameters, plan)
        state.start_build(connection, context.run.run_id, parameters.as_at, plan, incremental)
    return plan


_END = object()


def handed_on(invocation: DbtCliInvocation, log: TextIO) -> Iterator[Any]:
    """A dbt command's events, as dagster-dbt streams them, with what dagster-dbt echoes of each to
    standard output written to `log` instead.

    Dagster may leave the step's generator unfinished (a failure in its own handling of an event,
    such as a full disk under the run history) and collect it later. So standard output is
    redirected only while the next event is read, never across a `yield` (a redirection undone at
    collection would point a later run's standard output at this one's); and a dbt command still
    running when the generator is closed or collected is stopped (terminated, then killed after
    dagster-dbt's termination timeout), so that it cannot go on writing to the warehouse after its run
    has ended."""
    events = invocation.stream()
    try:
        while True:
            with contextlib.redirect_stdout(log):
                event = next(events, _END)
            if event is _END:
                return
            yield event
    finally:
        if invocation.process.poll() is None:
            invocation.process.terminate()
            try:
                # As long as dagster-dbt waits for an interrupted dbt command (its own setting).
                invocation.process.wait(invocation.termination_timeout_seconds)
            except subprocess.TimeoutExpired:
                invocation.process.kill()
                invocation.process.wait()


@dbt_assets(
    manifest=ensure_manifest(),
    project=DBT_PROJECT,
    dagster_dbt_translator=SinstatsTranslator(settings=DagsterDbtTranslatorSettings(enable_asset_checks=True)),
)
def sinstats_dbt(context: AssetExecutionContext, dbt: DbtCliResource, workspace: Workspace) -> Iterator[Any]:
    """Seed, build and test the dbt models on the run's warehouse, as at the run's date: in full, or
    only what changed since the last completed build (pipelines/transform/state.py). Three steps:
    decide the selection, run dbt, record the build."""
    settings, parameters = workspace.settings, workspace.parameters
    manifest = read_manifest(DBT_PROJECT.manifest_path)
    plan = plan_this_build(context, workspace, manifest)
    context.log.info(plan.describe())

    os.environ.update(DBT_ENV)
    os.environ[DATABASE_VARIABLE] = str(settings.warehouse)
    # dagster-dbt echoes every dbt event to standard output: into the run's dbt log instead, so a
    # person sees one line for the stage (pipelines/display.py) and the log keeps node by node.
    workspace.logs.mkdir(parents=True, exist_ok=True)
    # dbt's unit tests are the models' own tests: `make test` runs them (tests/unit), a run does not.
    build = ["build", "--exclude-resource-type", "unit_test"]
    if not plan.is_incremental:
        commands = [[*build, "--full-refresh"]]
    elif plan.full_refresh_models:
        # Everything not downstream of a changed model first, incrementally; then those in full.
        # (Both by --exclude: dagster-dbt adds its own `--select` to every command: `fqn:*`, or
        # the run's selection when it leaves seeds out.)
        changed = " ".join(f"{model}+" for model in plan.full_refresh_models)
        others = " ".join(state.everything_else(manifest, plan.full_refresh_models))
        commands = [[*build, "--exclude", changed], [*build, "--full-refresh", "--exclude", others]]
    else:
        commands = [build]
    with (workspace.logs / f"{context.run.run_id}.dbt.log").open("a", encoding="utf-8") as dbt_log:
        for command in commands:
            # One target folder per warehouse: dbt reuses the last run's parse when nothing changed.
            yield from handed_on(dbt.cli(command, context=context, target_path=settings.dbt_target), dbt_log)

    if not parameters.is_release:
        with connect_when_free(settings.warehouse) as connection:
            state.complete_build(connection, context.run.run_id, plan)
