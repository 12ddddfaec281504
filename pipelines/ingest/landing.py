"""What a landing-folder file is, told by its name alone (docs/extracts.md: prefixes and dates)."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import threading
import time
from dataclasses import dataclass
from pathlib import Path

READABLE_SUFFIXES = (".csv", ".xlsx")

_DATED = re.compile(r"^(notifications|reviews)_(\d{8})(_.*)?(\.[^.]+)$", re.IGNORECASE)
_YEARLY = re.compile(r"^(la_context)_(\d{4})(_.*)?(\.[^.]+)$", re.IGNORECASE)
_PREFIX = re.compile(r"^(notifications|reviews|la_context)_", re.IGNORECASE)


@dataclass(frozen=True)
class LandedFile:
    """A file whose name has a known prefix. `problem` is set when the name alone rejects it."""

    path: Path
    kind: str
    file_date: dt.date | None = None
    reporting_year: int | None = None
    problem: str | None = None

    @property
    def name(self) -> str:
        return self.path.name


def classify(path: Path) -> LandedFile | None:
    """The file's kind and date, or None when its name has no known prefix (left alone)."""
    name = path.name
    prefix = _PREFIX.match(name)
    if prefix is None:
        return None
    kind = prefix.group(1).lower()
    if path.suffix.lower() not in READABLE_SUFFIXES:
        return LandedFile(path, kind, problem="is not a CSV or XLSX file (the name must end .csv or .xlsx)")
    if kind == "la_context":
        match = _YEARLY.match(name)
        year = int(match.group(2)) if match else None
        if year is None or not 2000 <= year <= 2100:
            return LandedFile(path, kind, problem="has no valid reporting year in its name (la_context_YYYY)")
        return LandedFile(path, kind, reporting_year=year)
    match = _DATED.match(name)
    try:
        day = dt.datetime.strptime(match.group(2), "%Y%m%d").date() if match else None
    except ValueError:
        day = None
    if day is None:
        return LandedFile(path, kind, problem=f"has no valid export date in its name ({kind}_YYYYMMDD)")
    return LandedFile(path, kind, file_date=day)


def scan(landing: Path) -> tuple[list[LandedFile], list[Path]]:
    """Files with a known prefix (sorted by date, then name) and the names left alone."""
    known, ignored = [], []
    for path in sorted(p for p in landing.iterdir() if p.is_file() and not p.name.startswith(".")):
        landed = classify(path)
        if landed is None:
            ignored.append(path)
        else:
            known.append(landed)
    known.sort(key=lambda f: (f.file_date or dt.date(f.reporting_year or 1, 1, 1), f.name))
    return known, ignored


def _read_digest(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


# The ingest matches files by their bytes, so a run hashes every file of the landing folder, the
# ones seen before included: that grows with the history, not with the day. `sinstats run` hashes
# them ahead, in a thread started before it imports Dagster (hashlib lets other threads run while
# it hashes, so on a second core this overlaps the imports). A digest made ahead is used only when
# the file is still as it was then: the same inode, size, modification and change times (a file
# written again changes its change time), and not changed in the last seconds before it was hashed
# (a write within the same clock tick would leave the times as they were; git's index guards against
# the same "racy" case). Anything else is hashed again when the ingest reaches it.
Identity = tuple[int, int, int, int]
RECENT_NS = 2_000_000_000
_ahead: dict[Path, tuple[Identity, str]] = {}
_hashing: list[threading.Thread] = []


def _identity(path: Path) -> Identity:
    status = path.stat()
    return (status.st_ino, status.st_size, status.st_mtime_ns, status.st_ctime_ns)


def _hash_all(paths: list[Path]) -> None:
    for path in paths:
        try:
            before = _identity(path)
            digest = _read_digest(path)
            after = _identity(path)
        except OSError:
            continue  # hashed (and reported) by the ingest itself
        if before == after and time.time_ns() - max(before[2], before[3]) > RECENT_NS:
            _ahead[path] = (before, digest)


def hash_ahead(landing: Path) -> None:
    """Start hashing the landing folder's files in the background, for `sha256`."""
    try:
        paths = [landed.path for landed in scan(landing)[0]]
    except OSError:
        return
    thread = threading.Thread(target=_hash_all, args=(paths,), name="sinstats-hash-ahead", daemon=True)
    thread.start()
    _hashing.append(thread)


def sha256(path: Path) -> str:
    """The file's SHA-256: the one hashed ahead when the file is still as it was, else read now."""
    while _hashing:
        _hashing.pop().join()
    ahead = _ahead.pop(path, None)
    if ahead is not None:
        try:
            if _identity(path) == ahead[0]:
                return ahead[1]
        except OSError:
            pass
    return _read_digest(path)
