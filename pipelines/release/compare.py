"""Figures that differ between two sets of open-data files: revisions, and figures that moved."""

from __future__ import annotations

import csv
from pathlib import Path

from pipelines.publish.cells import neutralise
from pipelines.publish.standard import GEOGRAPHY_COLUMNS, MANDATORY

NOT_FILTERS = (*MANDATORY, *GEOGRAPHY_COLUMNS)

REVISION_COLUMNS = (
    "file",
    "time_period",
    "geographic_level",
    "area_code",
    "filters",
    "indicator",
    "previous_value",
    "this_value",
)


def _read(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def _indicators(meta_path: Path) -> list[str]:
    return [row["col_name"] for row in _read(meta_path) if row["col_type"] == "Indicator"]


def _keyed(rows: list[dict[str, str]], indicators: list[str]) -> dict[tuple[tuple[str, str], ...], dict[str, str]]:
    return {tuple((k, v) for k, v in row.items() if k not in indicators): row for row in rows}


def figure_changes(old: Path, new: Path, files: tuple[str, ...], years: set[str] | None = None) -> list[dict[str, str]]:
    """Every indicator value that differs between `old/NAME.csv` and `new/NAME.csv`.

    Rows are matched on every non-indicator column (time, geography, filters). A row only in
    the old files is a figure no longer published (its new value blank); a row only in the new
    files is a figure added (its old value blank). With `years`, only those years are compared.
    """
    changes = []
    for name in files:
        old_path, new_path = old / f"{name}.csv", new / f"{name}.csv"
        if not old_path.exists() or not new_path.exists():
            continue
        indicators = _indicators(new / f"{name}.meta.csv")
        before = _keyed(_read(old_path), indicators)
        after = _keyed(_read(new_path), indicators)
        for key in [*before, *(k for k in after if k not in before)]:
            row_before, row_after = before.get(key), after.get(key)
            fields = dict(key)
            if years is not None and fields["time_period"] not in years:
                continue
            for indicator in indicators:
                previous = row_before.get(indicator, "") if row_before else ""
                current = row_after.get(indicator, "") if row_after else ""
                if previous != current:
                    changes.append(
                        {
                            "file": name,
                            "time_period": fields["time_period"],
                            "geographic_level": fields["geographic_level"],
                            "area_code": fields.get("old_la_code")
                            or fields.get("region_code")
                            or fields["country_code"],
                            "filters": "; ".join(f"{k}={v}" for k, v in key if k not in NOT_FILTERS),
                            "indicator": indicator,
                            "previous_value": previous,
                            "this_value": current,
                        }
                    )
    return changes


def write_changes(changes: list[dict[str, str]], path: Path) -> None:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=REVISION_COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows({key: neutralise(value) for key, value in change.items()} for change in changes)
