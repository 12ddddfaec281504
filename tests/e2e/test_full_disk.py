"""A disk that fills, met through the real CLI on a small tmpfs (skipped where this machine cannot
mount one): one line naming the full folder and how much a run needs, exit 1, no traceback,
nothing published; the next command, once there is room, succeeds and equals a clean one.

Each command is a process of its own, as an operator runs it. A run can fail in Dagster's own
writing of an event (the run history is on the full disk too); Dagster then leaves the dbt step
unfinished, and its dbt command is stopped when the step is collected (pipelines/transform/assets.py,
`handed_on`) or when the process ends, whichever comes first. The step can stay reachable until
then (seen: from `sys.last_traceback`, left by the error printed when the run history could not be
written), so in a test's process the next run would wait on dbt's lock."""

from __future__ import annotations

import filecmp
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import AS_AT

pytestmark = pytest.mark.e2e
SINSTATS = str(Path(sys.executable).with_name("sinstats"))


def sinstats(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([SINSTATS, *args], capture_output=True, text=True, timeout=900)


@pytest.fixture
def disk(tmp_path):
    """A tmpfs of 25 MB (`resize(mb)` makes room), unmounted after the test."""
    folder = tmp_path / "disk"
    folder.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=25m", "tmpfs", str(folder)], capture_output=True)
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here ({mounted.stderr.decode().strip()}): the full-disk tests need one")

    def resize(mb: float) -> None:
        subprocess.run(["mount", "-o", f"remount,size={int(mb * 1024)}k", str(folder)], check=True)

    yield folder, resize
    subprocess.run(["umount", "-l", str(folder)], check=False)


def test_a_run_that_fills_the_disk_stops_in_one_line_and_the_next_equals_a_clean_run(disk, sample_run):
    folder, resize = disk
    settings, _ = sample_run
    options = ["--landing", str(settings.landing), "--warehouse", str(folder / "w" / "sin.duckdb")]
    options += ["--publish", str(folder / "p"), "--as-at", AS_AT.isoformat()]
    full = sinstats("run", *options)
    assert full.returncode == 1
    assert "Traceback" not in full.stdout + full.stderr
    lines = full.stderr.strip().splitlines()
    assert lines[0].startswith(f"warning: {folder / 'w'} has 25 MB free, less than the 50 MB a run may need")
    # The free space is read after the failure, once DuckDB has let go of what it could not finish:
    # 0 MB on one machine, 9 MB on another (a spill or block that failed whole); never the 25 it had.
    said = re.fullmatch(
        rf"sinstats run: the disk holding {re.escape(str(folder / 'w'))} is full \((\d+) MB free; a run needs "
        r"about (\d+) MB there\): the run stopped; nothing was published and the analysts' copy is unchanged",
        lines[-1],
    )
    assert said, lines[-1]
    size_mb = (folder / "w" / "sin.duckdb").stat().st_size / 2**20
    assert int(said[1]) < 25 and int(said[2]) == round(max(3 * size_mb, 50)), lines[-1]  # 3 x warehouse, >= 50
    assert not (folder / "p" / "current").exists() and not (folder / "w" / "sin_analysts.duckdb").exists()
    resize(400)
    again = sinstats("run", *options)
    assert again.returncode == 0, again.stdout + again.stderr
    names = sorted(p.name for p in settings.current.iterdir() if p.is_file())
    assert names == sorted(p.name for p in (folder / "p" / "current").iterdir() if p.is_file())
    for name in names:
        assert filecmp.cmp(folder / "p" / "current" / name, settings.current / name, shallow=False), name


def _mb(folder: Path) -> float:
    """Room the files under `folder` take, as a tmpfs counts it (whole blocks)."""
    return sum(p.stat().st_blocks * 512 for p in folder.rglob("*") if p.is_file() and not p.is_symlink()) / 2**20


def test_a_disk_that_fills_while_the_analysts_copy_is_written_publishes_nothing(disk, sample_run):
    """Room for all a run writes but the last third of its analysts' copy, the last thing it writes:
    the run gets past every page and open-data file and stops in the copy, before anything is
    served. (It once re-pointed the published links first, and then said nothing was published.)"""
    folder, resize = disk
    settings, _ = sample_run
    whole = _mb(settings.warehouse.parent) + _mb(settings.current.resolve().parent)  # one run's version
    resize(whole - settings.analysts_copy.stat().st_blocks * 512 / 2**20 / 3)
    options = ["--landing", str(settings.landing), "--warehouse", str(folder / "w" / "sin.duckdb")]
    full = sinstats("run", *options, "--publish", str(folder / "p"), "--as-at", AS_AT.isoformat())
    assert full.returncode == 1 and "Traceback" not in full.stdout + full.stderr
    assert "write the open-data files: done" in full.stdout, full.stdout[-2000:]
    assert full.stderr.strip().splitlines()[-1].endswith("nothing was published and the analysts' copy is unchanged")
    assert not (folder / "p" / "current").exists() and not (folder / "p" / "internal").exists()
    assert not (folder / "p" / "index.html").exists()
    assert sorted(p.name for p in (folder / "w").glob("sin_analysts*")) == []
    # What the run wrote for publication is removed too: on a full disk it would only take room.
    assert list((folder / "p").rglob("*")) == [folder / "p" / ".versions"]


def test_a_release_that_fills_the_disk_replaces_nothing_and_the_next_one_succeeds(disk, sample_run):
    folder, resize = disk
    settings, _ = sample_run
    resize(400)
    shutil.copytree(settings.warehouse.parent, folder / "w", ignore=shutil.ignore_patterns("dagster_home*"))
    used = int(subprocess.run(["du", "-sm", str(folder)], capture_output=True, text=True).stdout.split()[0])
    resize(used + 8)  # room for the run history, not for the release's scratch copy and build
    options = ["--warehouse", str(folder / "w" / settings.warehouse.name), "--publish", str(folder / "p")]
    full = sinstats("release", "2024", *options)
    assert full.returncode == 1 and "Traceback" not in full.stdout + full.stderr
    last = full.stderr.strip().splitlines()[-1]
    assert last.startswith(f"sinstats release: the disk holding {folder / 'p'} is full (")
    assert last.endswith("the release for 2024 was not built; nothing was replaced")
    assert not (folder / "p" / "releases" / "2024").exists()
    resize(400)
    built = sinstats("release", "2024", *options)
    assert built.returncode == 0, built.stderr
    assert (folder / "p" / "releases" / "2024" / "manifest.csv").exists()
    assert not list((folder / "p" / "releases").glob(".building-*"))


def test_an_export_that_fills_the_disk_says_so_in_one_line(disk, sample_run):
    folder, resize = disk
    settings, _ = sample_run
    resize(0.1)
    full = sinstats("export-sources", "--out", str(folder / "sources"), "--warehouse", str(settings.warehouse))
    if full.returncode == 0:
        pytest.fail(f"the sample's sources fit in 100 kB: make the disk smaller ({full.stdout[-300:]})")
    assert "Traceback" not in full.stdout + full.stderr
    assert (
        full.stderr.strip()
        .splitlines()[-1]
        .startswith(f"sinstats export-sources: the disk holding {folder / 'sources'} is full")
    )
