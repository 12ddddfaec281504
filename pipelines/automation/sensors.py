"""Unattended runs: the daily schedule, and the sensor that starts a run when new files land."""

import hashlib
import json
from pathlib import Path

from dagster import (
    DefaultScheduleStatus,
    DefaultSensorStatus,
    RunRequest,
    ScheduleDefinition,
    SensorEvaluationContext,
    SkipReason,
    sensor,
)

from pipelines.ingest.landing import classify
from pipelines.resources import SinstatsSettings

SENSOR_INTERVAL_SECONDS = 30


def landed_files(landing: Path) -> dict[str, str]:
    """Extract files in the landing folder, each with an identity that changes when its bytes may have."""
    if not landing.is_dir():
        return {}
    files = {}
    for path in sorted(landing.iterdir()):
        if path.is_file() and classify(path) is not None:
            status = path.stat()
            files[f"{path.name}|{status.st_size}|{status.st_mtime_ns}"] = path.name
    return files


def new_files(landing: Path, cursor: str | None) -> tuple[list[str], str]:
    """The files not seen before (name|size|mtime), and the cursor that remembers them all."""
    seen = set(json.loads(cursor)) if cursor else set()
    files = landed_files(landing)
    fresh = sorted(identity for identity in files if identity not in seen)
    return fresh, json.dumps(sorted(seen | set(files)))


def sensor_for(job):
    @sensor(
        job=job,
        name="new_extract_files",
        minimum_interval_seconds=SENSOR_INTERVAL_SECONDS,
        default_status=DefaultSensorStatus.RUNNING,
        description="Starts a run when new extract files land; each file starts one run, once.",
    )
    def new_extract_files(context: SensorEvaluationContext, paths: SinstatsSettings):
        fresh, cursor = new_files(paths.settings().landing, context.cursor)
        context.update_cursor(cursor)
        if not fresh:
            return SkipReason("no new files in the landing folder")
        names = ", ".join(identity.split("|")[0] for identity in fresh)
        # The run key names exactly these files: Dagster never starts a second run for the same key.
        key = hashlib.sha256("\n".join(fresh).encode()).hexdigest()[:24]
        return RunRequest(run_key=key, tags={"sinstats/new_files": names[:900]})

    return new_extract_files


def daily_schedule(job) -> ScheduleDefinition:
    return ScheduleDefinition(
        name="daily_0600",
        job=job,
        cron_schedule="0 6 * * *",
        execution_timezone="Europe/London",
        default_status=DefaultScheduleStatus.RUNNING,
        description="Every day at 06:00 London time: ingest whatever has landed, rebuild and publish.",
    )
