"""What one dbt build must compute, from what the builds before it left (README, "Incremental runs").

The warehouse keeps, in its `pipeline` schema, every build started (`pipeline.builds`: its as-at
date, the models it rebuilt in full, and, once it completed, the fingerprint of every model and
seed) and every loaded file a completed build has used (`pipeline.built_files`). From these a build is:

- **full** (`dbt build --full-refresh`) when the warehouse has no completed build, when asked
  (`sinstats run --full-refresh`), and for a release (its own scratch copy, as at its cut-off);
- otherwise **incremental**: the models computed per notification recompute only the notifications
  of `int_changed_notifications` (named by a file no completed build has used, what their duplicate
  links reach, and, when the as-at date moved, what depends on it); the models counted by
  reporting year (strategy `replace_years`) count again only the years those notifications are in,
  now or at the last build (every year when the as-at date moved into another reporting year);
  the seeds and the models built from reference data alone (`reference_nodes`), and the views of the
  loaded tables (`source_views`), are left as the last completed build made them while their
  fingerprints are unchanged (the run leaves them out of its selection, with their tests:
  `lasting_nodes`, `nodes_to_leave`); every other model is a table rebuilt whole, as before. An
  incremental model whose fingerprint differs from the last completed build's (its SQL,
  configuration, macros, the policy values it reads, its seeds, the bank holidays, or any of these
  upstream of it), or that a build which did not complete rebuilt in full, is rebuilt in full with
  everything downstream of it.

A build that does not complete (failed, or killed) leaves the record of its start only: the next
build computes again everything it would have, so a killed run never leaves a table half-way
between two builds for good. Rebuilding a notification is idempotent (every row of it replaced);
a year, too, but the year a notification was in can only be read from a completed build's tables,
so after a build that did not complete the models counted by year are rebuilt in full.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import duckdb

from pipelines.settings import DBT_PROJECT_DIR, PROJECT_ROOT
from pipelines.transform.manifest import DBT_SOURCE_FOLDERS

DDL = """
create schema if not exists pipeline;
create table if not exists pipeline.builds (
    build_id varchar primary key,
    started_at timestamptz not null,
    finished_at timestamptz,
    as_at_date date not null,
    is_incremental boolean not null,
    full_refresh_models varchar[] not null,
    fingerprints json
);
create table if not exists pipeline.built_files (
    file_sha256 varchar primary key,
    build_id varchar not null
);
"""

# Reference tables written by code before dbt runs (not seeds, so dbt has no checksum of them):
# their content is part of the fingerprint of every model downstream.
BANK_HOLIDAYS = "source.sinstats.reference.bank_holidays"
CODE_WRITTEN_SOURCES = {
    BANK_HOLIDAYS: "select holiday_date, calendar_end from reference.bank_holidays",
}
SEEDS = "reference"  # the schema of the dbt seeds (dbt_project.yml), and their Dagster group
VAR_USE = re.compile(r"""var\(\s*['"](\w+)['"]""")


@dataclass(frozen=True)
class BuildPlan:
    """What this build computes: everything, or what changed plus the models to rebuild in full."""

    is_incremental: bool
    full_refresh_models: tuple[str, ...] = ()
    as_at_floor: dt.date | None = None
    as_at_ceiling: dt.date | None = None
    reason: str = ""
    fingerprints: Mapping[str, str] = field(default_factory=dict)

    def describe(self) -> str:
        if not self.is_incremental:
            return f"full build: {self.reason}"
        said = "incremental build: only the notifications that changed"
        if self.as_at_floor is not None:
            said += (
                ", and those whose figures an as-at date between "
                f"{self.as_at_floor} and {self.as_at_ceiling} changes (the as-at date moved)"
            )
        if self.full_refresh_models:
            said += f"; rebuilt in full (code or reference data changed): {', '.join(self.full_refresh_models)}"
        return said


def _digest(*parts: object) -> str:
    return hashlib.sha256(json.dumps(parts, sort_keys=True, default=str).encode()).hexdigest()[:20]


def source_contents(connection: duckdb.DuckDBPyConnection) -> dict[str, str]:
    """A digest of each code-written reference table (an empty one when it is not there yet)."""
    contents = {}
    for unique_id, query in CODE_WRITTEN_SOURCES.items():
        try:
            rows = connection.sql(f"select * from ({query}) order by all").fetchall()
        except duckdb.CatalogException:
            rows = []
        contents[unique_id] = contents_digest(rows)
    return contents


def contents_digest(rows: Iterable[tuple[Any, ...]]) -> str:
    """The digest `source_contents` gives a code-written table holding `rows` (its query's columns)."""
    return _digest(sorted(rows))


def node_fingerprints(
    manifest: Mapping[str, Any], policy_values: Mapping[str, Any], sources: Mapping[str, str]
) -> dict[str, str]:
    """For every model and seed: a digest of its code (a seed's: its file) and configuration, the
    macros it calls (and theirs), the values of the vars they read, and the fingerprints of
    everything upstream (models, seeds, the code-written reference tables)."""
    macros, nodes = manifest["macros"], manifest["nodes"]
    macro_prints: dict[str, tuple[str, frozenset[str]]] = {}

    def macro_print(unique_id: str, seen: frozenset[str] = frozenset()) -> tuple[str, frozenset[str]]:
        if unique_id not in macro_prints:
            macro = macros[unique_id]
            parts, used = [macro["macro_sql"]], set(VAR_USE.findall(macro["macro_sql"]))
            for called in macro["depends_on"]["macros"]:
                if called in macros and called not in seen:
                    digest, variables = macro_print(called, seen | {unique_id})
                    parts.append(digest)
                    used |= variables
            macro_prints[unique_id] = (_digest(parts), frozenset(used))
        return macro_prints[unique_id]

    prints: dict[str, str] = {}

    def node_print(unique_id: str) -> str:
        if unique_id in prints:
            return prints[unique_id]
        if unique_id in sources:
            return sources[unique_id]
        node = nodes.get(unique_id)
        if node is None:  # a source the pipeline loads: its rows are what incremental builds follow
            return unique_id
        code = node.get("raw_code", "")
        depends_on = node.get("depends_on", {})
        called = [macro_print(m) for m in depends_on.get("macros", []) if m in macros]
        variables = set(VAR_USE.findall(code)).union(*(used for _, used in called))
        prints[unique_id] = _digest(
            node["checksum"]["checksum"],
            node["config"],
            [digest for digest, _ in called],
            {name: policy_values.get(name) for name in sorted(variables)},
            sorted(node_print(parent) for parent in depends_on.get("nodes", [])),
        )
        return prints[unique_id]

    return {
        node["name"]: node_print(unique_id)
        for unique_id, node in nodes.items()
        if node["resource_type"] in ("model", "seed")
    }


def everything_else(manifest: Mapping[str, Any], models: tuple[str, ...]) -> list[str]:
    """The names of the nodes (models, seeds, data tests) not downstream of `models` (nor them)."""
    nodes, children = manifest["nodes"], manifest["child_map"]
    pending = [uid for uid, node in nodes.items() if node["resource_type"] == "model" and node["name"] in models]
    downstream = set(pending)
    while pending:
        for child in children.get(pending.pop(), []):
            if child not in downstream:
                downstream.add(child)
                pending.append(child)
    kinds = ("model", "seed", "test", "snapshot")
    return sorted(
        node["name"] for uid, node in nodes.items() if node["resource_type"] in kinds and uid not in downstream
    )


def incremental_models(manifest: Mapping[str, Any], strategy: str | None = None) -> list[str]:
    """The incremental models (of one strategy: `replace_notifications`, `replace_years`)."""
    return sorted(
        node["name"]
        for node in manifest["nodes"].values()
        if node["resource_type"] == "model"
        and node["config"].get("materialized") == "incremental"
        and strategy in (None, node["config"].get("incremental_strategy"))
    )


# The strategy of the models counted by reporting year (dbt/macros/incremental.sql).
BY_YEAR = "replace_years"


def last_completed_build(
    connection: duckdb.DuckDBPyConnection,
) -> tuple[dt.datetime, dt.date, dict[str, str]] | None:
    """The last completed build: when it started, its as-at date, and its fingerprints."""
    rows = connection.sql(
        "select started_at, as_at_date, fingerprints from pipeline.builds "
        "where finished_at is not null order by started_at desc limit 1"
    ).fetchall()
    if not rows:
        return None
    started_at, as_at, prints = rows[0]
    return started_at, as_at, json.loads(prints or "{}")


def plan_build(
    connection: duckdb.DuckDBPyConnection,
    as_at: dt.date,
    fingerprints: Mapping[str, str],
    incremental: list[str],
    full_refresh: str | None = None,
    by_year: Iterable[str] = (),
) -> BuildPlan:
    """The plan of this build. `full_refresh`: why a full build was asked for (None: not asked).
    `by_year`: the incremental models counted by reporting year, which recount the years of the
    notifications that changed, in the year each is in now and the year the last build gave it. A
    build that did not complete may have moved a notification already, so that the last build's
    year is no longer to be seen: after one, they are rebuilt in full."""
    connection.execute(DDL)
    if full_refresh:
        return BuildPlan(False, reason=full_refresh, fingerprints=fingerprints)
    completed = last_completed_build(connection)
    if completed is None:
        return BuildPlan(False, reason="the warehouse has no completed build yet", fingerprints=fingerprints)
    started_at, last_as_at, last_prints = completed
    unfinished = connection.execute(
        "select as_at_date, full_refresh_models, is_incremental from pipeline.builds "
        "where finished_at is null and started_at > ?",
        [started_at],
    ).fetchall()
    rebuild = {model for model in incremental if fingerprints.get(model) != last_prints.get(model)}
    for _, models, was_incremental in unfinished:
        rebuild |= set(incremental) if not was_incremental else set(models) & set(incremental)
    if unfinished:
        rebuild |= set(by_year) & set(incremental)
    if rebuild == set(incremental):
        reason = "the models' code or reference data changed, or an unfinished build rebuilt them"
        return BuildPlan(False, reason=reason, fingerprints=fingerprints)
    as_ats = {as_at, last_as_at, *(row[0] for row in unfinished)}
    moved = len(as_ats) > 1
    floor, ceiling = (min(as_ats), max(as_ats)) if moved else (None, None)
    return BuildPlan(True, tuple(sorted(rebuild)), floor, ceiling, fingerprints=fingerprints)


def reference_nodes(manifest: Mapping[str, Any]) -> dict[str, str]:
    """The seeds, and the models built from reference data alone (seeds, the code-written reference
    tables, and other such models; no extract row and no run parameter reaches them): name -> schema.
    Each one's table is a function of its fingerprint, so a build whose fingerprint for it is the last
    completed build's need not make it again (`unchanged_nodes`)."""
    nodes = manifest["nodes"]
    found: dict[str, bool] = {}

    def from_reference(unique_id: str) -> bool:
        if unique_id not in found:
            node = nodes.get(unique_id)
            if unique_id in CODE_WRITTEN_SOURCES:
                found[unique_id] = True
            elif node is None or node["resource_type"] not in ("seed", "model"):
                found[unique_id] = False  # a source the pipeline loads, or the run's parameters
            else:
                found[unique_id] = all(from_reference(parent) for parent in node["depends_on"].get("nodes", []))
        return found[unique_id]

    return {
        node["name"]: node["config"]["schema"] if node["resource_type"] == "model" else SEEDS
        for unique_id, node in nodes.items()
        if node["resource_type"] in ("seed", "model") and from_reference(unique_id)
    }


def source_views(manifest: Mapping[str, Any]) -> dict[str, str]:
    """The views that read only the tables the pipeline loads, code-written reference tables and
    reference nodes (the staging views of the raw tables, and the dashboards views of the files and
    the quarantine): name -> schema. A view holds no rows: what it shows is its SQL over what it
    reads, so a build whose fingerprint for it (its code, and that of everything it reads) is the
    last completed build's need not make it again, whatever rows arrived since. Its tests go with it
    (README, "Incremental runs")."""
    nodes, reference = manifest["nodes"], reference_nodes(manifest)
    names = {unique_id: node["name"] for unique_id, node in nodes.items()}
    return {
        node["name"]: node["config"]["schema"]
        for node in nodes.values()
        if node["resource_type"] == "model"
        and node["config"].get("materialized") == "view"
        and node["name"] not in reference
        and all(names.get(parent) in reference for parent in node["depends_on"].get("nodes", []) if parent in nodes)
    }


def lasting_nodes(manifest: Mapping[str, Any]) -> dict[str, str]:
    """Every node a build need not make again while its fingerprint is unchanged: the reference nodes
    and the views of the loaded tables (`reference_nodes`, `source_views`): name -> schema."""
    return {**reference_nodes(manifest), **source_views(manifest)}


def unchanged_nodes(
    connection: duckdb.DuckDBPyConnection, fingerprints: Mapping[str, str], candidates: Mapping[str, str]
) -> list[str]:
    """Of `candidates` (lasting nodes: name -> schema), those a build need not make again: the last
    completed build recorded the same fingerprint for each (its code or file, its configuration, and
    everything upstream), no build has started since it, and its table or view is there. (Read only:
    the warehouse may be open read-only.)"""
    try:
        completed = last_completed_build(connection)
    except duckdb.CatalogException:  # no build yet
        return []
    if completed is None:
        return []
    started_at, _, recorded = completed
    later = connection.execute("select count(*) from pipeline.builds where started_at > ?", [started_at])
    if later.fetchall()[0][0]:
        return []  # a build that did not complete may have loaded other contents
    present = set(connection.execute("select table_schema, table_name from information_schema.tables").fetchall())
    return sorted(
        name
        for name, schema in candidates.items()
        if (schema, name) in present and recorded.get(name, "") == fingerprints.get(name)
    )


def nodes_to_leave(
    warehouse: Path, manifest: Mapping[str, Any], policy_values: Mapping[str, Any], sources: Mapping[str, str]
) -> list[str]:
    """Before a run starts: the lasting nodes it need not make again (`lasting_nodes`), as the
    warehouse says now, given the `policy_values` and the contents the run will give the code-written
    reference tables (`sources`); none when there is no warehouse yet or another process has it open
    (the run then makes them all, which is always right). A node is left only with everything it and
    its tests read (a view's accepted-values test reads the code-list seeds: a changed seed has the
    view made and tested again). The dbt step checks again under the warehouse's lock, with the
    tables as written."""
    if not warehouse.exists():
        return []
    try:
        connection = duckdb.connect(str(warehouse), read_only=True)
    except duckdb.Error:
        return []
    candidates = lasting_nodes(manifest)
    fingerprints = node_fingerprints(manifest, policy_values, sources)
    with connection:
        try:
            unchanged = set(unchanged_nodes(connection, fingerprints, candidates))
        except duckdb.Error:
            return []
    by_id = {unique_id: node["name"] for unique_id, node in manifest["nodes"].items()}
    reads: dict[str, set[str]] = {name: set() for name in candidates}
    for node in manifest["nodes"].values():
        attached = by_id.get(node.get("attached_node") or "", "")
        reader = node["name"] if node["resource_type"] != "test" else attached
        if reader in candidates:
            reads[reader] |= {by_id[parent] for parent in node["depends_on"].get("nodes", []) if parent in by_id}
    left: dict[str, bool] = {}

    def leave(name: str) -> bool:
        if name not in left:
            left[name] = False  # while deciding: two nodes whose tests read each other are both made
            left[name] = name in unchanged and all(leave(parent) for parent in reads[name] - {name})
        return left[name]

    return sorted(name for name in candidates if leave(name))


def start_build(
    connection: duckdb.DuckDBPyConnection, build_id: str, as_at: dt.date, plan: BuildPlan, incremental: list[str]
) -> None:
    models = list(plan.full_refresh_models) if plan.is_incremental else incremental
    connection.execute(DDL)
    connection.execute(
        "insert or replace into pipeline.builds values (?, now(), null, ?, ?, ?, null)",
        [build_id, as_at, plan.is_incremental, models],
    )


def complete_build(connection: duckdb.DuckDBPyConnection, build_id: str, plan: BuildPlan) -> None:
    """Record a completed build: its fingerprints, and the loaded files it used."""
    connection.execute("begin transaction")
    connection.execute(
        "update pipeline.builds set finished_at = now(), fingerprints = ? where build_id = ?",
        [json.dumps(dict(plan.fingerprints), sort_keys=True), build_id],
    )
    connection.execute(
        "insert into pipeline.built_files select file_sha256, ? from raw.loaded_files "
        "where file_sha256 not in (select file_sha256 from pipeline.built_files)",
        [build_id],
    )
    connection.execute("commit")


# A run with nothing new (README, "Incremental runs"): no new or rejected file, no new unknown name,
# the same as-at date, code, bank holidays and publish folder as the last good run, and no build
# started since it: the run stops after the ingest and says so.
RUNS_DDL = """
create schema if not exists pipeline;
create table if not exists pipeline.good_runs (
    run_id varchar primary key,
    finished_at timestamptz not null,
    as_at_date date not null,
    run_key varchar not null
);
"""
PYTHON_PACKAGES = ("pipelines", "schemas", "dashboards")


@cache
def code_digest() -> str:
    """A digest of the code a run executes: the Python packages and the dbt project."""
    folders = [PROJECT_ROOT / package for package in PYTHON_PACKAGES]
    folders += [DBT_PROJECT_DIR / folder for folder in DBT_SOURCE_FOLDERS]
    files = sorted(p for folder in folders for p in folder.rglob("*") if p.is_file())
    files.append(DBT_PROJECT_DIR / "dbt_project.yml")
    digest = hashlib.sha256()
    for path in files:
        if "__pycache__" not in path.parts:
            digest.update(str(path.relative_to(PROJECT_ROOT)).encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:20]


def run_key(connection: duckdb.DuckDBPyConnection, as_at: dt.date, publish: Path, holidays: list[dt.date]) -> str:
    """What a run's outputs depend on besides the rows: code, as-at date, holidays, where it publishes,
    and how many files the warehouse has taken, rejected or not recognised."""
    counts = connection.sql(
        "select (select count(*) from raw.loaded_files), (select count(*) from quarantine.rejected_files), "
        "(select count(*) from quarantine.unrecognised_files)"
    ).fetchall()[0]
    return _digest(code_digest(), as_at, str(publish), holidays, counts)


def unchanged_since(connection: duckdb.DuckDBPyConnection, key: str) -> tuple[str, dt.date] | None:
    """The last good run (id, as-at date) when nothing has changed since it, else None."""
    connection.execute(DDL + RUNS_DDL)
    last = connection.sql(
        "select run_id, finished_at, as_at_date, run_key from pipeline.good_runs order by finished_at desc limit 1"
    ).fetchall()
    if not last or last[0][3] != key:
        return None
    run_id, finished_at, as_at, _ = last[0]
    later = connection.execute(
        "select count(*) from pipeline.builds where finished_at is null or started_at > ?", [finished_at]
    ).fetchall()[0][0]
    unbuilt = connection.sql(
        "select count(*) from raw.loaded_files where file_sha256 not in (select file_sha256 from pipeline.built_files)"
    ).fetchall()[0][0]
    return (run_id, as_at) if later == 0 and unbuilt == 0 else None


def record_good_run(connection: duckdb.DuckDBPyConnection, run_id: str, as_at: dt.date, key: str) -> None:
    connection.execute(RUNS_DDL)
    connection.execute("insert or replace into pipeline.good_runs values (?, now(), ?, ?)", [run_id, as_at, key])
