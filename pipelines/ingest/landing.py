"""What a landing-folder file is, told by its name alone (docs/extracts.md: prefixes and dates)."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
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


def sha256(path: Path) -> str:
    """The file's SHA-256: the ingest matches files by their bytes, not their names."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
