"""Disk space: a warning before work when a folder has little room, and one line (never a traceback)
when a disk fills during a run, a release or an export.

A run writes the warehouse, its write-ahead log, the analysts' copy (a copy of the warehouse's
bytes), DuckDB's spill files and the run history beside the warehouse, and a new version of the
published files; so it warns when the warehouse's folder, or the publish folder, has less free
than `SPACE_MULTIPLE` times the warehouse's size (and at least `SPACE_FLOOR_MB`).

A full disk shows as an OSError (errno ENOSPC), or as DuckDB's or SQLite's own words for it; the
folder named is the one, among those the command writes to, with least room.
"""

from __future__ import annotations

import errno
import shutil
from collections.abc import Iterable
from pathlib import Path

SPACE_MULTIPLE = 3  # free space wanted beside the warehouse, as a multiple of its size
SPACE_FLOOR_MB = 50  # ...and never less than this
FULL_WORDS = ("No space left on device", "database or disk is full", "disk I/O error", "Disk full")
MB = 1024 * 1024


def _existing(folder: Path) -> Path:
    while not folder.exists() and folder != folder.parent:
        folder = folder.parent
    return folder


def free_mb(folder: Path) -> float:
    return shutil.disk_usage(_existing(folder)).free / MB


def needed_mb(warehouse: Path) -> float:
    size = warehouse.stat().st_size / MB if warehouse.exists() else 0.0
    return max(SPACE_MULTIPLE * size, SPACE_FLOOR_MB)


def warnings(warehouse: Path, folders: Iterable[Path]) -> list[str]:
    """A line for each folder with less room than a run may need."""
    wanted = needed_mb(warehouse)
    lines, seen = [], set()
    for folder in folders:
        device = _existing(folder).stat().st_dev
        if device in seen:
            continue
        seen.add(device)
        free = free_mb(folder)
        if free < wanted:
            lines.append(
                f"warning: {folder} has {free:.0f} MB free, less than the {wanted:.0f} MB a run may need "
                f"({SPACE_MULTIPLE} times the warehouse, at least {SPACE_FLOOR_MB} MB)"
            )
    return lines


def _chain(error: BaseException) -> Iterable[BaseException]:
    seen: set[int] = set()
    pending: list[BaseException | None] = [error]
    while pending:
        current = pending.pop()
        if current is None or id(current) in seen:
            continue
        seen.add(id(current))
        yield current
        pending += [current.__cause__, current.__context__]


def is_full_disk(error: BaseException | str) -> bool:
    if isinstance(error, str):
        return any(words in error for words in FULL_WORDS)
    return any(
        (isinstance(e, OSError) and e.errno == errno.ENOSPC) or any(words in str(e) for words in FULL_WORDS)
        for e in _chain(error)
    )


def full_disk_line(command: str, warehouse: Path, folders: Iterable[Path], what: str) -> str:
    """The one line for a command stopped by a full disk: the fullest folder, and how much it needs."""
    fullest = min(folders, key=free_mb)
    return (
        f"sinstats {command}: the disk holding {fullest} is full ({free_mb(fullest):.0f} MB free; a run needs "
        f"about {needed_mb(warehouse):.0f} MB there): {what}"
    )
