"""Run the whole asset graph in-process for `sinstats run`, with progress lines and a summary."""

from __future__ import annotations

import datetime as dt
import fcntl
import logging
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import duckdb
from dagster import (
    AssetCheckSeverity,
    AssetKey,
    AssetMaterialization,
    DagsterEvent,
    DagsterEventType,
    DagsterInstance,
    InitLoggerContext,
    LoggerDefinition,
    logger,
)
from dagster_shared.error import SerializableErrorInfo

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

    def summary(self) -> str:
        files = self.report.get("files", [])
        loaded = [f for f in files if f["status"] == "loaded"]
        rejected = [f for f in files if f["status"] == "rejected"]
        seen = [f for f in files if f["status"] == "already_seen"]
        lines = [
            "",
            "Summary",
            f"  files read: {len(loaded) + len(rejected)} new ({len(loaded)} accepted, "
            f"{len(rejected)} rejected); {len(seen)} seen before and skipped",
        ]
        lines += [f"  rejected: {f['name']}: {f['reason']}" for f in rejected]
        lines += [f"  left alone (unknown name): {name}" for name in self.report.get("ignored", [])]
        rows = {key: sum(f[key] for f in loaded) for key in ("rows_read", "rows_loaded", "rows_quarantined")}
        lines.append(
            f"  rows read: {rows['rows_read']}, loaded: {rows['rows_loaded']}, quarantined: {rows['rows_quarantined']}"
        )
        if self.counted is not None:
            lines.append(f"  notifications counted (all years): {self.counted}")
        lines.append(f"  files written to {self.settings.current}: {len(self.written)}")
        lines += [f"    {name}" for name in self.written]
        if self.success:
            lines.append("Run succeeded.")
        else:
            lines.append("Run FAILED; the previous published files and analysts' copy are unchanged.")
            lines += [f"  {failure}" for failure in self.failures]
        return "\n".join(lines)


class _ProgressHandler(logging.Handler):
    """Turns Dagster's event log into short progress lines."""

    def __init__(self, progress: Progress, failures: list[str]):
        super().__init__(logging.DEBUG)
        self.progress = progress
        self.failures = failures
        self.started: dict[str, float] = {}

    def emit(self, record: logging.LogRecord) -> None:
        meta = getattr(record, "dagster_meta", None) or {}
        event = meta.get("dagster_event")
        step = meta.get("step_key") or meta.get("op_name") or ""
        if event is None:
            if record.levelno >= logging.INFO and meta.get("orig_message"):
                self.progress(f"  {meta['orig_message']}")
            return
        kind = event.event_type
        if kind == DagsterEventType.STEP_START:
            self.started[step] = record.created
            self.progress(f"[bold]{step}[/bold] started")
        elif kind == DagsterEventType.STEP_SUCCESS:
            seconds = record.created - self.started.get(step, record.created)
            self.progress(f"{step} done in {seconds:.1f} s")
        elif kind == DagsterEventType.STEP_FAILURE:
            message = root_cause(event.step_failure_data.error)
            self.failures.append(f"{step}: {message}")
            self.progress(f"[red]{step} failed[/red]: {message}")
        elif kind == DagsterEventType.ASSET_CHECK_EVALUATION:
            data = event.event_specific_data
            if not data.passed:
                name = f"{data.asset_key.to_user_string()}:{data.check_name}"
                if data.severity == AssetCheckSeverity.ERROR:
                    self.failures.append(f"check failed: {name}")
                    self.progress(f"[red]check failed[/red]: {name}")
                else:
                    self.progress(f"[yellow]warning[/yellow]: {name} (see the data quality page)")


def root_cause(error: SerializableErrorInfo | None) -> str:
    """The innermost exception of a step failure, as "Type: message" (Dagster wraps it in its own)."""
    if error is None:
        return "failed"
    while error.cause is not None:
        error = error.cause
    message = error.message.strip()
    return message if message.startswith(f"{error.cls_name}:") else f"{error.cls_name}: {message}"


def _progress_logger(progress: Progress, failures: list[str]) -> LoggerDefinition:
    @logger
    def progress_logger(_init_context: InitLoggerContext) -> logging.Logger:
        log = logging.getLogger("sinstats.progress")
        log.handlers = [_ProgressHandler(progress, failures)]
        log.setLevel(logging.DEBUG)
        log.propagate = False
        return log

    return progress_logger


DAGSTER_YAML = """# Run history of this warehouse's pipeline (written by sinstats).
telemetry:
  enabled: false
"""


def prepare_dagster_home(settings: Settings) -> None:
    """Run history lives beside the warehouse; DAGSTER_HOME must exist and be absolute.

    Its SQLite databases are made here under a file lock: two runs started together on a new
    warehouse would otherwise both try to create the same tables (the second run then waits for
    the warehouse lock as usual).
    """
    settings.dagster_home.mkdir(parents=True, exist_ok=True)
    os.environ["DAGSTER_HOME"] = str(settings.dagster_home)
    with (settings.dagster_home / ".initialising.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        config = settings.dagster_home / "dagster.yaml"
        if not config.exists():
            config.write_text(DAGSTER_YAML, encoding="utf-8")
        with DagsterInstance.get() as instance:
            instance.get_runs_count()
            instance.get_latest_materialization_event(AssetKey(["raw", "loaded_files"]))


@dataclass
class Execution:
    """What one in-process job run gave: success, the failures collected, and its events."""

    success: bool
    failures: list[str]
    events: list[DagsterEvent]

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


def execute(settings: Settings, job_name: str, run_config: dict[str, Any], progress: Progress) -> Execution:
    """Run one job of the code location in this process, against the settings' paths."""
    from pipelines.definitions import build_definitions

    prepare_dagster_home(settings)
    os.environ.update(settings.as_env())
    failures: list[str] = []
    definitions = build_definitions(settings, loggers={"console": _progress_logger(progress, failures)})
    job = definitions.resolve_job_def(job_name)
    with DagsterInstance.get() as instance:
        result = job.execute_in_process(
            instance=instance,
            raise_on_error=False,
            run_config={**run_config, "loggers": {"console": {}}},
        )
    return Execution(success=result.success and not failures, failures=failures, events=list(result.all_events))


def run_pipeline(settings: Settings, as_at: dt.date, progress: Progress = print) -> RunOutcome:
    """Materialise every asset of `run_everything` once, as at `as_at`."""
    from pipelines.publish.assets import OPEN_DATA_FILES

    execution = execute(settings, "run_everything", run_config(as_at=as_at), progress)
    report = execution.materialization("raw/loaded_files").get("report", {})
    outcome = RunOutcome(success=execution.success, settings=settings, report=report, failures=execution.failures)
    if settings.warehouse.exists():
        try:
            with duckdb.connect(str(settings.warehouse), read_only=True) as connection:
                counted = connection.execute("select count(*) from marts.fct_notifications where is_counted").fetchone()
                outcome.counted = counted[0] if counted else None
        except duckdb.Error:
            outcome.counted = None
    if outcome.success:
        outcome.written = sorted(
            p.name
            for p in settings.current.iterdir()
            if p.name.removesuffix(".meta.csv").removesuffix(".csv") in OPEN_DATA_FILES
        )
    return outcome


def run_release(settings: Settings, year: int, cut_off: dt.date, progress: Progress = print) -> Execution:
    """Build the release for reporting year `year` as at `cut_off`: the release job with that run config."""
    return execute(settings, "build_release_job", run_config(release_year=year, cut_off=cut_off), progress)
