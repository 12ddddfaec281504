"""Reading published files back, as a user (or an intruder) would."""

from __future__ import annotations

import csv
from pathlib import Path

import polars as pl

from pipelines.disclosure.suppression import disclosed
from pipelines.disclosure.tables import care_leaver_equations, characteristics_equations


def rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def attack(folder: Path) -> dict[str, list[dict]]:
    """Every suppressed cell of the folder's files that their published sums pin down exactly.

    Uses nothing but the published files: the characteristics file with the national totals of
    sin_total_notifications (public, so known), and the care leaver file.
    """
    found = {}
    totals = {
        (int(r["time_period"]), r["nature_of_notification"]): int(r["number_notifications"])
        for r in rows(folder / "sin_total_notifications.csv")
    }
    frame = pl.read_csv(folder / "sin_nature_characteristics.csv", infer_schema=False).with_columns(
        pl.col("time_period").cast(pl.Int64)
    )
    equations, known = characteristics_equations(frame)
    values, suppressed = [], []
    for i, row in enumerate(frame.iter_rows(named=True)):
        if known[i]:
            values.append(totals[(row["time_period"], row["nature_of_notification"])])
        else:
            values.append(0 if row["number_notifications"] == "c" else int(row["number_notifications"]))
        suppressed.append(row["number_notifications"] == "c")
    pinned = disclosed(values, suppressed, known, equations, exhaustive=True)
    found["sin_nature_characteristics"] = [frame.row(i, named=True) for i in pinned]
    if (folder / "sin_care_leaver_deaths.csv").exists():
        frame = pl.read_csv(folder / "sin_care_leaver_deaths.csv", infer_schema=False)
        equations, known = care_leaver_equations(frame)
        suppressed = [v == "c" for v in frame["number_notifications"]]
        values = [0 if v == "c" else int(v) for v in frame["number_notifications"]]
        pinned = disclosed(values, suppressed, known, equations, exhaustive=True)
        found["sin_care_leaver_deaths"] = [frame.row(i, named=True) for i in pinned]
    return found
