"""Damaged files, as an operator meets them through the real CLI: a damaged analysts' copy, a damaged
pipeline warehouse (`sinstats run --rebuild`), a damaged run history. One line each, no traceback,
and what is published stays as it was until a run succeeds. `sinstats sql` is a process of its own;
the runs are made in the test's process (tests/e2e/in_process.py)."""

from __future__ import annotations

import filecmp
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from tests.conftest import AS_AT, copy_into
from tests.e2e.in_process import sinstats_here

pytestmark = pytest.mark.e2e
SINSTATS = str(Path(sys.executable).with_name("sinstats"))


def sinstats(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([SINSTATS, *args], capture_output=True, text=True, timeout=900)


def damage(path: Path) -> None:
    """Overwrite the file's header, as a failing disk or a bad copy would."""
    with path.open("r+b") as handle:
        handle.write(b"\0" * 8192)


@pytest.fixture
def copied(sample_run, run_folder):
    """This test's own copy of the sample run's warehouse folder and publish folder (tests/conftest.py,
    `run_folder`)."""
    settings, _ = sample_run
    warehouse = run_folder / "warehouse"
    copy_into(settings.warehouse.parent, warehouse)
    copy_into(settings.publish, run_folder / "publish")
    options = ["--landing", str(settings.landing), "--warehouse", str(warehouse / settings.warehouse.name)]
    options += ["--publish", str(run_folder / "publish"), "--as-at", AS_AT.isoformat()]
    return warehouse / settings.warehouse.name, run_folder / "publish", options


def published(publish: Path) -> dict[str, bytes]:
    current = publish / "current"
    return {p.name: p.read_bytes() for p in sorted(current.iterdir()) if p.is_file()}


def test_a_damaged_analysts_copy_is_named_in_one_line_and_the_next_run_replaces_it(copied):
    warehouse, _, options = copied
    copy = warehouse.with_name(f"{warehouse.stem}_analysts.duckdb")
    damage(copy)
    result = sinstats("sql", "select count(*) from marts.fct_notifications", "--warehouse", str(warehouse))
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert result.stderr.strip().splitlines() == [
        f'sinstats sql: the analysts\' copy {copy} is damaged (IO Error: The file "{copy}" exists, but it is '
        "not a valid DuckDB database file!); the next `sinstats run` replaces it with a new copy of the warehouse."
    ]
    # Nothing is new (same files, same as-at date), but the copy is made again.
    ran = sinstats_here("run", *options)
    assert ran.returncode == 0, ran.stdout + ran.stderr
    result = sinstats(
        "sql", "select count(*) > 0 as counted from marts.fct_notifications", "--warehouse", str(warehouse)
    )
    assert result.returncode == 0 and "true" in result.stdout


def test_a_damaged_warehouse_is_named_and_rebuild_makes_a_new_one_from_the_landing_folder(copied, sample_run):
    warehouse, publish, options = copied
    before = published(publish)
    damage(warehouse)
    failed = sinstats_here("run", *options)
    assert failed.returncode == 1 and "Traceback" not in failed.stdout + failed.stderr
    assert f'The file "{warehouse}" exists, but it is not a valid DuckDB database file!' in failed.stdout
    assert f"The warehouse {warehouse} is damaged: `sinstats run --rebuild` builds a new one" in failed.stdout
    assert published(publish) == before
    rebuilt = sinstats_here("run", "--rebuild", *options)
    assert rebuilt.returncode == 0, rebuilt.stdout + rebuilt.stderr
    assert "Run succeeded." in rebuilt.stdout
    assert not (warehouse.parent / f".rebuild-{warehouse.stem}").exists()
    settings, _ = sample_run
    loaded = "select count(*) from raw.loaded_files"
    with duckdb.connect(str(warehouse), read_only=True) as connection:
        rows = connection.sql(loaded).fetchall()[0][0]
    with duckdb.connect(str(settings.analysts_copy), read_only=True) as connection:
        assert rows == connection.sql(loaded).fetchall()[0][0] > 0  # every extract of the landing folder again
    # Built from the same files as at the same date: the same open-data files as the sample run's.
    after = publish / "current"
    for name in before:
        assert filecmp.cmp(after / name, settings.current / name, shallow=False), name


def test_a_damaged_run_history_is_set_aside_and_never_stops_a_run(copied):
    warehouse, _, options = copied
    history = warehouse.parent / "dagster_home"
    for database in history.rglob("*.db"):
        database.write_bytes(b"not a database" * 100)
    ran = sinstats_here("run", *options)
    assert ran.returncode == 0, ran.stdout + ran.stderr
    first = ran.stdout.splitlines()[0]
    assert first.startswith(f"the run history in {history} could not be read (") and "set aside as" in first
    (aside,) = warehouse.parent.glob("dagster_home.damaged-*")
    assert all(p.read_bytes().startswith(b"not a database") for p in aside.rglob("*.db"))
    assert any(aside.rglob("*.db"))
    # The new history is whole: every database a SQLite file, and this run's in it.
    assert all(p.read_bytes().startswith(b"SQLite format 3") for p in history.rglob("*.db"))
    assert ran.stdout.count("Run succeeded.") == 1
