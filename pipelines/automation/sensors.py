"""Unattended runs: the daily schedule, and the sensor that starts a run when new files land."""

import hashlib
import json
from pathlib import Path
from typing import Any

from dagster import (
    DefaultScheduleStatus,
    DefaultSensorStatus,
    RunRequest,
    ScheduleDefinition,
    ScheduleEvaluationContext,
    SensorDefinition,
    SensorEvaluationContext,
    SkipReason,
    schedule,
    sensor,
)

from pipelines import parameters
from pipelines.ingest.landing import classify
from pipelines.resources import Locations

# What `define_asset_job` returns is not exported by Dagster under a public name: typed by what
# a schedule and a sensor take.
Job = Any

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


def sensor_for(job: Job) -> SensorDefinition:
    @sensor(
        job=job,
        name="new_extract_files",
        minimum_interval_seconds=SENSOR_INTERVAL_SECONDS,
        default_status=DefaultSensorStatus.RUNNING,
        description="Starts a run when new extract files land; each file starts one run, once.",
    )
    def new_extract_files(context: SensorEvaluationContext, locations: Locations) -> RunRequest | SkipReason:
        fresh, cursor = new_files(locations.settings().landing, context.cursor)
        context.update_cursor(cursor)
        if not fresh:
            return SkipReason("no new files in the landing folder")
        names = ", ".join(identity.split("|")[0] for identity in fresh)
        # The run key names exactly these files: Dagster never starts a second run for the same key.
        key = hashlib.sha256("\n".join(fresh).encode()).hexdigest()[:24]
        # As at the London date when the sensor fired, read now: never the day the code location loaded.
        as_at = parameters.london_today()
        return RunRequest(
            run_key=key,
            run_config=parameters.run_config(as_at=as_at),
            tags={"sinstats/new_files": names[:900], "sinstats/as_at": as_at.isoformat()},
        )

    return new_extract_files


def daily_schedule(job: Job) -> ScheduleDefinition:
    @schedule(
        name="daily_0600",
        job=job,
        cron_schedule="0 6 * * *",
        execution_timezone="Europe/London",
        default_status=DefaultScheduleStatus.RUNNING,
        description="Every day at 06:00 London time: ingest whatever has landed, rebuild and publish, "
        "as at the London date of the tick.",
    )
    def daily_0600(context: ScheduleEvaluationContext) -> RunRequest:
        as_at = parameters.london_date(context.scheduled_execution_time)
        return RunRequest(run_config=parameters.run_config(as_at=as_at), tags={"sinstats/as_at": as_at.isoformat()})

    return daily_0600
