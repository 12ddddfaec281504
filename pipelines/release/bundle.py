"""The release bundle beside the open-data files: manifest, methodology note, spreadsheet."""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import re
import zipfile
from pathlib import Path
from typing import TYPE_CHECKING

import polars as pl

from pipelines.publish.cells import neutralise
from schemas.policy import Policy
from schemas.reference import read_seed, symbol_rows, symbols_legend

if TYPE_CHECKING:
    import pandas as pd

    from pipelines.disclosure.assets import SuppressionCount

LANGUAGE = "en-GB"
MANIFEST = "manifest.csv"


def write_manifest(folder: Path, suppression: dict[str, SuppressionCount]) -> Path:
    """file, rows (data rows of a CSV; blank otherwise), sha256 of every file in the bundle, and for the
    files with disclosure control the cells primary and secondary suppression each hid, and the method
    that chose the secondary cells."""
    rows = []
    for path in sorted(p for p in folder.iterdir() if p.is_file() and p.name != MANIFEST):
        data = path.read_bytes()
        count = ""
        if path.suffix == ".csv":
            count = str(max(data.count(b"\n") - 1, 0))
        hidden = suppression.get(path.name.removesuffix(".csv"))
        rows.append(
            {
                "file": path.name,
                "rows": count,
                "sha256": hashlib.sha256(data).hexdigest(),
                "cells_primary_suppressed": "" if hidden is None else str(hidden.primary),
                "cells_secondary_suppressed": "" if hidden is None else str(hidden.secondary),
                "suppression_method": "" if hidden is None else hidden.method,
            }
        )
    target = folder / MANIFEST
    columns = [
        "file",
        "rows",
        "sha256",
        "cells_primary_suppressed",
        "cells_secondary_suppressed",
        "suppression_method",
    ]
    with target.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=columns, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    return target


def methodology(year: int, cut_off: dt.date, policy: Policy) -> str:
    """A short note of what is counted and how it is published, from the rules' one home."""
    measures = "\n".join(
        f"| {m['measure']} | {m['start_event']} | {m['end_event']} | {m['limit_value']} "
        f"{m['limit_unit'].replace('_', ' ')} ({m['rule'].replace('_', ' ')}) | "
        f"{m['applies_to'].replace('_', ' ')} |"
        for m in read_seed("timeliness_measures")
    )
    return f"""# Serious incident notifications: methodology, reporting year {year}

Built as at the cut-off date {cut_off.isoformat()}: from the versions of each notification and
review saved in the notification system on or before the end of that day (London time), with
timeliness measured as at that date.

## What is counted

- The unit is the notification (one incident), not the child; characteristics describe the
  first child on the notification.
- A notification counts in the reporting year in which it was notified (the notification
  date): reporting year {year} runs from 1 April {year - 1} to 31 March {year}. Quarters: Q1
  April to June, Q2 July to September, Q3 October to December, Q4 January to March.
- The version that stands is the one with the highest version number (ties: the latest
  update, then the latest export, then the latest row).
- Withdrawn notifications (made in error) are not counted. A second notification of the same
  incident is counted once, under the notification it duplicates. Deaths of care leavers are
  a separate series, published from reporting year {policy.care_leaver_first_year}.
- The series starts in reporting year {policy.first_reporting_year}.

## Timeliness

A working day is any day but a Saturday, a Sunday or a bank holiday in England and Wales. The
working days elapsed from day A to day B are the working days after A up to and including B.
Each measure is reported for the notifications of the year (a cohort): cases due are complete
cases plus open cases past their deadline at the cut-off date.

| measure | start | end | limit | applies to |
|---|---|---|---|---|
{measures}

## Rounding, suppression and symbols

- National and local authority counts are published unrounded; regional counts are rounded to
  the nearest {policy.regional_rounding_base}, half away from zero. Percentages and rates
  are computed from unrounded counts and given to 1 decimal place.
- Counts from 1 to {policy.primary_suppression_max} in the characteristics and care
  leaver files are suppressed (c), and further figures are suppressed wherever a suppressed
  figure could otherwise be worked out from published totals, in this or another file.
- In the timeliness file, the number and percentage on time and the median working days are
  suppressed (c) where fewer than {policy.timeliness_min_due} cases are due.
- Symbols: {symbols_legend("; ")}. 0 is a true zero.
- Nothing below local authority level, and no record-level data, is published.

## Revisions

`revisions.csv` lists every figure for an earlier year that differs from the previous release,
with both values.
"""


def _table(name: str, folder: Path) -> pl.DataFrame:
    return pl.read_csv(folder / f"{name}.csv", infer_schema=False)


def _cells(frame: pl.DataFrame) -> pd.DataFrame:
    """The table as the workbook stores it: numbers as numbers, symbols as their shorthand, and z (not
    applicable) where a column does not apply to a row (a nature a topic does not publish)."""

    def cell(value: str | None) -> object:
        if value is None:
            return "z"
        if re.fullmatch(r"-?\d+", value):
            return int(value)
        if re.fullmatch(r"-?\d+\.\d+", value):
            return float(value)
        return neutralise(value)

    import pandas as pd  # gptables' table type; imported only for a release

    return pd.DataFrame({name: [cell(v) for v in frame[name].to_list()] for name in frame.columns})


def write_spreadsheet(folder: Path, year: int, cut_off: dt.date, policy: Policy, titles: dict[str, str]) -> Path:
    """An accessible workbook of the main tables (cover, contents, notes, one table per sheet), as the
    government analysis function's guidance and gptables expect: numbers stored as numbers, symbols as
    shorthand in the cell and explained in the notes, each table with its title, source and notes."""
    import gptables
    import pandas as pd

    year_text = str(year)
    totals = (
        _table("sin_total_notifications", folder)
        .pivot(on="nature_of_notification", index="time_period", values="number_notifications")
        .rename({"time_period": "Reporting year"})
    )
    characteristics = (
        _table("sin_nature_characteristics", folder)
        .filter(pl.col("time_period") == year_text, pl.col("quarter") == "Total")
        .pivot(on="nature_of_notification", index=["breakdown_topic", "breakdown"], values="number_notifications")
        .rename({"breakdown_topic": "Characteristic", "breakdown": "Group"})
    )
    areas = (
        _table("sin_subnational", folder)
        .filter(pl.col("time_period") == year_text)
        .select(
            pl.col("geographic_level").alias("Level"),
            pl.coalesce(pl.col("la_name"), pl.col("region_name"), pl.col("country_name")).alias("Area"),
            pl.col("number_notifications").alias("Notifications"),
            pl.col("rate_per_10000_children").alias("Rate per 10,000 children"),
        )
    )
    care_leavers = None
    if (folder / "sin_care_leaver_deaths.csv").exists():
        care_leavers = _table("sin_care_leaver_deaths", folder).select(
            pl.col("time_period").alias("Reporting year"),
            pl.col("age_group").alias("Age group"),
            pl.col("number_notifications").alias("Deaths notified"),
        )
    timeliness = (
        _table("sin_timeliness", folder)
        .filter(pl.col("time_period") == year_text, pl.col("geographic_level") == "National")
        .select(
            pl.col("measure").alias("Measure"),
            pl.col("number_due").alias("Due"),
            pl.col("number_on_time").alias("On time"),
            pl.col("percent_on_time").alias("Percentage on time"),
            pl.col("median_working_days").alias("Median working days"),
            pl.col("number_open_overdue").alias("Open and overdue"),
        )
    )
    source = "Source: Child Safeguarding Practice Review Panel notifications (Department for Education)"
    # Each table's title is its file's title (meta.ees.title in _publish.yml), with what it covers; its
    # notes are referenced as $$name$$, which gptables numbers in the order they appear.
    tables = [
        (f"{titles['sin_total_notifications']}, England $$symbols$$", totals),
        (
            f"{titles['sin_nature_characteristics']}, England, {year} $$suppression$$$$symbols$$",
            characteristics,
        ),
        (f"{titles['sin_subnational']}, {year} $$rounding$$$$symbols$$", areas),
        (f"{titles['sin_timeliness']}, England, {year} $$timeliness$$$$symbols$$", timeliness),
    ]
    if care_leavers is not None:
        tables.append((f"{titles['sin_care_leaver_deaths']}, England $$suppression$$$$symbols$$", care_leavers))
    sheets = {}
    for number, (title, frame) in enumerate(tables, start=1):
        label = f"Table_{number}"
        sheets[label] = gptables.GPTable(
            table=_cells(frame),
            table_name=f"{label.lower()}_data",
            title=title,
            subtitles=[f"Reporting year {year}, as at {cut_off.isoformat()}"],
            instructions="This worksheet contains one table. Some cells hold a symbol in place of a figure: "
            "the notes explain each symbol.",
            legend=[f"{row['symbol']} = {row['meaning']}" for row in symbol_rows()],
            source=source,
        )
    cover = gptables.Cover(
        title=f"Serious incident notifications, reporting year {year}",
        intro=[
            "Notifications to the Child Safeguarding Practice Review Panel of incidents in which a child "
            "died or was seriously harmed and abuse or neglect was known or suspected.",
            f"Figures as at {cut_off.isoformat()}.",
        ],
        about=["Counts are of notifications, not children."],
    )
    notes = pd.DataFrame(
        {
            "Note reference": ["symbols", "suppression", "rounding", "timeliness"],
            "Note text": [
                f"Symbols: {symbols_legend()}. 0 is a true zero.",
                f"Counts from 1 to {policy.primary_suppression_max}, and counts from which one could be worked "
                "out, are shown as c.",
                f"Regional counts are rounded to the nearest {policy.regional_rounding_base}; national and local "
                "authority counts are not.",
                f"Where fewer than {policy.timeliness_min_due} cases are due, the number and percentage on time and "
                "the median are shown as c; where none is due, as z.",
            ],
        }
    )
    target = folder / f"serious_incident_notifications_{year}.xlsx"
    workbook = gptables.produce_workbook(filename=str(target), sheets=sheets, cover=cover, notes_table=notes)
    workbook.set_properties(
        {
            "title": f"Serious incident notifications, reporting year {year}",
            "subject": "Serious incident notifications to the Child Safeguarding Practice Review Panel, England",
            "author": "Department for Education",
            "keywords": "serious incident notifications, child safeguarding, official statistics",
            # The cut-off, not the build's time: a rebuild as at the same cut-off gives the same bytes.
            "created": dt.datetime.combine(cut_off, dt.time()),
        }
    )
    workbook.set_custom_property("Language", LANGUAGE)
    workbook.close()
    set_document_language(target, LANGUAGE)
    return target


CORE_PROPERTIES = "docProps/core.xml"


def set_document_language(workbook: Path, language: str) -> None:
    """The workbook's document language (`dc:language` in its core properties, where Office and screen
    readers look; xlsxwriter writes none). Every other entry of the zip is copied as it was, with its
    own date and compression, so the file stays byte-reproducible."""
    with zipfile.ZipFile(workbook) as source:
        entries = [(info, source.read(info)) for info in source.infolist()]
    rewritten = workbook.with_suffix(".language.tmp")
    with zipfile.ZipFile(rewritten, "w") as target:
        for info, data in entries:
            if info.filename == CORE_PROPERTIES:
                element = f"<dc:language>{language}</dc:language>".encode()
                data = data.replace(b"</cp:coreProperties>", element + b"</cp:coreProperties>", 1)
                if element not in data:
                    raise ValueError(f"{workbook.name}: {CORE_PROPERTIES} has no cp:coreProperties element")
            target.writestr(info, data)
    rewritten.replace(workbook)
