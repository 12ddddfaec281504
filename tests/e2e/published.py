"""Reading published files back, as a user (or an intruder) would.

The attack here shares no code with pipelines/disclosure: it reads the published CSVs only, writes
the sums a reader can form from their layout out again by hand (docs/rules.md §4: natures to
their Total, a topic's items to the Total topic, "Serious harm and other" to Serious harm plus
Other, quarters to the year, the Child looked after split to its Child death, care leavers' age
groups to their Total, with the national totals of sin_total_notifications public), and for each
`c` solves two plain linear programs, its least and greatest value, with every `c` at least 1
(zeros are published as 0), or at least 0 where that cannot hold.
"""

from __future__ import annotations

import csv
import math
from collections import defaultdict
from pathlib import Path

import numpy as np
from scipy.optimize import linprog

TOTAL = "Total"
COMBINED = {"Serious harm and other": ("Serious harm", "Other")}
SPLIT_TOPIC = "Child looked after"
SPLIT = ("Child death: abuse/neglect", "Child death: no abuse/neglect")


def rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def _characteristic_sums(data: list[dict[str, str]]) -> list[dict[int, int]]:
    index = {
        (r["time_period"], r["quarter"], r["breakdown_topic"], r["breakdown"], r["nature_of_notification"]): i
        for i, r in enumerate(data)
    }
    sums: list[dict[int, int]] = []
    cells: dict[tuple[str, str, str, str], list[str]] = defaultdict(list)
    for year, quarter, topic, item, nature in index:
        cells[(year, quarter, topic, item)].append(nature)
    for (year, quarter, topic, item), natures in cells.items():
        parts = [n for n in natures if n != TOTAL and n not in SPLIT]
        sums.append(
            {
                **{index[(year, quarter, topic, item, n)]: 1 for n in parts},
                index[(year, quarter, topic, item, TOTAL)]: -1,
            }
        )
        if topic == SPLIT_TOPIC:
            sums.append(
                {
                    **{index[(year, quarter, topic, item, n)]: 1 for n in SPLIT},
                    index[(year, quarter, topic, item, "Child death")]: -1,
                }
            )
        if topic == TOTAL and quarter == TOTAL:
            for nature in natures:
                sums.append(
                    {
                        **{index[(year, q, topic, item, nature)]: 1 for q in ("Q1", "Q2", "Q3", "Q4")},
                        index[(year, TOTAL, TOTAL, TOTAL, nature)]: -1,
                    }
                )
    topics = {(year, topic) for year, _, topic, _, _ in index if topic != TOTAL}
    for year, topic in topics:
        items = sorted({item for y, _, t, item, _ in index if (y, t) == (year, topic)})
        natures = {n for y, _, t, _, n in index if (y, t) == (year, topic) and n not in SPLIT}
        for nature in natures:
            parts = COMBINED.get(nature, (nature,))
            total = {index[(year, TOTAL, TOTAL, TOTAL, part)]: -1 for part in parts}
            sums.append({**{index[(year, TOTAL, topic, item, nature)]: 1 for item in items}, **total})
    return sums


def _care_leaver_sums(data: list[dict[str, str]]) -> list[dict[int, int]]:
    by_year: dict[str, dict[str, int]] = defaultdict(dict)
    for i, r in enumerate(data):
        by_year[r["time_period"]][r["age_group"]] = i
    return [{**{i: 1 for g, i in groups.items() if g != TOTAL}, groups[TOTAL]: -1} for groups in by_year.values()]


def _ranges(values: list[int | None], sums: list[dict[int, int]]) -> dict[int, tuple[int, float]]:
    """Each unknown (None): the least and greatest whole value the sums allow (inf: no upper bound)."""
    unknown = [i for i, v in enumerate(values) if v is None]
    position = {cell: k for k, cell in enumerate(unknown)}
    a_rows, b = [], []
    for equation in sums:
        row = np.zeros(len(unknown))
        constant = 0
        for cell, coefficient in equation.items():
            if cell in position:
                row[position[cell]] += coefficient
            else:
                constant += coefficient * (values[cell] or 0)
        if row.any():
            a_rows.append(row)
            b.append(-constant)
    if not unknown:
        return {}
    a_eq, b_eq = np.array(a_rows), np.array(b)
    lowest = 1
    probe = linprog(np.zeros(len(unknown)), A_eq=a_eq, b_eq=b_eq, bounds=[(1, None)] * len(unknown), method="highs")
    if probe.status != 0:
        lowest = 0  # some c must be a hidden zero: the reader's `c >= 1` cannot hold
    found: dict[int, tuple[int, float]] = {}
    for cell, k in position.items():
        objective = np.zeros(len(unknown))
        objective[k] = 1
        low = linprog(objective, A_eq=a_eq, b_eq=b_eq, bounds=[(lowest, None)] * len(unknown), method="highs")
        high = linprog(-objective, A_eq=a_eq, b_eq=b_eq, bounds=[(lowest, None)] * len(unknown), method="highs")
        greatest = math.floor(-high.fun + 1e-6) if high.status == 0 else math.inf
        found[cell] = (math.ceil(low.fun - 1e-6), greatest)
    return found


def _pinned(values: list[int | None], sums: list[dict[int, int]]) -> dict[int, int]:
    """Each unknown (None) the sums fix, with the value they fix it at."""
    return {cell: least for cell, (least, greatest) in _ranges(values, sums).items() if least == greatest}


def _years(folder: Path):
    """For each suppressed file, year by year: the year's rows, what a reader knows of each cell (None
    for a c not public elsewhere), and the sums of the year."""
    totals = {
        (r["time_period"], r["nature_of_notification"]): int(r["number_notifications"])
        for r in rows(folder / "sin_total_notifications.csv")
    }
    files = [("sin_nature_characteristics", _characteristic_sums)]
    if (folder / "sin_care_leaver_deaths.csv").exists():
        files.append(("sin_care_leaver_deaths", _care_leaver_sums))
    for name, sums_of in files:
        data = rows(folder / f"{name}.csv")
        for year in sorted({r["time_period"] for r in data}):
            part = [r for r in data if r["time_period"] == year]
            values: list[int | None] = []
            for r in part:
                if r["number_notifications"] != "c":
                    values.append(int(r["number_notifications"]))
                elif name == "sin_nature_characteristics" and r["breakdown_topic"] == TOTAL and r["quarter"] == TOTAL:
                    values.append(totals[(year, r["nature_of_notification"])])  # public in the totals file
                else:
                    values.append(None)
            yield name, part, values, sums_of(part)


def attack(folder: Path) -> dict[str, list[tuple[dict[str, str], int]]]:
    """Every `c` of the folder's suppressed files that the published sums fix, with the value they give,
    year by year (a year's sums touch no other year's cells)."""
    found: dict[str, list[tuple[dict[str, str], int]]] = {}
    for name, part, values, sums in _years(folder):
        found.setdefault(name, [])
        found[name] += [(part[i], value) for i, value in _pinned(values, sums).items()]
    return found


def ranges(folder: Path) -> dict[str, list[tuple[dict[str, str], int, float]]]:
    """Every `c` of the folder's suppressed files with the least and greatest value a reader can give it."""
    found: dict[str, list[tuple[dict[str, str], int, float]]] = {}
    for name, part, values, sums in _years(folder):
        found.setdefault(name, [])
        found[name] += [(part[i], least, greatest) for i, (least, greatest) in _ranges(values, sums).items()]
    return found
