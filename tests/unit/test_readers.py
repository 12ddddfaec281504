"""File-level rules (docs/extracts.md §4): what rejects a whole file, and what a reader keeps."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from pipelines.ingest.landing import classify
from pipelines.ingest.readers import FileRejected, read_extract
from schemas.contracts import NOTIFICATIONS
from tests.conftest import VALID_NOTIFICATION, notification, write_csv, write_xlsx

HEADER = ",".join(VALID_NOTIFICATION)
ROW = ",".join(VALID_NOTIFICATION.values())


def read_bytes(tmp_path: Path, data: bytes, name: str = "notifications_20220630.csv"):
    path = tmp_path / name
    path.write_bytes(data)
    return read_extract(path, NOTIFICATIONS)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "is empty (0 bytes)"),
        (b"\x00\x01\x02garbage\x00", "binary data"),
        ((HEADER + "\n" + ROW.replace("Y", "\xff")).encode("latin-1"), "is not UTF-8"),
        ((HEADER + "\n" + ROW + ",extra\n").encode(), "line 2 has 22 fields where the header has 21"),
        ((HEADER + "\n" + ROW + "\n" + ROW.rsplit(",", 1)[0] + "\n").encode(), "line 3 has 20 fields"),
        (HEADER.replace(",", ";").encode() + b"\n", "not comma-separated"),
        (HEADER.replace(",la_code", "").encode() + b"\n", "missing required column(s): la_code"),
        ((HEADER + ", NATURE ").encode() + b"\n", "two columns named 'nature'"),
    ],
    ids=[
        "empty",
        "binary",
        "latin-1",
        "more-fields",
        "fewer-fields",
        "semicolons",
        "missing-column",
        "duplicate-column",
    ],
)
def test_a_broken_csv_is_rejected_whole_with_one_clear_reason(tmp_path, data, message):
    with pytest.raises(FileRejected, match=message.replace("(", r"\(").replace(")", r"\)")):
        read_bytes(tmp_path, data)


def test_a_header_with_no_rows_loads_zero_rows(tmp_path):
    assert read_bytes(tmp_path, (HEADER + "\n").encode()).frame.height == 0


def test_a_byte_order_mark_and_untidy_headers_are_fine(tmp_path):
    header = ",".join(f"  {name.upper()} " for name in VALID_NOTIFICATION)
    extract = read_bytes(tmp_path, b"\xef\xbb\xbf" + (header + "\n" + ROW + "\n").encode())
    assert extract.frame.height == 1
    assert extract.frame["notification_id"][0] == "SIN-000101"


def test_values_are_trimmed_and_blanks_are_null(tmp_path):
    row = ROW.replace("SIN-000101", "  SIN-000101 ").replace(",805,", ",  ,")
    extract = read_bytes(tmp_path, (HEADER + "\n" + row + "\n").encode())
    assert extract.frame["notification_id"][0] == "SIN-000101"
    assert extract.frame["la_code"][0] is None


def test_identifying_and_extra_columns_are_dropped_unread(tmp_path):
    rows = [notification(child_name="Ada Lovelace", postcode="AB1 2CD", incident_summary="free text", notes="x")]
    extract = read_extract(write_csv(tmp_path / "notifications_20220630.csv", rows), NOTIFICATIONS)
    assert extract.dropped_identifying == ["child_name", "incident_summary", "postcode"]
    assert extract.extra_columns == ["notes"]
    assert set(extract.frame.columns) == set(VALID_NOTIFICATION)
    assert "Ada Lovelace" not in extract.frame.write_csv()


def test_an_optional_column_may_be_absent(tmp_path):
    rows = [{k: v for k, v in VALID_NOTIFICATION.items() if k not in ("incident_date", "duplicate_of")}]
    extract = read_extract(write_csv(tmp_path / "notifications_20220630.csv", rows), NOTIFICATIONS)
    assert extract.frame["incident_date"][0] is None


def test_xlsx_date_cells_and_number_cells_arrive_as_contract_text(tmp_path):
    path = write_xlsx(
        tmp_path / "notifications_20220630.xlsx",
        [notification(child_name="Ada Lovelace")],
        date_columns=("incident_date", "la_aware_date", "notification_date"),
    )
    extract = read_extract(path, NOTIFICATIONS)
    row = extract.frame.row(0, named=True)
    assert row["notification_date"] == "2022-06-07"
    assert row["la_code"] == "805"
    assert row["record_version"] == "1"
    assert extract.dropped_identifying == ["child_name"]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "is empty"),
        ((HEADER + "\n" + ROW + "\n").encode(), "not a readable XLSX workbook"),
        (b"PK\x03\x04 damaged zip", "not a readable XLSX workbook"),
    ],
    ids=["empty", "csv-renamed", "damaged"],
)
def test_a_broken_workbook_is_rejected(tmp_path, data, message):
    with pytest.raises(FileRejected, match=message):
        read_bytes(tmp_path, data, "notifications_20220630.xlsx")


def test_an_empty_first_sheet_is_rejected(tmp_path):
    import xlsxwriter

    path = tmp_path / "notifications_20220630.xlsx"
    workbook = xlsxwriter.Workbook(str(path))
    workbook.add_worksheet()
    workbook.close()
    with pytest.raises(FileRejected, match="empty first sheet"):
        read_extract(path, NOTIFICATIONS)


@pytest.mark.parametrize(
    ("name", "kind", "day", "year", "problem"),
    [
        ("notifications_20240405.csv", "notifications", dt.date(2024, 4, 5), None, None),
        ("reviews_20240405_resend.XLSX", "reviews", dt.date(2024, 4, 5), None, None),
        ("la_context_2024.csv", "la_context", None, 2024, None),
        ("notifications_20240230.csv", "notifications", None, None, "no valid export date"),
        ("notifications_latest.csv", "notifications", None, None, "no valid export date"),
        ("la_context_24.csv", "la_context", None, None, "no valid reporting year"),
        ("notifications_20240405.xls", "notifications", None, None, "not a CSV or XLSX file"),
    ],
)
def test_the_name_tells_the_kind_and_date(name, kind, day, year, problem):
    landed = classify(Path(name))
    assert (landed.kind, landed.file_date, landed.reporting_year) == (kind, day, year)
    if problem is None:
        assert landed.problem is None
    else:
        assert landed.problem is not None and problem in landed.problem


def test_a_file_of_any_other_name_is_left_alone():
    assert classify(Path("readme.txt")) is None
    assert classify(Path("notification_20240405.csv")) is None
