"""Shared fixtures: valid extract rows, and helpers that write extract files."""

from __future__ import annotations

import csv
import datetime as dt
import importlib.util
import os
import shutil
import subprocess
from pathlib import Path

import pytest
import xlsxwriter
from dbt.constants import PARTIAL_PARSE_FILE_NAME

from pipelines.runner import RunOutcome, run_pipeline
from pipelines.settings import SAMPLE_LANDING, Settings, load_settings
from tests.dbt_command import dbt, empty_sources
from tests.once import built_once

os.environ.setdefault("DBT_SEND_ANONYMOUS_USAGE_STATS", "false")

PROJECT_ROOT = Path(__file__).resolve().parents[1]
TESTS = Path(__file__).resolve().parent


# tests/spark needs pyspark, dbt-spark and Java, which only the Spark environment has (`make test-spark`).
collect_ignore = [] if importlib.util.find_spec("pyspark") else ["spark"]


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """A test's folder decides its marker, so `-m "not e2e and not browser"` (make test-fast) is exact."""
    for item in items:
        folder = Path(item.fspath).resolve().relative_to(TESTS).parts[0]
        if folder in ("e2e", "browser", "spark"):
            item.add_marker(getattr(pytest.mark, folder))


VALID_NOTIFICATION = {
    "notification_id": "SIN-000101",
    "record_version": "1",
    "record_updated_at": "2022-06-07T10:00:00",
    "record_status": "active",
    "duplicate_of": "",
    "la_code": "805",
    "incident_date": "2022-05-25",
    "la_aware_date": "2022-05-27",
    "notification_date": "2022-06-07",
    "nature": "child_death",
    "abuse_neglect": "known",
    "children_involved": "1",
    "child_sex": "M",
    "child_age": "0",
    "child_ethnicity": "WBRI",
    "child_disability": "N",
    "child_looked_after": "N",
    "child_cin_plan": "N",
    "child_cp_plan": "N",
    "known_to_agency": "Y",
    "placement_type": "home",
}

VALID_REVIEW = {
    "notification_id": "SIN-000101",
    "record_updated_at": "2022-07-01T09:00:00",
    "rapid_review_received_date": "2022-06-20",
    "rapid_review_outcome": "lcspr",
    "lcspr_decision_date": "2022-06-30",
    "lcspr_sent_to_panel_date": "2022-12-01",
    "lcspr_published_date": "2022-12-20",
}

VALID_LA_CONTEXT = {
    "time_period": "2024",
    "la_code": "805",
    "cin_31march": "1200",
    "idaci_avgscore": "0.215",
    "ons_midyear_population": "21000",
}


def write_csv(path: Path, rows: list[dict], header: list[str] | None = None) -> Path:
    header = header or list(rows[0])
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=header, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    return path


def write_xlsx(path: Path, rows: list[dict], date_columns: tuple[str, ...] = ()) -> Path:
    workbook = xlsxwriter.Workbook(str(path))
    sheet = workbook.add_worksheet()
    date_format = workbook.add_format({"num_format": "yyyy-mm-dd"})
    header = list(rows[0])
    sheet.write_row(0, 0, header)
    for r, row in enumerate(rows, start=1):
        for c, name in enumerate(header):
            value = row[name]
            if name in date_columns and value:
                sheet.write_datetime(r, c, dt.datetime.fromisoformat(value), date_format)
            elif value.isdigit():
                sheet.write_number(r, c, int(value))
            elif value:
                sheet.write_string(r, c, value)
    workbook.close()
    return path


def notification(**changes: str) -> dict:
    return {**VALID_NOTIFICATION, **changes}


# dbt's parse of the project, which it keeps in a warehouse's target folder (`Settings.dbt_target`).
PARSE = PARTIAL_PARSE_FILE_NAME


@pytest.fixture
def run_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A test's own folder for whole runs, as `tmp_path` is, but at the same path for every test of
    this worker: emptied when the test starts, all but dbt's parse of the project in each warehouse's
    target folder. dbt parses the whole project again for a warehouse at a path it has not seen (the
    path is in its profile: about 3 s of CPU a run); here only a worker's first test at each path
    pays that, as only the first run of a real warehouse does. Copy a built warehouse in with
    `copy_into`, which leaves the parse in place. (A failed test's folder is emptied by the next test
    of its worker: run it alone, `-k`, to look at what it left.)"""
    folder = tmp_path_factory.getbasetemp() / "runs"
    folder.mkdir(exist_ok=True)
    for parent, folders, files in os.walk(folder, topdown=False):
        for name in files:
            if name != PARSE:
                os.unlink(os.path.join(parent, name))
        for name in folders:
            path = os.path.join(parent, name)
            if os.path.islink(path):
                os.unlink(path)
            elif not os.listdir(path):
                os.rmdir(path)
    return folder


def copy_into(source: Path, target: Path) -> None:
    """`source`'s files into `target` (symbolic links as links), all but dbt's parse: the one
    `target` keeps is for its own paths (`run_folder`)."""
    shutil.copytree(source, target, symlinks=True, dirs_exist_ok=True, ignore=shutil.ignore_patterns(PARSE))


@pytest.fixture
def landing(tmp_path: Path) -> Path:
    folder = tmp_path / "landing"
    folder.mkdir()
    return folder


AS_AT = dt.date(2026, 10, 1)


@pytest.fixture(scope="session")
def sample_run(tmp_path_factory):
    """`sinstats run` on the committed sample, as `make run` does (about 25 s), once for every worker
    (tests/once.py). Tests must not change it."""

    def build(root: Path) -> tuple[Settings, RunOutcome]:
        settings = load_settings(SAMPLE_LANDING, root / "warehouse" / "sin.duckdb", root / "publish")
        return settings, run_pipeline(settings, AS_AT, progress=lambda _line: None)

    return built_once(tmp_path_factory, "sample_run", build)


@pytest.fixture(scope="session")
def empty_build(tmp_path_factory) -> tuple[Path, Path, subprocess.CompletedProcess[str]]:
    """`dbt build --empty` on a warehouse with no extract rows: every model made with no rows, each
    after its dbt unit tests. The database, the dbt work folder (target/, logs/) and dbt's result,
    once for every worker (tests/once.py). Tests must not change it: a test that writes rows works
    on a copy of the database."""

    def build(work: Path) -> tuple[Path, Path, subprocess.CompletedProcess[str]]:
        database = work / "empty.duckdb"
        empty_sources(database)
        return database, work, dbt(["build", "--empty"], database, work)

    return built_once(tmp_path_factory, "empty_build", build)
