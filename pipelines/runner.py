"""Run the whole asset graph in-process for `sinstats run`, with progress lines and a summary."""

from __future__ import annotations

import datetime as dt
import logging
import os
import re
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

import duckdb
from dagster import (
    AssetCheckSeverity,
    AssetMaterialization,
    DagsterEvent,
    DagsterEventType,
    DagsterInstance,
    InitLoggerContext,
    LoggerDefinition,
    logger,
)
from dagster_shared.error import SerializableErrorInfo

from pipelines.display import STAGES, Display, Lines
from pipelines.history import prepare_dagster_home
from pipelines.ingest.assets import NOTHING_NEW, NOTHING_NEW_MESSAGE
from pipelines.lock import is_damaged
from pipelines.parameters import run_config
from pipelines.settings import Settings

Progress = Callable[[str], None]


@dataclass
class RunOutcome:
    success: bool
    settings: Settings
    report: dict[str, Any] = field(default_factory=dict)
    failures: list[str] = field(default_factory=list)
    counted: int | None = None
    written: list[str] = field(default_factory=list)
    log: Path | None = None
    nothing_new_since: str | None = None  # the last good run, when this one found nothing new

    def warnings(self) -> list[str]:
        """What went wrong in the data, in words, with where to look."""
        files = self.report.get("files", [])
        quarantined = [f for f in files if f["status"] == "loaded" and f["rows_quarantined"]]
        rejected = [f for f in files if f["status"] == "rejected"]
        page = "internal/data_quality.html"
        lines = []
        if quarantined:
            rows = sum(f["rows_quarantined"] for f in quarantined)
            lines.append(f"{rows} rows quarantined in {len(quarantined)} files: see {page}")
        if rejected:
            lines.append(f"{len(rejected)} files rejected whole (named above): see {page}")
        return lines

    def summary(self) -> str:
        files = self.report.get("files", [])
        loaded = [f for f in files if f["status"] == "loaded"]
        rejected = [f for f in files if f["status"] == "rejected"]
        seen = [f for f in files if f["status"] == "already_seen"]
        lines = ["", "Summary"]
        if self.report:
            lines.append(
                f"  files read: {len(loaded) + len(rejected)} new ({len(loaded)} accepted, "
                f"{len(rejected)} rejected); {len(seen)} seen before and skipped"
            )
            lines += [f"  rejected: {f['name']}: {f['reason']}" for f in rejected]
            lines += [f"  left alone (unknown name): {name}" for name in self.report.get("ignored", [])]
            rows = {key: sum(f[key] for f in loaded) for key in ("rows_read", "rows_loaded", "rows_quarantined")}
            lines.append(
                f"  rows read: {rows['rows_read']}, loaded: {rows['rows_loaded']}, "
                f"quarantined: {rows['rows_quarantined']}"
            )
        if self.success and self.nothing_new_since:
            lines.append(
                f"  nothing new since the last good run ({self.nothing_new_since}): no file, and the same as-at date, "
                "code and reference data; nothing rebuilt, the published files and analysts' copy are that run's"
            )
        if self.success and self.counted is not None:
            lines.append(f"  notifications counted (all years): {self.counted}")
        lines += [f"  warning: {warning}" for warning in self.warnings()]
        if self.log is not None:
            lines.append(f"  full log: {self.log}")
        if self.success:
            lines.append(f"  files written to {self.settings.current}: {len(self.written)}")
            lines += [f"    {name}" for name in self.written]
            lines.append("  pages:")
            lines += [f"    {path}" for path in self.pages()]
        if self.success:
            lines.append("Run succeeded.")
        else:
            lines.append("Run FAILED; the previous published files and analysts' copy are unchanged.")
            lines += [f"  {failure}" for failure in self.failures]
            if any(is_damaged(failure) for failure in self.failures):
                lines.append(
                    f"  The warehouse {self.settings.warehouse} is damaged: `sinstats run --rebuild` builds a new one "
                    "from every extract in the landing folder, and replaces it only if that run succeeds."
                )
        return "\n".join(lines)

    def pages(self) -> list[Path]:
        from pipelines.serve.assets import INDEX, PAGES

        return [self.settings.publish / INDEX, *(self.settings.publish / href for _, href, _ in PAGES)]


CHECK_FAILED = "DagsterAssetCheckFailedError"
DAGSTER_EXECUTOR_LOGGER = "dagster._core.execution.plan.active"


class _RunHandler(logging.Handler):
    """Every Dagster record into the run's log file; stages, failures and checks to the display."""

    def __init__(self, display: Display, failures: list[str], logs: Path, dbt_nodes: int):
        super().__init__(logging.DEBUG)
        self.display = display
        self.failures = failures
        self.logs = logs
        self.dbt_nodes = dbt_nodes
        self.started: dict[str, float] = {}
        self.file: TextIO | None = None
        self.path: Path | None = None
        self.nothing_new = False

    def _write(self, record: logging.LogRecord, step: str, text: str) -> None:
        if self.file is None:
            meta = getattr(record, "dagster_meta", None) or {}
            self.logs.mkdir(parents=True, exist_ok=True)
            self.path = self.logs / f"{meta.get('run_id') or 'run'}.log"
            self.file = self.path.open("a", encoding="utf-8")
        stamp = dt.datetime.fromtimestamp(record.created, dt.UTC).strftime("%Y-%m-%d %H:%M:%S")
        self.file.write(f"{stamp} {record.levelname:<7} {step or '-'} {text}\n")
        self.file.flush()

    def _fail(self, text: str) -> None:
        if text not in self.failures:
            self.failures.append(text)

    def emit(self, record: logging.LogRecord) -> None:
        meta = getattr(record, "dagster_meta", None) or {}
        event = meta.get("dagster_event")
        step = meta.get("step_key") or ""
        self._write(record, step, str(meta.get("orig_message") or record.getMessage()))
        if event is None:
            # Warnings from outside any step (the lock being waited for) are shown; a step's own
            # messages, and Dagster's notes on steps it skipped, are in the log and the summary.
            # When nothing is new, Dagster's note that the skipped checks gave no result is noise.
            message = str(meta.get("orig_message") or record.getMessage())
            self.nothing_new = self.nothing_new or message.startswith(NOTHING_NEW_MESSAGE)
            skipped_check = self.nothing_new and "emitted no result" in message
            if record.levelno >= logging.WARNING and not step and not skipped_check:
                self.display.note(message)
            return
        kind = event.event_type
        seconds = record.created - self.started.get(step, record.created)
        if kind == DagsterEventType.STEP_START:
            self.started[step] = record.created
            self.display.started(step, self.dbt_nodes if step == "sinstats_dbt" else None)
        elif kind in (DagsterEventType.ASSET_MATERIALIZATION, DagsterEventType.ASSET_CHECK_EVALUATION):
            self.display.advanced(step)
        elif kind == DagsterEventType.STEP_SUCCESS:
            self.display.finished(step, seconds)
        elif kind == DagsterEventType.STEP_FAILURE:
            error = event.step_failure_data.error
            if error is not None:
                self._write(record, step, error.to_string())
            cause = root_cause(error)
            self.display.failed(step, seconds, cause)
            # A blocking check that failed stops its step too: the check's own line says why.
            if not cause.startswith(f"{CHECK_FAILED}:"):
                self._fail(f"{STAGES.get(step, step)} ({step}) failed: {cause}")
        if kind == DagsterEventType.ASSET_CHECK_EVALUATION:
            data = event.asset_check_evaluation_data
            if not data.passed and data.severity == AssetCheckSeverity.ERROR:
                said = f": {data.description}" if data.description else ""
                self._fail(f"check {data.check_name} of {data.asset_key.to_user_string()} failed{said}")
        elif kind not in (DagsterEventType.STEP_FAILURE,) and event.is_failure:
            error = getattr(event.event_specific_data, "error", None)
            cause = root_cause(error) if error is not None else ""
            repeated = any(cause in failure for failure in self.failures) or cause.startswith(f"{CHECK_FAILED}:")
            if cause and not repeated:
                self._fail(cause)

    def close(self) -> None:
        if self.file is not None:
            self.file.close()
        super().close()


def root_cause(error: SerializableErrorInfo | None) -> str:
    """The innermost exception of a step failure, as "Type: message" (Dagster wraps it in its own)."""
    if error is None:
        return "failed"
    while error.cause is not None:
        error = error.cause
    message = error.message.strip()
    # Dagster's message starts with the exception's (often qualified) class name: keep one, unqualified.
    prefix = re.match(rf"^(?:[\w.]+\.)?{re.escape(error.cls_name or '')}: ", message)
    if prefix:
        message = message[prefix.end() :]
    return f"{error.cls_name}: {message}" if error.cls_name else message


def _run_logger(handler: _RunHandler) -> LoggerDefinition:
    @logger
    def run_logger(_init_context: InitLoggerContext) -> logging.Logger:
        log = logging.getLogger("sinstats.run")
        log.handlers = [handler]
        log.setLevel(logging.DEBUG)
        log.propagate = False
        return log

    return run_logger


@dataclass
class Execution:
    """What one in-process job run gave: success, the failures collected, and its events."""

    success: bool
    failures: list[str]
    events: list[DagsterEvent]
    log: Path | None = None
    run_id: str | None = None

    def materialization(self, key: str) -> dict[str, Any]:
        """The metadata of the asset `key`'s materialisation in this run (empty when it has none)."""
        for event in self.events:
            if event.event_type == DagsterEventType.ASSET_MATERIALIZATION:
                materialization = event.step_materialization_data.materialization
                if (
                    isinstance(materialization, AssetMaterialization)
                    and materialization.asset_key.to_user_string() == key
                ):
                    return {name: value.value for name, value in materialization.metadata.items()}
        return {}

    def observation(self, key: str) -> dict[str, Any]:
        """The metadata of the asset `key`'s observation in this run (empty when it has none)."""
        for event in self.events:
            if event.event_type == DagsterEventType.ASSET_OBSERVATION:
                observation = event.asset_observation_data.asset_observation
                if observation.asset_key.to_user_string() == key:
                    return {name: value.value for name, value in observation.metadata.items()}
        return {}


def dbt_node_count(manifest: Mapping[str, Any], left: Collection[str] = ()) -> int:
    """The dbt nodes a build reports on (models, seeds, tests), less the lasting nodes it leaves as
    they are and the tests that read only those (a test that reads one of them and another node runs,
    as dbt selects it): the length of the dbt stage's bar."""
    nodes = manifest["nodes"]
    kinds = ("model", "seed")
    left_ids = {uid for uid, node in nodes.items() if node["resource_type"] in kinds and node["name"] in left}
    return sum(
        1
        for uid, node in nodes.items()
        if node["resource_type"] in ("model", "seed", "test")
        and uid not in left_ids
        and not (node["resource_type"] == "test" and set(node["depends_on"]["nodes"]) <= left_ids)
    )


def execute(
    settings: Settings, job_name: str, run_config: dict[str, Any], display: Display, left: Collection[str] = ()
) -> Execution:
    """Run one job of the code location in this process, against the settings' paths: every asset
    of the job but the dbt nodes in `left` (seeds, models built from them alone, views of the loaded
    tables, that need not be made again: `lasting_nodes` in pipelines/transform/state.py)."""
    from pipelines.definitions import build_definitions
    from pipelines.transform.assets import node_keys
    from pipelines.transform.manifest import read_manifest
    from pipelines.transform.project import DBT_PROJECT

    set_aside = prepare_dagster_home(settings)
    if set_aside is not None:
        display.note(set_aside)
    os.environ.update(settings.as_env())
    failures: list[str] = []
    manifest = read_manifest(DBT_PROJECT.manifest_path)
    handler = _RunHandler(display, failures, settings.logs, dbt_node_count(manifest, left))
    definitions = build_definitions(settings, loggers={"console": _run_logger(handler)})
    job = definitions.resolve_job_def(job_name)
    keys = node_keys(manifest)
    left_keys = {keys[name] for name in left}
    selection = [key for key in job.asset_layer.executable_asset_keys if key not in left_keys] if left_keys else None
    # Dagster's executor warns through its own Python logger: into the run's log and display too.
    executor_log = logging.getLogger(DAGSTER_EXECUTOR_LOGGER)
    executor_log.addHandler(handler)
    executor_log.propagate = False
    try:
        with DagsterInstance.get() as instance:
            result = job.execute_in_process(
                instance=instance,
                raise_on_error=False,
                run_config={**run_config, "loggers": {"console": {}}},
                asset_selection=selection,
            )
    finally:
        executor_log.removeHandler(handler)
        executor_log.propagate = True
        display.close()
        handler.close()
    if not result.success and not failures:
        failures.append(f"the run failed; see {handler.path}")
    return Execution(
        success=result.success and not failures,
        failures=failures,
        events=list(result.all_events),
        log=handler.path,
        run_id=result.run_id,
    )


def run_pipeline(
    settings: Settings,
    as_at: dt.date,
    progress: Progress = print,
    display: Display | None = None,
    full_refresh: bool = False,
) -> RunOutcome:
    """Materialise every asset of `run_everything` once, as at `as_at` (every model in full when asked)."""
    from pipelines.publish.assets import OPEN_DATA_FILES
    from pipelines.reference.assets import bank_holidays_contents
    from pipelines.serve.assets import discard_version
    from pipelines.transform.manifest import ensure_manifest, read_manifest
    from pipelines.transform.state import nodes_to_leave
    from schemas.policy import policy_from_values, policy_values

    config = run_config(as_at=as_at, full_refresh=full_refresh)
    # Seeds, the models built from reference data alone and the views of the loaded tables that the
    # last completed build made as they would be made now are left out of the run, with their tests:
    # Dagster then neither runs them nor waits for them (README, "Incremental runs").
    left = []
    if not full_refresh:
        manifest = read_manifest(ensure_manifest())
        values = policy_values(manifest)
        sources = bank_holidays_contents(as_at, policy_from_values(values).calendar_start)
        left = nodes_to_leave(settings.warehouse, manifest, values, sources)
    execution = execute(settings, "run_everything", config, display or Lines(progress), left)
    if not execution.success and execution.run_id:
        discard_version(settings.publish, execution.run_id)  # never served; on a full disk, room back
    observed = execution.observation("raw/loaded_files")
    report = (execution.materialization("raw/loaded_files") or observed).get("report", {})
    outcome = RunOutcome(
        success=execution.success,
        settings=settings,
        report=report,
        failures=execution.failures,
        log=execution.log,
        nothing_new_since=observed.get(NOTHING_NEW),
    )
    if settings.warehouse.exists():
        try:
            with duckdb.connect(str(settings.warehouse), read_only=True) as connection:
                counted = connection.sql("select count(*) from marts.fct_notifications where is_counted").fetchall()
                outcome.counted = counted[0][0] if counted else None
        except duckdb.Error:
            outcome.counted = None
    if outcome.success:
        outcome.written = sorted(
            p.name
            for p in settings.current.iterdir()
            if p.name.removesuffix(".meta.csv").removesuffix(".csv") in OPEN_DATA_FILES
        )
    return outcome


def run_release(
    settings: Settings, year: int, cut_off: dt.date, progress: Progress = print, display: Display | None = None
) -> Execution:
    """Build the release for reporting year `year` as at `cut_off`: the release job with that run config."""
    config = run_config(release_year=year, cut_off=cut_off)
    return execute(settings, "build_release_job", config, display or Lines(progress))
