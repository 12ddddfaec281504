"""Random damage to every kind of extract, CSV and XLSX (notifications, reviews, la_context): bytes cut,
added and changed; headers broken; and in workbooks a damaged zip, extra sheets, merged cells,
formulas, dates as numbers, hidden rows. Whatever the damage, the ingest raises nothing, names every
file it rejects with a reason, and every row it reads is loaded or quarantined (counted here from
the warehouse's own tables)."""

from __future__ import annotations

import random
import shutil
from pathlib import Path

import duckdb
import openpyxl
import pytest

from pipelines.generate.synthetic import GenerateOptions, generate
from pipelines.ingest.load import ingest_landing

MUTANTS_PER_FILE = 12
KINDS = ("notifications", "reviews", "la_context")
RAW = {"notifications": "raw.notifications", "reviews": "raw.reviews", "la_context": "raw.la_context"}


def csv_mutant(data: bytes, rng: random.Random) -> bytes:
    lines = data.split(b"\n")
    choice = rng.randrange(9)
    if choice == 0:
        return data[: rng.randrange(len(data))]  # cut short, perhaps mid-row or mid-header
    if choice == 1:
        at = rng.randrange(len(data))
        return data[:at] + bytes(rng.randrange(256) for _ in range(rng.randint(1, 40))) + data[at:]
    if choice == 2:
        at = rng.randrange(len(data))
        return data[:at] + data[at + rng.randint(1, 200) :]
    if choice == 3:
        header = lines[0].split(b",")
        rng.shuffle(header)
        return b"\n".join([b",".join(header), *lines[1:]])
    if choice == 4:
        return b"\n".join(lines[1:])  # no header
    if choice == 5:
        return b"\n".join([lines[0] + b",extra", *(line + b',"x' for line in lines[1:])])
    if choice == 6:
        return "\ufeff".encode() + data.replace(b"\n", b"\r\n")
    if choice == 7:
        row = rng.randrange(1, max(2, len(lines) - 1))
        return b"\n".join([*lines[:row], lines[row] + b',"unclosed', *lines[row:]])
    return data.replace(b",", b";", rng.randint(1, 50))


def xlsx_mutant(source: Path, target: Path, rng: random.Random) -> None:
    choice = rng.randrange(8)
    if choice in (0, 1):
        data = bytearray(source.read_bytes())
        if choice == 0:
            data = data[: rng.randrange(len(data))]
        else:
            for _ in range(rng.randint(1, 30)):
                data[rng.randrange(len(data))] = rng.randrange(256)
        target.write_bytes(bytes(data))
        return
    workbook = openpyxl.load_workbook(source)
    sheet = workbook.worksheets[0]
    rows = sheet.max_row
    if choice == 2:
        extra = workbook.create_sheet("Notes", 0)  # before the data sheet
        extra["A1"] = "Read me first"
    elif choice == 3:
        row = rng.randint(2, max(2, rows))
        sheet.merge_cells(start_row=row, start_column=1, end_row=min(row + 2, rows), end_column=3)
    elif choice == 4:
        sheet.cell(row=rng.randint(2, max(2, rows)), column=rng.randint(1, sheet.max_column), value="=1+1")
    elif choice == 5:
        for row in sheet.iter_rows(min_row=2):
            for cell in row:
                if cell.is_date:
                    cell.number_format = "General"  # a date shown as its serial number
    elif choice == 6:
        for row in rng.sample(range(2, rows + 1), k=min(3, max(rows - 1, 0))):
            sheet.row_dimensions[row].hidden = True
    else:
        sheet.cell(row=1, column=rng.randint(1, sheet.max_column), value=None)  # a header blanked
    workbook.save(target)


@pytest.fixture(scope="module")
def fuzzed(tmp_path_factory):
    source = tmp_path_factory.mktemp("source")
    generate(GenerateOptions(out=source, first_year=2023, last_year=2024, seed=11, scale=0.1))
    landing = tmp_path_factory.mktemp("landing")
    rng = random.Random(2026)
    made = []
    for path in sorted(source.iterdir()):
        kind = next((k for k in KINDS if path.name.startswith(f"{k}_")), None)
        if kind is None:
            continue
        for number in range(MUTANTS_PER_FILE):
            target = landing / f"{path.stem}_fuzz{number}{path.suffix}"
            if path.suffix == ".csv":
                target.write_bytes(csv_mutant(path.read_bytes(), rng))
            else:
                xlsx_mutant(path, target, rng)
            made.append(target.name)
        shutil.copy(path, landing / path.name)  # the undamaged file too
        made.append(path.name)
    kinds_made = {(k, Path(n).suffix) for n in made for k in KINDS if n.startswith(f"{k}_")}
    assert kinds_made == {(k, s) for k in KINDS for s in (".csv", ".xlsx")}, kinds_made
    warehouse = tmp_path_factory.mktemp("warehouse") / "sin.duckdb"
    report = ingest_landing(warehouse, landing, run_id="fuzz")
    return warehouse, report, made


def test_every_damaged_file_is_loaded_or_rejected_with_a_reason(fuzzed):
    _, report, made = fuzzed
    outcomes = {f.name: f for f in report.files}
    assert set(outcomes) | set(report.ignored) == set(made)
    assert not report.ignored
    for outcome in outcomes.values():
        assert outcome.status in ("loaded", "rejected", "already_seen"), outcome
        if outcome.status == "rejected":
            assert outcome.reason.strip(), outcome
    statuses = {f.status for f in report.files}
    assert {"loaded", "rejected"} <= statuses  # the damage both breaks files and leaves some readable


def test_every_row_read_is_loaded_or_quarantined(fuzzed):
    warehouse, report, _ = fuzzed
    with duckdb.connect(str(warehouse), read_only=True) as connection:
        for outcome in (f for f in report.files if f.status == "loaded"):
            loaded = connection.execute(
                f"select count(*) from {RAW[outcome.kind]} where _file_name = ?", [outcome.name]
            ).fetchall()[0][0]
            quarantined = connection.execute(
                "select count(distinct row_number) from quarantine.rows where file_name = ?", [outcome.name]
            ).fetchall()[0][0]
            assert (loaded, quarantined) == (outcome.rows_loaded, outcome.rows_quarantined), outcome
            assert loaded + quarantined == outcome.rows_read, outcome
