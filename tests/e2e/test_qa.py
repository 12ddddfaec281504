"""The QA report's checks (pipelines/release/qa.py): each passes on the sample's published files and
fails, with the figures that decide it, on a copy broken on purpose; and the sign-off is refused
while any check fails or once a file of the release has changed."""

from __future__ import annotations

import csv
import datetime as dt
import shutil
from pathlib import Path

import duckdb
import pytest

from pipelines.publish.assets import OPEN_DATA_FILES
from pipelines.release import qa
from pipelines.release.bundle import write_manifest
from pipelines.release.compare import figure_changes, write_changes
from pipelines.release.swap import QA_FOLDER
from schemas.policy import policy
from tests.e2e.published import rows

pytestmark = pytest.mark.e2e
CUT_OFF = dt.date(2026, 10, 1)  # the sample run's as-at date: its files are "a release" as at then


def write_rows(path: Path, data: list[dict[str, str]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(data[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(data)


def edit(path: Path, change) -> None:
    """Apply `change(row)` to the rows until it returns True for one (it changes that one)."""
    data = rows(path)
    assert any(change(row) for row in data), path
    write_rows(path, data)


@pytest.fixture
def released(sample_run, tmp_path):
    """The sample's current files as a release folder of our own (with an empty revisions.csv)."""
    settings, _ = sample_run
    folder = tmp_path / "2026"
    shutil.copytree(settings.current, folder)
    write_changes([], folder / "revisions.csv")
    return folder, settings.analysts_copy


def failed(checks: list[qa.Check]) -> list[qa.Check]:
    return [check for check in checks if not check.passed]


def all_checks(folder: Path, copy: Path, previous: Path | None = None) -> list[qa.Check]:
    with duckdb.connect(str(copy), read_only=True) as connection:
        return qa.qa_checks(folder, OPEN_DATA_FILES, 2026, CUT_OFF, previous, CUT_OFF, connection, policy())


def test_every_check_passes_on_the_published_files(released):
    folder, copy = released
    checks = all_checks(folder, copy)
    assert {check.area for check in checks} == {
        "National totals",
        "Sums of parts",
        "Revisions",
        "Areas that moved",
        "Suppression",
        "EES standard",
        "Disclosure",
    }
    assert failed(checks) == []


def set_national(row: dict[str, str]) -> bool:
    if row["time_period"] == "2023" and row["geographic_level"] == "National":
        row["number_notifications"] = str(int(row["number_notifications"]) + 1)
        return True
    return False


def test_a_national_total_that_differs_between_files_fails(released):
    folder, _ = released
    (total,) = [
        int(r["number_notifications"])
        for r in rows(folder / "sin_total_notifications.csv")
        if (r["time_period"], r["nature_of_notification"]) == ("2023", "Total")
    ]
    edit(folder / "sin_subnational.csv", set_national)
    (broken,) = failed(qa.national_totals(folder, ["2022", "2023"]))
    assert broken.check.startswith("2023:") and f"sin_subnational {total + 1}," in broken.figures
    assert f"sin_total_notifications {total}," in broken.figures


def test_a_sum_whose_parts_do_not_add_up_fails(released):
    folder, _ = released

    def one_more(row: dict[str, str]) -> bool:
        wanted = ("2024", "Total", "Sex", "Total")
        key = (row["time_period"], row["quarter"], row["breakdown_topic"], row["nature_of_notification"])
        if key == wanted and row["number_notifications"] != "c":
            row["number_notifications"] = str(int(row["number_notifications"]) + 1)
            return True
        return False

    edit(folder / "sin_nature_characteristics.csv", one_more)

    regions = []

    def region_off(row: dict[str, str]) -> bool:
        if row["geographic_level"] == "Regional" and row["time_period"] == "2025":
            row["number_notifications"] = str(int(row["number_notifications"]) + 10)
            regions.append(row["region_name"])
            return True
        return False

    edit(folder / "sin_subnational.csv", region_off)
    broken = failed(qa.sums_of_parts(folder, policy()))
    assert [check.check.split(":")[0] for check in broken] == ["sin_nature_characteristics", "sin_subnational"]
    assert "do not add up; row" in broken[0].figures and not broken[0].figures.startswith("0 sums")
    assert f"2025 {regions[0]}: LAs add to" in broken[1].figures


def test_a_revision_no_change_in_the_data_explains_is_flagged(released, tmp_path):
    folder, copy = released
    previous = tmp_path / "2025"
    shutil.copytree(folder, previous)
    edit(previous / "sin_total_notifications.csv", lambda row: row["time_period"] == "2020" and set_total(row))
    write_changes(figure_changes(previous, folder, OPEN_DATA_FILES), folder / "revisions.csv")
    with duckdb.connect(str(copy), read_only=True) as connection:
        # Between a cut-off and itself no version was saved: nothing can explain a moved figure.
        (check,) = qa.revisions(folder, previous, CUT_OFF, CUT_OFF, connection)
        assert not check.passed and check.check == "sin_total_notifications 2020: 1 figures moved"
        assert check.figures.startswith("not explained by any change in the data: 0 notifications of 2020")
        # Over the whole series every figure has its notifications' versions behind it.
        (check,) = qa.revisions(folder, previous, dt.date(2018, 1, 1), CUT_OFF, connection)
        assert check.passed and check.figures.startswith("explained: ")


def set_total(row: dict[str, str]) -> bool:
    row["number_notifications"] = str(int(row["number_notifications"]) + 3)
    return True


def test_an_area_that_moved_by_more_than_the_threshold_fails(released):
    folder, _ = released

    def doubled(row: dict[str, str]) -> bool:
        if row["time_period"] == "2026" and row["geographic_level"] == "Local authority" and row["old_la_code"]:
            row["number_notifications"] = str(int(row["number_notifications"]) * 2 + 20)
            return True
        return False

    edit(folder / "sin_subnational.csv", doubled)
    (check,) = qa.areas_moved(folder, 2026, policy())
    assert not check.passed and check.figures.startswith("1 moved; Local authority ")


def test_a_year_with_more_than_3_secondary_cells_per_primary_fails(released):
    folder, copy = released
    path = folder / "sin_nature_characteristics.csv"
    data = rows(path)
    year = [r for r in data if r["time_period"] == "2022"]
    for row in year[: len(year) // 2]:
        if row["quarter"] != "Total" or row["breakdown_topic"] != "Total":
            row["number_notifications"] = "c"
    write_rows(path, data)
    with duckdb.connect(str(copy), read_only=True) as connection:
        broken = failed(qa.suppression(folder, connection, policy()))
    assert [check.check for check in broken] == [
        "sin_nature_characteristics 2022: at most 3 secondary cells per primary cell"
    ]
    assert "method: integer programming" in broken[0].figures


def test_a_file_that_breaks_the_ees_standard_fails(released):
    folder, _ = released
    meta = folder / "sin_timeliness.meta.csv"
    write_rows(meta, rows(meta)[1:])
    broken = failed(qa.ees_standard(folder, OPEN_DATA_FILES))
    assert [check.check.split(":")[0] for check in broken] == ["sin_timeliness"]
    assert not broken[0].figures.startswith("0 problems")


def test_a_file_whose_counts_are_not_the_checked_tables_fails_the_disclosure_proof(released):
    folder, copy = released
    with duckdb.connect(str(copy), read_only=True) as connection:
        cells = dict(
            connection.sql(
                "select concat_ws('|', time_period, quarter, breakdown_topic, breakdown, nature_of_notification), "
                "number_notifications from intermediate.int_characteristic_cells_counted"
            ).fetchall()
        )

    def shown(row: dict[str, str]) -> bool:
        if row["number_notifications"] == "c":
            key = "|".join(row[k] for k in ("time_period", "quarter", "breakdown_topic", "breakdown"))
            row["number_notifications"] = str(cells[f"{key}|{row['nature_of_notification']}"])
            return True
        return False

    edit(folder / "sin_nature_characteristics.csv", shown)
    with duckdb.connect(str(copy), read_only=True) as connection:
        (check,) = failed(qa.disclosure_proof(folder, connection, policy()))
    assert check.figures.startswith("1 problems; the file's counts are not the checked table's")


def test_the_report_names_each_failure_and_a_sign_off_is_refused_until_every_check_passes(released, tmp_path):
    folder, copy = released
    releases = tmp_path / "releases"
    bundle = releases / "2026"
    shutil.copytree(folder, bundle)
    write_manifest(bundle, {})
    checks = all_checks(bundle, copy)
    broken = [*checks, qa.Check("National totals", "a check that failed <b>", False, "figures & more")]
    qa.write_qa(releases / QA_FOLDER / "2026", broken, 2026, CUT_OFF, bundle)
    report = (releases / QA_FOLDER / "2026" / qa.REPORT).read_text(encoding="utf-8")
    assert f"1 of {len(broken)} checks failed" in report
    assert "a check that failed &lt;b&gt;" in report and "figures &amp; more" in report and "<b>" not in report
    with pytest.raises(qa.SignOffRefused, match=f"1 of {len(broken)} QA checks failed for 2026"):
        qa.sign_off(releases, 2026, "A Statistician", dt.datetime(2026, 10, 2, 9, 0, tzinfo=dt.UTC))
    shutil.rmtree(releases / QA_FOLDER / "2026")
    qa.write_qa(releases / QA_FOLDER / "2026", checks, 2026, CUT_OFF, bundle)
    signed = qa.sign_off(releases, 2026, "=A Statistician", dt.datetime(2026, 10, 2, 9, 0, tzinfo=dt.UTC))
    (line,) = rows(signed)
    assert line == {
        "signed_off_by": "'=A Statistician",  # never a formula in a spreadsheet
        "signed_off_at": "2026-10-02T09:00:00+00:00",
        "manifest_sha256": qa.manifest_sha256(bundle),
    }
    with (bundle / "sin_timeliness.csv").open("a", encoding="utf-8") as handle:
        handle.write("\n")
    with pytest.raises(qa.SignOffRefused, match=r"sin_timeliness\.csv of the release for 2026 has changed"):
        qa.sign_off(releases, 2026, "A Statistician", dt.datetime(2026, 10, 2, 9, 0, tzinfo=dt.UTC))
