"""`sinstats run --rebuild`: a new warehouse from every extract in the landing folder (they are all kept
there), built beside the old one, which it replaces only once the run has succeeded.

The run is an ordinary full run on a warehouse of its own in `<warehouse folder>/.rebuild-<name>/`
(its own lock, dbt target and run history), publishing as any run does at its end: until then
nothing published, no analysts' copy and not the old warehouse is touched. On success the new
warehouse and analysts' copy are renamed over the old ones (each rename is atomic), the old
warehouse's write-ahead log is removed first (it belongs to the old file and would be replayed onto
the new one), and the run's logs join the others. A failed or killed rebuild leaves its folder,
which the next rebuild starts again from nothing.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
from pathlib import Path

from pipelines.display import Display
from pipelines.runner import RunOutcome, run_pipeline
from pipelines.settings import Settings


def rebuild_folder(settings: Settings) -> Path:
    return settings.warehouse.parent / f".rebuild-{settings.warehouse.stem}"


def _wal(path: Path) -> Path:
    return path.with_name(path.name + ".wal")


def rebuild(settings: Settings, as_at: dt.date, display: Display) -> RunOutcome:
    folder = rebuild_folder(settings)
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    fresh = Settings(landing=settings.landing, warehouse=folder / settings.warehouse.name, publish=settings.publish)
    outcome = run_pipeline(fresh, as_at, display=display, full_refresh=True)
    if not outcome.success:
        return outcome
    for old, new in ((settings.warehouse, fresh.warehouse), (settings.analysts_copy, fresh.analysts_copy)):
        _wal(old).unlink(missing_ok=True)
        os.replace(new, old)
        if _wal(new).exists():
            os.replace(_wal(new), _wal(old))
    settings.logs.mkdir(parents=True, exist_ok=True)
    for log in fresh.logs.iterdir():
        os.replace(log, settings.logs / log.name)
    if outcome.log is not None:
        outcome.log = settings.logs / outcome.log.name
    outcome.settings = settings
    shutil.rmtree(folder)
    return outcome
