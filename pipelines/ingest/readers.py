"""Read one extract file into trimmed strings, keeping only contract columns.

Identifying and other non-contract columns are never materialised: only the contract's
columns are selected from the file, and the names of the others are recorded. Every
file-level problem of docs/extracts.md §4 raises `FileRejected` with one sentence for people.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import fastexcel
import polars as pl

from schemas.contract import Contract
from schemas.reference import identifying_columns

BOM = b"\xef\xbb\xbf"
_CSV_FIELDS = re.compile(r"CSV Error on Line: (\d+).*?Expected Number of Columns: (\d+) Found: (\d+)", re.S)


class FileRejected(Exception):
    """The whole file is rejected; the message says why, for people."""


@dataclass
class Extract:
    """The contract columns of one file, as trimmed strings (blank = null)."""

    frame: pl.DataFrame
    dropped_identifying: list[str] = field(default_factory=list)
    extra_columns: list[str] = field(default_factory=list)


def normalise_name(name: object) -> str:
    return str(name if name is not None else "").strip().lower()


def _check_header(header: list[str], contract: Contract) -> tuple[list[str], list[str]]:
    seen: set[str] = set()
    for name in header:
        if name in seen:
            raise FileRejected(f"has two columns named '{name}' (after trimming and lower-casing)")
        seen.add(name)
    missing = [name for name in contract.required if name not in seen]
    if missing:
        raise FileRejected(f"is missing required column(s): {', '.join(missing)}")
    others = [name for name in header if name not in contract.names]
    identifying = sorted(name for name in others if name in identifying_columns())
    extra = sorted(name for name in others if name not in identifying_columns())
    return identifying, extra


def _tidy(frame: pl.DataFrame, contract: Contract) -> pl.DataFrame:
    """Trim every value, blank to null, and add absent optional columns as nulls."""
    return frame.select(
        (
            pl.col(name).cast(pl.String).str.strip_chars().replace("", None)
            if name in frame.columns
            else pl.lit(None, dtype=pl.String)
        ).alias(name)
        for name in contract.names
    )


def read_csv(path: Path, contract: Contract) -> Extract:
    data = path.read_bytes()
    if not data:
        raise FileRejected("is empty (0 bytes)")
    if b"\x00" in data[:65536]:
        raise FileRejected("is not a CSV file (it holds binary data)")
    try:
        text = data[len(BOM) :].decode("utf-8") if data.startswith(BOM) else data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise FileRejected(f"is not UTF-8 text (byte {error.start + 1} cannot be read)") from None
    try:
        header = [normalise_name(n) for n in next(csv.reader(io.StringIO(text)), [])]
    except csv.Error as error:
        raise FileRejected(f"is not well-formed CSV: {error}") from None
    if not any(header):
        raise FileRejected("has no header row")
    if len(header) == 1 and any(sep in header[0] for sep in ";\t|"):
        raise FileRejected("is not comma-separated (another delimiter is used)")
    identifying, extra = _check_header(header, contract)
    positions = {name: f"c{i}" for i, name in enumerate(header)}
    wanted = [name for name in contract.names if name in positions]
    columns = ", ".join(f"'c{i}': 'VARCHAR'" for i in range(len(header)))
    select = ", ".join(f'{positions[name]} as "{name}"' for name in wanted)
    query = f"""
        select {select} from read_csv(?, header = true, delim = ',', quote = '"', escape = '"',
            strict_mode = true, null_padding = false, auto_detect = false,
            columns = {{{columns}}})
    """
    connection = duckdb.connect()
    try:
        frame = connection.sql(query, params=[str(path)]).pl()
    except duckdb.Error as error:
        match = _CSV_FIELDS.search(str(error))
        if match:
            line, expected, found = match.groups()
            raise FileRejected(
                f"is not well-formed CSV: line {line} has {found} fields where the header has {expected}"
            ) from None
        first_line = str(error).splitlines()[0]
        raise FileRejected(f"is not well-formed CSV ({first_line})") from None
    finally:
        connection.close()
    return Extract(_tidy(frame, contract), identifying, extra)


def _xlsx_dates(frame: pl.DataFrame, contract: Contract) -> pl.DataFrame:
    """XLSX date cells arrive as 'YYYY-MM-DD 00:00:00': in a date column that is the date."""
    dates = [c.name for c in contract.columns if c.kind == "date" and c.name in frame.columns]
    return frame.with_columns(pl.col(dates).str.replace(r"^(\d{4}-\d{2}-\d{2}) 00:00:00$", "$1"))


def read_xlsx(path: Path, contract: Contract) -> Extract:
    data = path.read_bytes()
    if not data:
        raise FileRejected("is empty (0 bytes)")
    try:
        workbook = fastexcel.read_excel(data)
        sheet = workbook.load_sheet(0, header_row=None, dtypes="string")
        grid = sheet.to_polars()
    except Exception:  # fastexcel raises several error types for unreadable workbooks
        raise FileRejected("is not a readable XLSX workbook") from None
    if grid.height == 0 or grid.width == 0:
        raise FileRejected("has an empty first sheet")
    header = [normalise_name(value) for value in grid.row(0)]
    while header and not header[-1]:
        header.pop()
    if not any(header):
        raise FileRejected("has no header row in its first sheet")
    identifying, extra = _check_header(header, contract)
    wanted = [(i, name) for i, name in enumerate(header) if name in contract.names]
    body = grid.slice(1).select(pl.col(grid.columns[i]).alias(name) for i, name in wanted)
    return Extract(_tidy(_xlsx_dates(body, contract), contract), identifying, extra)


def read_extract(path: Path, contract: Contract) -> Extract:
    if path.suffix.lower() == ".xlsx":
        return read_xlsx(path, contract)
    return read_csv(path, contract)
