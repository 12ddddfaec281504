"""`sinstats release YEAR`: the bundle, its reproducibility after later extracts, and revisions."""

from __future__ import annotations

import datetime as dt
import hashlib
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import openpyxl
import pytest

from pipelines.publish.standard import check_files
from pipelines.runner import run_pipeline
from pipelines.settings import SAMPLE_LANDING, load_settings
from tests.conftest import AS_AT, copy_into, write_csv
from tests.e2e.in_process import Finished, sinstats_here
from tests.e2e.published import attack, rows
from tests.once import built_once

pytestmark = pytest.mark.e2e
SINSTATS = str(Path(sys.executable).with_name("sinstats"))
DATA_FILES = ("sin_nature_characteristics", "sin_subnational", "sin_total_notifications", "sin_timeliness")


def release(year: int, settings, *extra: str) -> Finished:
    """`sinstats release YEAR` in this process (tests/e2e/in_process.py); the killed releases and the
    usage mistakes below are real processes."""
    return sinstats_here(
        "release", str(year), "--warehouse", str(settings.warehouse), "--publish", str(settings.publish), *extra
    )


@pytest.fixture(scope="session")
def released(sample_run, tmp_path_factory):
    """A copy of the sample run's warehouse and landing folder, and the release for 2024 built from it:
    once for every worker (tests/once.py). Tests must not change it (`own_workspace` copies it)."""

    def build(root: Path):
        settings, _ = sample_run
        shutil.copytree(settings.warehouse.parent, root / "warehouse")
        shutil.copytree(SAMPLE_LANDING, root / "landing")
        workspace = load_settings(root / "landing", root / "warehouse" / "sin.duckdb", root / "publish")
        result = release(2024, workspace)
        assert result.returncode == 0, result.stderr
        folder = workspace.publish / "releases" / "2024"
        return workspace, (folder, {name: (folder / f"{name}.csv").read_bytes() for name in DATA_FILES}, result.stdout)

    return built_once(tmp_path_factory, "released", build)


@pytest.fixture
def workspace(released):
    return released[0]


@pytest.fixture
def first_build(released):
    return released[1]


def test_the_bundle_holds_every_file(first_build):
    folder, _, stdout = first_build
    names = {p.name for p in folder.iterdir()}
    for name in DATA_FILES:
        assert {f"{name}.csv", f"{name}.meta.csv"} <= names
    assert {
        "manifest.csv",
        "methodology.md",
        "revisions.csv",
        "serious_incident_notifications_2024.xlsx",
    } <= names
    # care leaver deaths were first collected in 2025: not in the 2024 release
    assert "sin_care_leaver_deaths.csv" not in names
    assert "Release written to" in stdout
    assert "QA report (never published): all " in stdout and " passed: " in stdout


def test_every_release_file_keeps_the_standard_and_discloses_nothing(first_build):
    folder, _, _ = first_build
    for name in DATA_FILES:
        assert check_files(folder / f"{name}.csv", folder / f"{name}.meta.csv") == []
    assert attack(folder) == {"sin_nature_characteristics": []}


def test_every_file_at_every_level_runs_from_2019_to_the_release_year_and_stops_there(first_build):
    folder, _, _ = first_build
    for name in DATA_FILES:
        data = rows(folder / f"{name}.csv")
        for level in {r["geographic_level"] for r in data}:
            years = {r["time_period"] for r in data if r["geographic_level"] == level}
            assert years == {str(y) for y in range(2019, 2025)}, (name, level)


def test_the_manifest_names_rows_and_checksums(first_build):
    folder, _, _ = first_build
    manifest = {r["file"]: r for r in rows(folder / "manifest.csv")}
    assert set(manifest) == {p.name for p in folder.iterdir()} - {"manifest.csv"}
    for name, entry in manifest.items():
        data = (folder / name).read_bytes()
        assert entry["sha256"] == hashlib.sha256(data).hexdigest()
        if name.endswith(".csv"):
            assert int(entry["rows"]) == len(rows(folder / name))


def test_the_spreadsheet_has_cover_contents_notes_and_tables(first_build):
    folder, _, _ = first_build
    workbook = openpyxl.load_workbook(folder / "serious_incident_notifications_2024.xlsx")
    assert workbook.sheetnames[:3] == ["Cover", "Contents", "Notes"]
    assert [n for n in workbook.sheetnames if n.startswith("Table_")] == [
        "Table_1",
        "Table_2",
        "Table_3",
        "Table_4",
    ]
    assert all(sheet.tables for sheet in workbook.worksheets if sheet.title.startswith("Table_"))


def test_the_spreadsheet_stores_numbers_as_numbers_and_explains_its_symbols(first_build):
    folder, _, _ = first_build
    workbook = openpyxl.load_workbook(folder / "serious_incident_notifications_2024.xlsx")
    assert workbook.properties.title == "Serious incident notifications, reporting year 2024"
    assert workbook.properties.creator == "Department for Education" and workbook.properties.subject
    assert workbook.custom_doc_props["Language"].value == "en-GB"
    assert workbook.properties.language == "en-GB"  # the document language (dc:language)
    assert workbook.properties.created == dt.datetime(2024, 6, 30)  # the release's cut-off
    notes = [row for row in workbook["Notes"].iter_rows(values_only=True) if isinstance(row[0], int)]
    assert any("c confidential" in text and "z not applicable" in text for _, text in notes)
    for sheet in (s for s in workbook.worksheets if s.title.startswith("Table_")):
        assert sheet.tables, sheet.title
        (table,) = sheet.tables.values()
        cells = [cell for row in sheet[table.ref][1:] for cell in row]
        title = sheet["A1"].value
        assert "[note " in title and any("Source:" in str(c.value) for c in sheet["A"]), sheet.title
        numbers = [c.value for c in cells if c.data_type == "n"]
        text = {c.value for c in cells if c.data_type == "s"}
        assert numbers, sheet.title
        # Text cells are labels (the first columns) or symbols: never a number stored as text.
        assert not any(str(value).replace(".", "", 1).isdigit() for value in text), sheet.title


def test_the_methodology_reads_its_thresholds_from_the_rules(first_build):
    text = (first_build[0] / "methodology.md").read_text()
    assert "as at the cut-off date 2024-06-30" in text
    assert "rounded to\n  the nearest 10" in text
    assert "Notification within 5 working days" in text


@pytest.fixture
def own_workspace(workspace, first_build, run_folder):
    """This test's own copy of the workspace with its first 2024 build, so no test sees another's changes
    (tests/conftest.py, `run_folder`)."""
    copy_into(workspace.warehouse.parent, run_folder / "warehouse")
    copy_into(workspace.landing, run_folder / "landing")
    copy_into(workspace.publish, run_folder / "publish")
    settings = load_settings(
        run_folder / "landing", run_folder / "warehouse" / workspace.warehouse.name, run_folder / "publish"
    )
    folder = settings.publish / "releases" / "2024"
    return settings, folder, first_build[1]


def _later_version(warehouse: Path, stamp: str, change: dict[str, str]) -> dict[str, str]:
    """A new version of a counted 2024 serious-harm notification, as a later export would hold it."""
    with duckdb.connect(str(warehouse), read_only=True) as connection:
        connection.execute(
            """
            select n.* exclude (_file_name, _file_sha256, _file_date, _row_number, _loaded_at, _run_id)
            from raw.notifications n
            join marts.fct_notifications f using (notification_id)
            where f.is_counted and f.reporting_year = 2024 and f.nature = 'serious_harm'
              and n.record_version = f.record_version
            order by notification_id limit 1
            """
        )
        names = [d[0] for d in connection.description]
        row = dict(zip(names, connection.fetchone(), strict=True))
    text = {k: "" if v is None else str(v) for k, v in row.items()}
    text["record_version"] = str(row["record_version"] + 1)
    text["record_updated_at"] = stamp
    return {**text, **change}


def test_a_later_extract_stamped_after_the_cut_off_leaves_the_release_byte_identical(own_workspace):
    workspace, folder, before = own_workspace
    amended = _later_version(workspace.analysts_copy, "2026-05-01T10:00:00", {"nature": "child_death"})
    write_csv(workspace.landing / "notifications_20260601.csv", [amended])
    outcome = run_pipeline(workspace, AS_AT, progress=lambda _line: None)
    assert outcome.success, outcome.failures
    assert [f["status"] for f in outcome.report["files"] if f["status"] != "already_seen"] == ["loaded"]
    result = release(2024, workspace)
    assert result.returncode == 0, result.stderr
    assert "unchanged since this release was last built" in result.stdout
    for name in DATA_FILES:
        assert (folder / f"{name}.csv").read_bytes() == before[name], name


def test_a_version_stamped_before_the_cut_off_but_delivered_after_moves_figures_and_says_so(own_workspace):
    workspace, folder, before = own_workspace
    late = _later_version(workspace.analysts_copy, "2024-06-01T10:00:00", {"record_status": "withdrawn"})
    late["record_version"] = str(int(late["record_version"]) + 5)
    write_csv(workspace.landing / "notifications_20260701.csv", [late])
    assert run_pipeline(workspace, AS_AT, progress=lambda _line: None).success
    result = release(2024, workspace)
    assert result.returncode == 0, result.stderr
    assert "figures moved since this release was last built" in result.stdout
    assert (
        "sin_total_notifications 2024 National E92000001 nature_of_notification=Total number_notifications"
        in result.stdout
    )
    assert (folder / "sin_total_notifications.csv").read_bytes() != before["sin_total_notifications"]
    superseded = list((workspace.publish / "releases" / ".superseded").iterdir())
    assert len(superseded) == 1
    assert (superseded[0] / "sin_total_notifications.csv").read_bytes() == before["sin_total_notifications"]


def test_the_next_release_lists_revisions_against_this_one(own_workspace):
    workspace, folder_2024, _ = own_workspace
    result = release(2025, workspace)
    assert result.returncode == 0, result.stderr
    folder = workspace.publish / "releases" / "2025"
    revisions = rows(folder / "revisions.csv")
    assert "sin_care_leaver_deaths.csv" in {p.name for p in folder.iterdir()}
    assert list(revisions[0]) == [
        "file",
        "time_period",
        "geographic_level",
        "area_code",
        "filters",
        "indicator",
        "previous_value",
        "this_value",
    ]
    assert all(int(r["time_period"]) <= 2024 for r in revisions)
    previous = {
        (r["time_period"], r["nature_of_notification"]): r["number_notifications"]
        for r in rows(folder_2024 / "sin_total_notifications.csv")
    }
    current = {
        (r["time_period"], r["nature_of_notification"]): r["number_notifications"]
        for r in rows(folder / "sin_total_notifications.csv")
    }
    changed = {
        (r["time_period"], r["filters"].removeprefix("nature_of_notification="))
        for r in revisions
        if r["file"] == "sin_total_notifications"
    }
    assert changed == {key for key in previous if previous[key] != current[key]}


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["2017"], "YEAR is 2017, before the series starts: a release can be built for 2019 to"),
        (["2024", "--cut-off", "2024-03-31"], "before the reporting year ends"),
    ],
)
def test_release_usage_mistakes(workspace, args, message):
    result = subprocess.run(
        [SINSTATS, "release", *args, "--warehouse", str(workspace.warehouse)], capture_output=True, text=True
    )
    assert result.returncode == 2
    assert message in result.stderr


def test_release_without_an_analysts_copy_says_to_run_first(tmp_path):
    result = subprocess.run(
        [
            SINSTATS,
            "release",
            "2024",
            "--warehouse",
            str(tmp_path / "sin.duckdb"),
            "--publish",
            str(tmp_path),
        ],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 2
    assert "run `sinstats run` first" in result.stderr


# docs/outputs.md §2, typed out again here from the contract (never read from the code it checks).
YES_NO = ["Yes", "No", "Unknown"]
TOPICS = {
    "Total": ["Total"],
    "Sex": ["Male", "Female", "Unknown"],
    "Age group": ["Under 1", "1 to 5", "6 to 10", "11 to 15", "16 to 17", "Unknown"],
    "Ethnicity": [
        "White",
        "Mixed / Multiple ethnic groups",
        "Asian / Asian British",
        "Black / African / Caribbean / Black British",
        "Other ethnic group",
        "Unknown",
    ],
    "Disability": YES_NO,
    "Child looked after": YES_NO,
    "Child in need plan": YES_NO,
    "Child protection plan": YES_NO,
    "Known to any agency": YES_NO,
    "Placement type": [
        "Living at home or with family",
        "Foster placement",
        "Residential children's home (includes residential schools)",
        "Secure unit, young offender institution or custody",
        "Hospital (includes mother and baby units)",
        "Independent or semi-independent living",
        "Other (includes lodgings)",
        "Not known",
    ],
}
MANDATORY = ["time_period", "time_identifier", "geographic_level", "country_code", "country_name"]
GEOGRAPHY = ["region_code", "region_name", "new_la_code", "la_name", "old_la_code"]
COLUMNS = {
    "sin_nature_characteristics": [
        *MANDATORY,
        "quarter",
        "breakdown_topic",
        "breakdown",
        "nature_of_notification",
        "number_notifications",
    ],
    "sin_subnational": [
        *MANDATORY,
        *GEOGRAPHY,
        "number_notifications",
        "cin_31march",
        "idaci_avgscore",
        "ons_midyear_population",
        "rate_per_10000_children",
    ],
    "sin_total_notifications": [*MANDATORY, "nature_of_notification", "number_notifications"],
    "sin_care_leaver_deaths": [*MANDATORY, "age_group", "number_notifications"],
    "sin_timeliness": [
        *MANDATORY,
        *GEOGRAPHY,
        "measure",
        "number_due",
        "number_on_time",
        "percent_on_time",
        "median_working_days",
        "number_open_overdue",
    ],
}


def test_a_2026_release_of_the_sample_has_exactly_the_contracts_columns_and_items(own_workspace):
    workspace, _, _ = own_workspace
    result = release(2026, workspace)
    assert result.returncode == 0, result.stderr
    folder = workspace.publish / "releases" / "2026"
    for name, columns in COLUMNS.items():
        assert list(rows(folder / f"{name}.csv")[0]) == columns, name
        assert check_files(folder / f"{name}.csv", folder / f"{name}.meta.csv") == [], name
    cells = rows(folder / "sin_nature_characteristics.csv")
    for year in range(2019, 2027):
        part = [r for r in cells if r["time_period"] == str(year)]
        got = {(r["quarter"], r["breakdown_topic"], r["breakdown"], r["nature_of_notification"]) for r in part}
        expected = set()
        for topic, items in TOPICS.items():
            natures = ["Total", "Child death"]
            natures += ["Serious harm", "Other"] if topic == "Total" else ["Serious harm and other"]
            if topic == "Child looked after":
                natures += ["Child death: abuse/neglect", "Child death: no abuse/neglect"]
            quarters = ["Total", "Q1", "Q2", "Q3", "Q4"] if topic == "Total" else ["Total"]
            expected |= {(q, topic, item, n) for q in quarters for item in items for n in natures}
        assert got == expected and len(part) == len(expected), year
    care = rows(folder / "sin_care_leaver_deaths.csv")
    assert [(r["time_period"], r["age_group"]) for r in care] == [
        (y, g) for y in ("2025", "2026") for g in ("Total", "16 to 21", "22 to 24", "Unknown")
    ]
    measures = {r["measure"] for r in rows(folder / "sin_timeliness.csv")}
    assert measures == {
        "Notification within 5 working days",
        "Rapid review within 15 working days",
        "Local review published within 6 months",
        "Report sent 7 working days before publication",
    }
    manifest = {r["file"]: r for r in rows(folder / "manifest.csv")}
    entry = manifest["sin_nature_characteristics.csv"]
    primary, secondary = int(entry["cells_primary_suppressed"]), int(entry["cells_secondary_suppressed"])
    assert primary > 0 and secondary <= 3 * primary
    assert entry["suppression_method"] == "integer programming"
    assert (
        f"sin_nature_characteristics: {primary} cells hidden by primary suppression, {secondary} more by "
        "secondary suppression (integer programming)" in result.stdout
    )
    assert attack(folder) == {"sin_nature_characteristics": [], "sin_care_leaver_deaths": []}


def test_the_release_writes_its_qa_report_beside_it_and_a_sign_off_is_recorded(own_workspace):
    """Through the CLI: the QA report of the 2024 build (never in the release folder itself), all its
    checks passed; `--sign-off NAME` records who and the manifest's sha256; refused once a file of the
    release has changed."""
    import csv
    import hashlib

    settings, folder, _ = own_workspace
    qa = settings.publish / "releases" / ".qa" / "2024"
    assert {p.name for p in qa.iterdir()} == {"qa_report.html", "qa_checks.csv", "release.json"}
    assert not {"qa_report.html", "qa_checks.csv"} & {p.name for p in folder.iterdir()}
    with (qa / "qa_checks.csv").open(encoding="utf-8", newline="") as handle:
        checks = list(csv.DictReader(handle))
    assert checks and {c["result"] for c in checks} == {"pass"}
    assert {c["area"] for c in checks} >= {"National totals", "Sums of parts", "Disclosure", "EES standard"}
    signed = release(2024, settings, "--sign-off", "A Statistician")
    assert signed.returncode == 0, signed.stderr
    assert signed.stdout.startswith("Signed off: the release for 2024, by A Statistician")
    (line,) = rows(qa / "sign_off.csv")
    assert line["signed_off_by"] == "A Statistician"
    assert line["manifest_sha256"] == hashlib.sha256((folder / "manifest.csv").read_bytes()).hexdigest()
    (folder / "methodology.md").write_text("changed", encoding="utf-8")
    refused = release(2024, settings, "--sign-off", "A Statistician")
    assert refused.returncode == 1
    assert refused.stderr.strip() == (
        "sinstats release: sign-off refused: methodology.md of the release for 2024 has changed since it was built"
    )
    assert len(rows(qa / "sign_off.csv")) == 1


def whole(folder: Path) -> bool:
    """Every file the manifest names, with its hash, and no other file."""
    manifest = {r["file"]: r["sha256"] for r in rows(folder / "manifest.csv")}
    names = {p.name for p in folder.iterdir()} - {"manifest.csv"}
    return names == set(manifest) and all(
        hashlib.sha256((folder / name).read_bytes()).hexdigest() == sha for name, sha in manifest.items()
    )


def test_a_release_killed_at_any_point_leaves_the_old_one_whole_and_the_next_is_byte_identical(own_workspace):
    """Killed (SIGKILL) while dbt builds, and again the moment its bundle is being written: the release
    folder is the earlier build, whole, each time; the next release succeeds and equals the first."""
    import signal
    import time

    workspace, folder, _ = own_workspace
    first = {p.name: p.read_bytes() for p in folder.iterdir()}
    releases = workspace.publish / "releases"
    command = [SINSTATS, "release", "2024", "--warehouse", str(workspace.warehouse)]
    command += ["--publish", str(workspace.publish)]
    for when in ("during dbt", "writing the bundle"):
        process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline and process.poll() is None:
            scratch = list(releases.glob(".building-2024-*/2024"))
            if (when == "during dbt" and list(releases.glob(".building-2024-*/warehouse.duckdb"))) or (
                when == "writing the bundle" and scratch
            ):
                time.sleep(2 if when == "during dbt" else 0)
                break
            time.sleep(0.05)
        process.send_signal(signal.SIGKILL)
        process.wait()
        assert whole(folder), when
        assert {p.name: p.read_bytes() for p in folder.iterdir()} == first, when
    result = release(2024, workspace)
    assert result.returncode == 0, result.stderr
    assert {p.name: p.read_bytes() for p in folder.iterdir()} == first
    assert not list(releases.glob(".building-*"))
