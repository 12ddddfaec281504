"""The dbt manifest Dagster builds the asset graph from: parsed again (`dbt parse`) when missing or
older than any file of the dbt project. `DbtProject.prepare_if_dev` does this only under `dagster
dev`; headless runs, the schedule and the tests need it too. (Each run's own dbt command parses
again in the warehouse's target folder, `Settings.dbt_target`, reusing that folder's last parse.)
"""

from __future__ import annotations

import fcntl
import json
import os
import subprocess
import sys
import tempfile
from functools import cache
from pathlib import Path
from typing import Any

from pipelines.settings import DBT_PROJECT_DIR, DEFAULT_WAREHOUSE

MANIFEST = DBT_PROJECT_DIR / "target" / "manifest.json"
DBT_EXECUTABLE = Path(sys.executable).with_name("dbt")  # the dbt installed beside this Python
DBT_ENV = {"DBT_SEND_ANONYMOUS_USAGE_STATS": "false"}
DATABASE_VARIABLE = "SINSTATS_DBT_DATABASE"


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


@cache
def _manifest(path: Path, modified: float) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return loaded


def read_manifest(path: Path) -> dict[str, Any]:
    """The parsed manifest, read once per version of the file."""
    path = Path(path)
    return _manifest(path, path.stat().st_mtime)


def ensure_manifest() -> Path:
    """The manifest's path, once it is no older than the project's files. One process parses at a time
    (two test workers, or `dagster dev` beside a run, may start together); the parse is written
    to a folder of its own and moved into place whole, so a reader never sees half a manifest."""
    if is_stale():
        MANIFEST.parent.mkdir(parents=True, exist_ok=True)
        with (MANIFEST.parent / "parse.lock").open("w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            if is_stale():
                with tempfile.TemporaryDirectory(dir=MANIFEST.parent, prefix="parse-") as target:
                    command = [str(DBT_EXECUTABLE), "parse", "--quiet", "--project-dir", str(DBT_PROJECT_DIR)]
                    command += ["--profiles-dir", str(DBT_PROJECT_DIR), "--target-path", target]
                    subprocess.run(command, env=dbt_environment(DEFAULT_WAREHOUSE), cwd=DBT_PROJECT_DIR, check=True)
                    os.replace(Path(target) / "manifest.json", MANIFEST)
    return MANIFEST
