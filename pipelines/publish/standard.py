"""The EES open-data standard, checked on a data file and its metadata file: a list of problems.

Checked before any file is published (the publish step refuses to swap in a folder with a
problem) and by the tests on every file the project writes.
"""

from __future__ import annotations

import csv
import re
from functools import cache
from pathlib import Path

from schemas.reference import local_authority_periods, read_seed

MANDATORY = ("time_period", "time_identifier", "geographic_level", "country_code", "country_name")
GEOGRAPHY = {
    "National": (),
    "Regional": ("region_code", "region_name"),
    "Local authority": ("new_la_code", "la_name", "old_la_code"),
}
GEOGRAPHY_COLUMNS = ("region_code", "region_name", "new_la_code", "la_name", "old_la_code")
TIME_FORMATS = {"Reporting year": re.compile(r"^\d{4}$")}
META_COLUMNS = (
    "col_name",
    "col_type",
    "label",
    "indicator_grouping",
    "indicator_unit",
    "indicator_dp",
    "filter_hint",
    "filter_grouping_column",
)
OPTIONAL_META = ("filter_default",)
UNITS = {"", "%", "£", "£m", "pp"}
SYMBOLS = {"c", "k", "x", "z"}
SNAKE = re.compile(r"^[a-z][a-z0-9_]*$")
NUMBER = re.compile(r"^-?\d+(\.\d+)?$")


@cache
def _regions() -> set[tuple[str, str]]:
    return {(r["region_code"], r["region_name"]) for r in read_seed("regions")}


@cache
def _countries() -> set[tuple[str, str]]:
    return {(r["country_code"], r["country_name"]) for r in read_seed("countries")}


@cache
def _las() -> set[tuple[str, str, str]]:
    return {(p.new_la_code, p.la_name, p.old_la_code) for p in local_authority_periods()}


def _read(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        return list(reader.fieldnames or []), list(reader)


def check_metadata(columns: list[str], meta_header: list[str], meta: list[dict[str, str]]) -> list[str]:
    problems = []
    expected = list(META_COLUMNS)
    if meta_header not in (expected, expected + list(OPTIONAL_META)):
        problems.append(f"metadata columns are {meta_header}, not {expected} (+ filter_default)")
        return problems
    labels = [row["label"] for row in meta]
    if len(labels) != len(set(labels)):
        problems.append("metadata labels are not unique")
    filters = {row["col_name"] for row in meta if row["col_type"] == "Filter"}
    for row in meta:
        name, kind = row["col_name"], row["col_type"]
        if name not in columns:
            problems.append(f"metadata names {name}, which the data file does not have")
        if name in MANDATORY or name in GEOGRAPHY_COLUMNS:
            problems.append(f"metadata must not describe the mandatory or geography column {name}")
        if kind not in ("Filter", "Indicator"):
            problems.append(f"{name}: col_type must be Filter or Indicator, not '{kind}'")
        if not row["label"]:
            problems.append(f"{name}: label is blank")
        if kind == "Filter" and any(row[c] for c in ("indicator_grouping", "indicator_unit", "indicator_dp")):
            problems.append(f"{name}: a filter's indicator_grouping, indicator_unit and indicator_dp must be blank")
        if kind == "Indicator":
            if row["filter_hint"] or row["filter_grouping_column"] or row.get("filter_default"):
                problems.append(
                    f"{name}: an indicator's filter_hint, filter_grouping_column and filter_default must be blank"
                )
            if row["indicator_unit"] not in UNITS:
                problems.append(f"{name}: indicator_unit '{row['indicator_unit']}' is not allowed")
            if row["indicator_dp"] and not row["indicator_dp"].isdigit():
                problems.append(f"{name}: indicator_dp must be a whole number")
        grouping = row["filter_grouping_column"]
        if grouping and grouping not in filters:
            problems.append(f"{name}: filter_grouping_column {grouping} is not a filter")
    described = {row["col_name"] for row in meta}
    for name in columns:
        if name not in MANDATORY and name not in GEOGRAPHY_COLUMNS and name not in described:
            problems.append(f"column {name} is not described in the metadata file")
    return problems


def check_data(columns: list[str], rows: list[dict[str, str]], meta: list[dict[str, str]]) -> list[str]:
    problems = []
    for name in columns:
        if not SNAKE.match(name):
            problems.append(f"column name {name} is not lower snake_case")
    missing = [name for name in MANDATORY if name not in columns]
    if missing:
        return [*problems, f"mandatory column(s) missing: {', '.join(missing)}"]
    indicators = [row["col_name"] for row in meta if row["col_type"] == "Indicator"]
    filters = [row for row in meta if row["col_type"] == "Filter"]
    seen: set[tuple[str, ...]] = set()
    keys = [c for c in columns if c not in indicators]
    for number, row in enumerate(rows, start=2):
        where = f"row {number}"
        pattern = TIME_FORMATS.get(row["time_identifier"])
        if pattern is None:
            problems.append(f"{where}: time_identifier '{row['time_identifier']}' is not used by this project")
        elif not pattern.match(row["time_period"]):
            problems.append(f"{where}: time_period '{row['time_period']}' does not fit '{row['time_identifier']}'")
        level = row["geographic_level"]
        if level not in GEOGRAPHY:
            problems.append(f"{where}: geographic_level '{level}' is not allowed")
            continue
        if (row["country_code"], row["country_name"]) not in _countries():
            problems.append(
                f"{where}: country {row['country_code']} {row['country_name']} is not in the reference list"
            )
        needed = GEOGRAPHY[level]
        absent = [c for c in needed if c not in columns or not row[c]]
        if absent:
            problems.append(f"{where}: a {level} row needs {', '.join(absent)}")
        if level == "Regional" and (row["region_code"], row["region_name"]) not in _regions():
            problems.append(f"{where}: region {row['region_code']} {row['region_name']} is not in the reference list")
        if level == "Local authority" and (row["new_la_code"], row["la_name"], row["old_la_code"]) not in _las():
            problems.append(
                f"{where}: LA {row['old_la_code']} {row['new_la_code']} {row['la_name']} is not in the reference list"
            )
        for name in indicators:
            value = row.get(name, "")
            if value == "":
                problems.append(f"{where}: indicator {name} is blank")
            elif value not in SYMBOLS and not NUMBER.match(value):
                problems.append(f"{where}: indicator {name} '{value}' is neither a number nor a symbol")
        key = tuple(row[c] for c in keys)
        if key in seen:
            problems.append(f"{where}: duplicates an earlier row")
        seen.add(key)
    for meta_row in filters:
        name = meta_row["col_name"]
        items = {row[name] for row in rows}
        if "Total" not in items and not meta_row.get("filter_default"):
            problems.append(f"filter {name} has no Total item and no filter_default")
        if meta_row.get("filter_default") and meta_row["filter_default"] not in items:
            problems.append(f"filter {name}: filter_default '{meta_row['filter_default']}' is not an item")
    return problems


def check_files(data_path: Path, meta_path: Path) -> list[str]:
    """Every problem of one open-data file and its metadata file, each naming the file."""
    columns, rows = _read(data_path)
    meta_header, meta = _read(meta_path)
    problems = check_metadata(columns, meta_header, meta)
    problems += check_data(columns, rows, meta)
    return [f"{data_path.name}: {problem}" for problem in problems]
