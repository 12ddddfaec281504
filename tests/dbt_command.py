"""Run the real dbt on a database of a test's own, with its own target folder (for the tests that ask dbt
itself: unit tests, a --vars parse, the publication macros)."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from pipelines.settings import DBT_PROJECT_DIR
from pipelines.transform.manifest import DATABASE_VARIABLE, DBT_ENV, DBT_EXECUTABLE


def dbt(arguments: list[str], database: Path, work: Path) -> subprocess.CompletedProcess[str]:
    command = [
        str(DBT_EXECUTABLE),
        *arguments,
        "--project-dir",
        str(DBT_PROJECT_DIR),
        "--profiles-dir",
        str(DBT_PROJECT_DIR),
        "--target-path",
        str(work / "target"),
        "--log-path",
        str(work / "logs"),
    ]
    return subprocess.run(
        command,
        capture_output=True,
        text=True,
        env={**os.environ, **DBT_ENV, DATABASE_VARIABLE: str(database)},
        cwd=DBT_PROJECT_DIR,
        timeout=600,
    )
