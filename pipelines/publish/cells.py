"""Cells that a spreadsheet would run: a text that starts with =, +, -, @ (or a tab or carriage return)
is a formula to Excel and LibreOffice when a CSV is opened, and to xlsxwriter when a workbook is
written. Every text cell the project writes to a CSV or a workbook passes through here first.

Published figures never start so (they are numbers, symbols and labels from the reference seeds),
so this changes nothing in a good file; it is there for the value nobody expected.
"""

from __future__ import annotations

import polars as pl

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
NUMBER = r"^-?\d+(\.\d+)?$"


def neutralise(text: str) -> str:
    """The text as a cell shows it, never as a formula: a leading apostrophe where it would be one.
    A plain negative number stays a number."""
    if text.startswith(FORMULA_STARTS) and not _is_number(text):
        return "'" + text
    return text


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return text.strip() == text


def neutralise_frame(frame: pl.DataFrame) -> pl.DataFrame:
    """Every text column of the frame neutralised (numbers and nulls untouched)."""
    text_columns = [name for name, dtype in frame.schema.items() if dtype == pl.String]
    if not text_columns:
        return frame
    return frame.with_columns(
        pl.when(pl.col(name).str.contains(r"^[=+\-@\t\r]") & ~pl.col(name).str.contains(NUMBER))
        .then(pl.lit("'") + pl.col(name))
        .otherwise(pl.col(name))
        .alias(name)
        for name in text_columns
    )
