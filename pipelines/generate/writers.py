"""Write a synthetic extract as CSV or XLSX, byte for byte the same for the same frame."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import polars as pl
import xlsxwriter

FIXED_CREATED = dt.datetime(2026, 1, 1)
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_WHOLE = re.compile(r"^-?\d+$")


def to_text(frame: pl.DataFrame) -> pl.DataFrame:
    """Every column as text, dates ISO, date-times ISO with `T` (London local, no offset)."""
    return frame.select(
        pl.col(pl.Date).dt.strftime("%Y-%m-%d"),
        pl.col(pl.Datetime).dt.strftime("%Y-%m-%dT%H:%M:%S"),
        pl.exclude(pl.Date, pl.Datetime).cast(pl.String),
    ).select(frame.columns)


def write_csv(text: pl.DataFrame, path: Path, date_columns: list[str]) -> None:
    del date_columns  # a CSV has no cell types
    text.write_csv(path, line_terminator="\n")


def write_xlsx(text: pl.DataFrame, path: Path, date_columns: list[str]) -> None:
    """One sheet; ISO dates in date columns become date cells, whole numbers number cells."""
    workbook = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    workbook.set_properties({"created": FIXED_CREATED})
    date_format = workbook.add_format({"num_format": "yyyy-mm-dd"})
    sheet = workbook.add_worksheet("extract")
    sheet.write_row(0, 0, text.columns)
    for r, row in enumerate(text.iter_rows(), start=1):
        for c, (name, value) in enumerate(zip(text.columns, row, strict=True)):
            if value is None:
                continue
            if name in date_columns and _ISO_DATE.match(value):
                sheet.write_datetime(r, c, dt.datetime.fromisoformat(value), date_format)
            elif _WHOLE.match(value) and name != "la_code" and len(value) < 12:
                sheet.write_number(r, c, int(value))
            else:
                sheet.write_string(r, c, value)
    workbook.close()
