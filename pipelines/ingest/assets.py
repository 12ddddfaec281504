"""Ingest assets: the landing folder into `raw` and `quarantine`, and the check that rows add up."""

import json
from collections.abc import Iterator
from dataclasses import asdict
from typing import Any

import duckdb
from dagster import (
    AssetCheckExecutionContext,
    AssetCheckResult,
    AssetChecksDefinition,
    AssetCheckSeverity,
    AssetExecutionContext,
    AssetKey,
    AssetObservation,
    AssetSpec,
    MaterializeResult,
    MetadataValue,
    asset_check,
    multi_asset,
)

from pipelines.ingest.load import PHASES, FileOutcome, ingest_landing
from pipelines.lock import connect_when_free, readable
from pipelines.resources import Workspace
from pipelines.serve.assets import served
from pipelines.transform import state
from schemas.contracts import CONTRACTS

GROUP = "ingest"
RAW_TABLES = [*CONTRACTS, "loaded_files"]
QUARANTINE_TABLES = ["rows", "rejected_files", "unrecognised_files"]
FILE_LOG = AssetKey(["raw", "loaded_files"])

# Skippable: when nothing is new since the last good run, the ingest materialises nothing, and
# Dagster skips every step downstream (the models, the disclosure, the pages, the copy).
SPECS = [
    AssetSpec(AssetKey(["raw", name]), group_name=GROUP, description=f"raw.{name}: loaded extract rows", skippable=True)
    for name in RAW_TABLES
] + [
    AssetSpec(AssetKey(["quarantine", name]), group_name=GROUP, description=f"quarantine.{name}", skippable=True)
    for name in QUARANTINE_TABLES
]
NOTHING_NEW = "nothing_new_since"
# The runner knows the message by its start (pipelines/runner.py).
NOTHING_NEW_MESSAGE = "nothing new since the last good run"


@multi_asset(specs=SPECS, name="landing_extracts", can_subset=False)
def landing_extracts(
    context: AssetExecutionContext, workspace: Workspace
) -> Iterator[MaterializeResult[None] | AssetObservation]:
    """Read every new file of the landing folder; load its valid rows, quarantine the rest."""
    settings = workspace.settings
    if not settings.landing.is_dir():
        raise FileNotFoundError(f"The landing folder {settings.landing} does not exist.")

    def log(outcome: FileOutcome) -> None:
        if outcome.status == "loaded":
            context.log.info(
                f"{outcome.name}: {outcome.rows_read} rows read, {outcome.rows_loaded} loaded, "
                f"{outcome.rows_quarantined} quarantined"
            )
        elif outcome.status == "rejected":
            context.log.warning(f"{outcome.name}: rejected, {outcome.reason}")
        else:
            context.log.info(f"{outcome.name}: skipped, {outcome.reason}")

    report = ingest_landing(settings.warehouse, settings.landing, context.run.run_id, log)
    for name in report.ignored:
        context.log.warning(f"{name}: left alone, its name has no known prefix")
    summary = {
        "files_loaded": report.count("loaded"),
        "files_rejected": report.count("rejected"),
        "files_already_seen": report.count("already_seen"),
        "files_ignored": len(report.ignored),
        "rows_read": report.rows("rows_read"),
        "rows_loaded": report.rows("rows_loaded"),
        "rows_quarantined": report.rows("rows_quarantined"),
        **{f"seconds_{phase}": round(report.seconds[phase], 3) for phase in PHASES},
    }
    context.log.info(
        "read {read:.1f} s, validated {validate:.1f} s, loaded {load:.1f} s".format_map(
            {phase: report.seconds[phase] for phase in PHASES}
        )
    )
    detail = json.dumps({"files": [asdict(f) for f in report.files], "ignored": report.ignored})
    if not workspace.parameters.full_refresh:
        with connect_when_free(settings.warehouse) as connection:
            last_good = state.unchanged_since(connection, workspace.run_key(connection))
        # A damaged analysts' copy is made again even when nothing is new (`sinstats sql` says so), and
        # a run recorded as built whose publication did not happen (a full disk) is served again.
        if last_good is not None and readable(settings.analysts_copy) and served(settings, last_good[0]):
            run_id, as_at = last_good
            context.log.info(
                f"{NOTHING_NEW_MESSAGE} ({run_id}, as at {as_at}): no file, the same as-at "
                "date, code and reference data; nothing is rebuilt"
            )
            yield AssetObservation(
                asset_key=FILE_LOG,
                metadata={**summary, "report": MetadataValue.json(json.loads(detail)), NOTHING_NEW: run_id},
            )
            return
    for spec in SPECS:
        metadata: dict[str, Any] = dict(summary)
        if spec.key == FILE_LOG:
            metadata["report"] = MetadataValue.json(json.loads(detail))
        yield MaterializeResult(asset_key=spec.key, metadata=metadata)


ROWS_ADD_UP_SQL = """
with raw_rows as (
    {unions}
),
loaded as (select _file_sha256 as sha, count(*) as n from raw_rows group by 1),
quarantined as (
    select file_sha256 as sha, count(distinct row_number) as n from quarantine.rows group by 1
)
select
    f.file_name,
    f.rows_read,
    f.rows_loaded,
    f.rows_quarantined,
    coalesce(loaded.n, 0) as rows_in_raw,
    coalesce(quarantined.n, 0) as rows_in_quarantine
from raw.loaded_files as f
left join loaded on loaded.sha = f.file_sha256
left join quarantined on quarantined.sha = f.file_sha256
where f.rows_read <> f.rows_loaded + f.rows_quarantined
   or coalesce(loaded.n, 0) <> f.rows_loaded
   or coalesce(quarantined.n, 0) <> f.rows_quarantined
order by f.file_name
"""


def files_that_do_not_add_up(connection: duckdb.DuckDBPyConnection) -> list[tuple[Any, ...]]:
    unions = "\n    union all\n    ".join(f"select _file_sha256 from raw.{kind}" for kind in CONTRACTS)
    return connection.execute(ROWS_ADD_UP_SQL.format(unions=unions)).fetchall()


@asset_check(asset=FILE_LOG, name="rows_add_up", blocking=True)
def rows_add_up(workspace: Workspace) -> AssetCheckResult:
    """For every accepted file: rows read = rows loaded + rows quarantined, as the tables hold them."""
    with duckdb.connect(str(workspace.settings.warehouse), read_only=True) as connection:
        broken = files_that_do_not_add_up(connection)
        files = connection.sql("select count(*) from raw.loaded_files").fetchall()[0][0]
    return AssetCheckResult(
        passed=not broken,
        severity=AssetCheckSeverity.ERROR,
        metadata={"files_checked": files, "files_not_adding_up": [row[0] for row in broken]},
    )


def _validation_check(kind: str) -> AssetChecksDefinition:
    @asset_check(
        asset=AssetKey(["raw", kind]),
        name="no_rows_quarantined",
        blocking=False,
        description=f"Warns when rows of this run's {kind} files broke a rule (they are in quarantine.rows).",
    )
    def check(context: AssetCheckExecutionContext, workspace: Workspace) -> AssetCheckResult:
        with duckdb.connect(str(workspace.settings.warehouse), read_only=True) as connection:
            by_rule = connection.execute(
                """
                select rule, column_name, count(distinct (file_sha256, row_number))
                from quarantine.rows where kind = ? and run_id = ? group by all order by 3 desc
                """,
                [kind, context.run.run_id],
            ).fetchall()
        rows = sum(n for _, _, n in by_rule)
        return AssetCheckResult(
            passed=not by_rule,
            severity=AssetCheckSeverity.WARN,
            metadata={"rows_quarantined": rows, "by_rule": {f"{r}:{c}": n for r, c, n in by_rule}},
        )

    return check


@asset_check(
    asset=FILE_LOG,
    name="no_files_rejected",
    blocking=False,
    description="Warns when a file of this run was rejected whole (see quarantine.rejected_files).",
)
def no_files_rejected(context: AssetCheckExecutionContext, workspace: Workspace) -> AssetCheckResult:
    with duckdb.connect(str(workspace.settings.warehouse), read_only=True) as connection:
        rejected = connection.execute(
            "select file_name, reason from quarantine.rejected_files where run_id = ? order by file_name",
            [context.run.run_id],
        ).fetchall()
    return AssetCheckResult(
        passed=not rejected,
        severity=AssetCheckSeverity.WARN,
        metadata={"files_rejected": len(rejected), "files": {name: reason for name, reason in rejected}},
    )


VALIDATION_CHECKS = [_validation_check(kind) for kind in CONTRACTS]
