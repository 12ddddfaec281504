"""A release folder replaced whole or not at all, whenever the process is killed.

`PUBLISH/releases/YEAR` (and its QA folder `PUBLISH/releases/.qa/YEAR`) is a symbolic link to a
complete build in the `.builds/` folder beside it. A new build is written elsewhere, moved into
`.builds/`, and a new link renamed over the old one: one rename, which the file system makes
atomic, so a reader (or a process killed at any point) sees the old build or the new one, never
neither and never half. The build the link no longer names then moves to `.superseded/` (never
deleted). A kill can leave a build in `.builds/` that no link names, either the old one not yet
moved or a new one never linked; `tidy` moves those to `.superseded/` too, at the start of the
next release, which holds the release's lock so no other build of that year is running.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

QA_FOLDER = ".qa"  # PUBLISH/releases/.qa/YEAR: a release's QA report, never published
BUILDS = ".builds"
SUPERSEDED = ".superseded"
SCRATCH_PREFIX = ".building-"


def _stamp() -> str:
    return dt.datetime.now().strftime("%Y%m%dT%H%M%S%f")


@contextmanager
def release_lock(releases: Path, year: int) -> Iterator[None]:
    """One release of a year at a time (the operating system frees the lock when a process dies)."""
    releases.mkdir(parents=True, exist_ok=True)
    with (releases / f".{year}.lock").open("w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        yield


def swap_in(build: Path, target: Path) -> Path | None:
    """Make `target` (a link) name `build`, in one atomic rename; returns where the build it named
    before went (in `.superseded/`), or None if there was none."""
    home = target.parent
    builds, superseded = home / BUILDS, home / SUPERSEDED
    builds.mkdir(exist_ok=True)
    superseded.mkdir(exist_ok=True)
    final = builds / f"{target.name}-{_stamp()}"
    build.rename(final)
    before: Path | None = None
    if target.is_symlink():
        before = target.resolve()
    elif target.exists():
        # A release folder written before releases were links: moved aside once (not atomic).
        before = superseded / f"{target.name}-{_stamp()}"
        target.rename(before)
    link = home / f".{target.name}.link"
    link.unlink(missing_ok=True)
    link.symlink_to(Path(BUILDS) / final.name)
    os.replace(link, target)
    if before is not None and before.parent == builds:
        moved = superseded / before.name
        before.rename(moved)
        return moved
    return before


def tidy(target: Path) -> None:
    """After a killed release: builds of `target` in `.builds/` that the link does not name go to
    `.superseded/`; a half-made link goes; scratch folders of the year go (call under the lock)."""
    home = target.parent
    named = target.resolve() if target.is_symlink() else None
    builds = home / BUILDS
    (home / f".{target.name}.link").unlink(missing_ok=True)
    if builds.is_dir():
        for build in builds.glob(f"{target.name}-*"):
            if build != named:
                (home / SUPERSEDED).mkdir(exist_ok=True)
                build.rename(home / SUPERSEDED / build.name)
    for scratch in home.glob(f"{SCRATCH_PREFIX}{target.name}-*"):
        shutil.rmtree(scratch, ignore_errors=True)
