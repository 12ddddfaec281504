"""The dbt manifest Dagster builds the asset graph from: parsed again when missing or older than any
file of the dbt project.

Standard library only, so that `sinstats run` can start the parse in the background before it
imports Dagster: on two cores the parse (about 4 s) then overlaps the imports (about 3 s) instead
of following them. It is parsed against the default warehouse, so that the first `sinstats run`
there reuses this parse (dbt parses again from scratch when the database path differs).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from pipelines.settings import DBT_PROJECT_DIR, DEFAULT_WAREHOUSE

MANIFEST = DBT_PROJECT_DIR / "target" / "manifest.json"
DBT_EXECUTABLE = Path(sys.executable).with_name("dbt")  # the dbt installed beside this Python
DBT_ENV = {"DBT_SEND_ANONYMOUS_USAGE_STATS": "false"}
DATABASE_VARIABLE = "SINSTATS_DBT_DATABASE"

_background: subprocess.Popen[bytes] | None = None


def dbt_environment(database: Path) -> dict[str, str]:
    """This process's environment, as a dbt command on `database` needs it (profiles.yml reads the path)."""
    return {**os.environ, **DBT_ENV, DATABASE_VARIABLE: str(database)}


# The folders of the dbt project's own files (dbt_project.yml's paths).
DBT_SOURCE_FOLDERS = ("models", "seeds", "macros", "data-tests")


def newest_source_mtime(root: Path) -> float:
    files = [p for folder in DBT_SOURCE_FOLDERS for p in (root / folder).rglob("*") if p.is_file()]
    files += [root / "dbt_project.yml", root / "profiles.yml"]
    return max(p.stat().st_mtime for p in files)


def is_stale() -> bool:
    return not MANIFEST.exists() or MANIFEST.stat().st_mtime < newest_source_mtime(DBT_PROJECT_DIR)


def _parse(**popen: Any) -> subprocess.Popen[bytes]:
    command = [
        str(DBT_EXECUTABLE),
        "parse",
        "--quiet",
        "--project-dir",
        str(DBT_PROJECT_DIR),
        "--profiles-dir",
        str(DBT_PROJECT_DIR),
    ]
    return subprocess.Popen(command, env=dbt_environment(DEFAULT_WAREHOUSE), cwd=DBT_PROJECT_DIR, **popen)


def start_parse_in_background() -> None:
    """Start parsing now when the manifest is stale; `ensure_manifest` waits for it."""
    global _background
    if _background is None and is_stale():
        _background = _parse(stdout=subprocess.DEVNULL)


def ensure_manifest() -> Path:
    """The manifest's path, once it is no older than the project's files."""
    global _background
    if _background is not None:
        process, _background = _background, None
        process.wait()
    if is_stale():
        parsing = _parse()
        if parsing.wait() != 0:
            raise subprocess.CalledProcessError(parsing.returncode, parsing.args)
    return MANIFEST
