"""Every file the project publishes keeps the EES standard and discloses no suppressed figure."""

from __future__ import annotations

import csv
import datetime as dt

import pytest

from pipelines.publish.assets import OPEN_DATA_FILES
from pipelines.publish.standard import check_files
from tests.e2e.published import attack, ranges, rows
from tests.once import built_once

pytestmark = pytest.mark.e2e


@pytest.mark.parametrize("name", OPEN_DATA_FILES)
def test_each_current_file_keeps_the_ees_standard(sample_run, name):
    settings, _ = sample_run
    assert check_files(settings.current / f"{name}.csv", settings.current / f"{name}.meta.csv") == []


KEYS = {
    "sin_nature_characteristics": ("time_period", "quarter", "breakdown_topic", "breakdown", "nature_of_notification"),
    "sin_care_leaver_deaths": ("time_period", "age_group"),
}
CELLS = {
    "sin_nature_characteristics": "intermediate.int_characteristic_cells_counted",
    "sin_care_leaver_deaths": "intermediate.int_care_leaver_cells_counted",
}


def truth(analysts_copy) -> dict[str, dict[tuple[str, ...], int]]:
    """The true count of every published cell, from the analysts' copy (what the attack must not find)."""
    import duckdb

    found = {}
    with duckdb.connect(str(analysts_copy), read_only=True) as connection:
        for name, table in CELLS.items():
            columns = ", ".join(f"{c}::varchar" for c in KEYS[name])
            found[name] = {
                tuple(row[:-1]): row[-1]
                for row in connection.execute(f"select {columns}, number_notifications from {table}").fetchall()
            }
    return found


def given_away(found, true_counts) -> list[tuple[str, dict[str, str], int]]:
    """The cells the attack fixed at their true value."""
    return [
        (name, row, value)
        for name, pins in found.items()
        for row, value in pins
        if true_counts[name][tuple(row[k] for k in KEYS[name])] == value
    ]


def test_no_suppressed_figure_can_be_worked_out_from_the_published_files(sample_run):
    """A reader who takes every c as at least 1 and uses every sum at once (a plain LP over the CSVs)."""
    settings, _ = sample_run
    found = attack(settings.current)
    assert given_away(found, truth(settings.analysts_copy)) == []
    assert found == {"sin_nature_characteristics": [], "sin_care_leaver_deaths": []}


def test_the_attack_finds_figures_when_the_protecting_cells_are_shown(sample_run, tmp_path):
    """The same attack on a copy with every secondary c shown: the primary cells come back, exactly."""
    import shutil

    settings, _ = sample_run
    true_counts = truth(settings.analysts_copy)
    folder = tmp_path / "shown"
    shutil.copytree(settings.current, folder)
    path = folder / "sin_nature_characteristics.csv"
    data = rows(path)
    for row in data:
        value = true_counts["sin_nature_characteristics"][tuple(row[k] for k in KEYS["sin_nature_characteristics"])]
        if row["number_notifications"] == "c" and value > 2:
            row["number_notifications"] = str(value)
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(data[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(data)
    found = given_away(attack(folder), true_counts)
    assert found and all(name == "sin_nature_characteristics" for name, _, _ in found)


def test_suppression_hides_no_more_than_needed(sample_run):
    """At most 3 secondary cells for each primary one in every year, and no year hidden whole."""
    settings, _ = sample_run
    true_counts = truth(settings.analysts_copy)["sin_nature_characteristics"]
    data = rows(settings.current / "sin_nature_characteristics.csv")
    key = KEYS["sin_nature_characteristics"]
    assert all(r["number_notifications"] == "c" for r in data if 1 <= true_counts[tuple(r[k] for k in key)] <= 2)
    for year in {r["time_period"] for r in data}:
        cells = [r for r in data if r["time_period"] == year]
        primary = [r for r in cells if 1 <= true_counts[tuple(r[k] for k in key)] <= 2]
        hidden = [r for r in cells if r["number_notifications"] == "c"]
        assert len(hidden) - len(primary) <= 3 * len(primary), year
        assert len(hidden) < len(cells) / 2, year


def test_no_reader_can_tell_a_hidden_1_or_2_is_below_3(sample_run):
    """The independent attack's greatest value for each c whose true count is 1 or 2 is 3 or more."""
    settings, _ = sample_run
    true_counts = truth(settings.analysts_copy)
    checked = 0
    for name, found in ranges(settings.current).items():
        for row, least, greatest in found:
            value = true_counts[name][tuple(row[k] for k in KEYS[name])]
            assert least <= value <= greatest, (name, row)
            if value <= 2:
                checked += 1
                assert greatest >= 3, (name, row, least, greatest)
    assert checked > 0


def greedy_folder(settings, folder) -> None:
    """A copy of the current files with the characteristics' c as the greedy rule alone places them."""
    import shutil

    import duckdb

    from pipelines.disclosure.assets import SUPPRESSED_FILES
    from pipelines.disclosure.suppression import Cells, greedy
    from schemas.policy import policy

    file = SUPPRESSED_FILES[0]
    with duckdb.connect(str(settings.analysts_copy), read_only=True) as connection:
        cells = connection.sql(f"select * from intermediate.{file.cells}").pl().sort(*file.order)
    equations, known = file.equations(cells, policy())
    values = cells["number_notifications"].to_list()
    hidden = greedy(Cells(values, list(range(len(values))), known), equations, 2)
    key = KEYS[file.name]
    pattern = {
        tuple(str(row[k]) for k in key): (values[i], hidden[i]) for i, row in enumerate(cells.iter_rows(named=True))
    }
    shutil.copytree(settings.current, folder)
    path = folder / f"{file.name}.csv"
    data = rows(path)
    for row in data:
        value, hide = pattern[tuple(row[k] for k in key)]
        row["number_notifications"] = "c" if hide else str(value)
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(data[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(data)


def test_the_optimal_pattern_hides_fewer_cells_than_the_greedy_rule_or_protects_what_it_leaves_open(
    sample_run, tmp_path
):
    """On the sample, against the greedy rule alone: fewer cells in all; and in any year where the
    integer program hides more, the greedy pattern lets a reader bound a hidden 1 or 2 below 3
    (the independent attack shows it)."""
    import duckdb

    settings, _ = sample_run
    greedy_files = tmp_path / "greedy"
    greedy_folder(settings, greedy_files)
    name = "sin_nature_characteristics"
    optimal = rows(settings.current / f"{name}.csv")
    greedy = rows(greedy_files / f"{name}.csv")
    by_year = {
        year: (
            sum(r["number_notifications"] == "c" for r in optimal if r["time_period"] == year),
            sum(r["number_notifications"] == "c" for r in greedy if r["time_period"] == year),
        )
        for year in sorted({r["time_period"] for r in optimal})
    }
    assert sum(o for o, _ in by_year.values()) < sum(g for _, g in by_year.values()), by_year
    true_counts = truth(settings.analysts_copy)[name]
    weak = {
        row["time_period"]
        for row, _, greatest in ranges(greedy_files)[name]
        if true_counts[tuple(row[k] for k in KEYS[name])] <= 2 and greatest < 3
    }
    assert {year for year, (o, g) in by_year.items() if o > g} <= weak, (by_year, weak)
    with duckdb.connect(str(settings.analysts_copy), read_only=True) as connection:
        methods = connection.sql("select distinct method from pipeline.suppression_methods").fetchall()
    assert methods == [("integer programming",)]


def test_primary_suppression_leaves_no_1_or_2_in_the_suppressed_files(sample_run):
    settings, _ = sample_run
    for name in ("sin_nature_characteristics", "sin_care_leaver_deaths"):
        values = {row["number_notifications"] for row in rows(settings.current / f"{name}.csv")}
        assert not values & {"1", "2"}, name
    # The characteristics have small counts (so c); care leavers' ages are known, so none is hidden.
    assert "c" in {row["number_notifications"] for row in rows(settings.current / "sin_nature_characteristics.csv")}


def test_characteristic_topics_publish_serious_harm_and_other_combined(sample_run):
    settings, _ = sample_run
    published = rows(settings.current / "sin_nature_characteristics.csv")
    total_topic = {r["nature_of_notification"] for r in published if r["breakdown_topic"] == "Total"}
    sex_topic = {r["nature_of_notification"] for r in published if r["breakdown_topic"] == "Sex"}
    assert total_topic == {"Total", "Child death", "Serious harm", "Other"}
    assert sex_topic == {"Total", "Child death", "Serious harm and other"}
    quarters = {r["quarter"] for r in published}
    assert quarters == {"Total", "Q1", "Q2", "Q3", "Q4"}


def test_the_total_topic_agrees_with_the_national_totals_where_published(sample_run):
    settings, _ = sample_run
    totals = {
        (r["time_period"], r["nature_of_notification"]): r["number_notifications"]
        for r in rows(settings.current / "sin_total_notifications.csv")
    }
    for row in rows(settings.current / "sin_nature_characteristics.csv"):
        if row["breakdown_topic"] == "Total" and row["quarter"] == "Total" and row["number_notifications"] != "c":
            assert row["number_notifications"] == totals[(row["time_period"], row["nature_of_notification"])]


def test_subnational_rows_follow_the_las_of_each_year(sample_run):
    settings, _ = sample_run
    published = rows(settings.current / "sin_subnational.csv")
    la_2026 = {
        r["old_la_code"]: r
        for r in published
        if r["time_period"] == "2026" and r["geographic_level"] == "Local authority"
    }
    la_2021 = {
        r["old_la_code"] for r in published if r["time_period"] == "2021" and r["geographic_level"] == "Local authority"
    }
    la_2022 = {
        r["old_la_code"] for r in published if r["time_period"] == "2022" and r["geographic_level"] == "Local authority"
    }
    # Barnsley and Sheffield were recoded in May 2025: one row each in 2026, under the new codes
    assert la_2026["370"]["new_la_code"] == "E08000038"
    assert la_2026["373"]["new_la_code"] == "E08000039"
    # Northamptonshire (928) ended 31 March 2021: in 2021, not in 2022, when 940 and 941 begin
    assert "928" in la_2021 and "928" not in la_2022
    assert {"940", "941"} <= la_2022 and not {"940", "941"} & la_2021
    national = next(r for r in published if r["time_period"] == "2026" and r["geographic_level"] == "National")
    assert int(national["number_notifications"]) == sum(int(r["number_notifications"]) for r in la_2026.values())
    # Each region is its LAs' sum rounded half away from zero to 10 (written out here: 25 -> 30), k where
    # a non-zero sum rounds to 0.
    for region in (r for r in published if r["geographic_level"] == "Regional"):
        members = [
            int(r["number_notifications"])
            for r in published
            if r["geographic_level"] == "Local authority"
            and (r["time_period"], r["region_code"]) == (region["time_period"], region["region_code"])
        ]
        total = sum(members)
        rounded = (total + 5) // 10 * 10
        expected = "k" if total and not rounded else str(rounded)
        assert region["number_notifications"] == expected, (region["time_period"], region["region_name"])


def test_the_current_files_hold_complete_years_only(sample_run):
    """As at 1 October 2026, reporting year 2026 (to 31 March 2026) is the last complete one; 2027 is in
    progress and in no published file, at any level."""
    settings, _ = sample_run
    for name in OPEN_DATA_FILES:
        data = rows(settings.current / f"{name}.csv")
        first = 2025 if name == "sin_care_leaver_deaths" else 2019
        for level in {r["geographic_level"] for r in data}:
            years = {r["time_period"] for r in data if r["geographic_level"] == level}
            assert years == {str(y) for y in range(first, 2027)}, (name, level)


# Two small scenarios in one landing folder, built once (as at 1 October 2026) for the two tests below:
# a notification in a year that is complete and one in the year in progress; and LA context for 2024
# from every LA live then but one.
MISSING_CONTEXT = "805"


def live_las_2024() -> dict[str, str]:
    """LA code -> region code of every LA live at some time in reporting year 2024 (the reference list)."""
    from schemas.reference import local_authority_periods

    first, last = dt.date(2023, 4, 1), dt.date(2024, 3, 31)
    return {
        p.old_la_code: p.region_code
        for p in local_authority_periods()
        if p.start <= last and (p.end is None or p.end >= first)
    }


@pytest.fixture(scope="session")
def small_run(tmp_path_factory):
    """Once for every worker (tests/once.py); tests must not change it."""
    return built_once(tmp_path_factory, "small_run", small_landing_run)


def small_landing_run(root):
    from pipelines.runner import run_pipeline
    from pipelines.settings import load_settings
    from tests.conftest import AS_AT, notification, write_csv

    landing = root / "landing"
    landing.mkdir()
    write_csv(
        landing / "notifications_20260701.csv",
        [
            notification(
                record_updated_at="2025-06-10T10:00:00",
                incident_date="",
                la_aware_date="2025-06-09",
                notification_date="2025-06-10",
            ),
            notification(
                notification_id="SIN-000102",
                record_updated_at="2026-06-10T10:00:00",
                incident_date="",
                la_aware_date="2026-06-09",
                notification_date="2026-06-10",
            ),
        ],
    )
    write_csv(landing / "notifications_20240405.csv", [notification(notification_id="SIN-000103")])
    write_csv(
        landing / "la_context_2024.csv",
        [
            {
                "time_period": "2024",
                "la_code": code,
                "cin_31march": "30",
                "idaci_avgscore": "0.2",
                "ons_midyear_population": "1000",
            }
            for code in sorted(live_las_2024())
            if code != MISSING_CONTEXT
        ],
    )
    settings = load_settings(landing, root / "w" / "sin.duckdb", root / "publish")
    outcome = run_pipeline(settings, AS_AT, progress=lambda _line: None)
    assert outcome.success, outcome.failures
    return settings


def test_the_year_in_progress_is_on_the_internal_pages_only_marked_provisional(small_run):
    """As at 1 October 2026: a notification of June 2025 (year 2026, complete) and one of June 2026
    (year 2027, in progress). Only the first is in the files; both are on the internal page, the second
    marked year to date, provisional."""
    totals = rows(small_run.current / "sin_total_notifications.csv")
    assert {r["time_period"] for r in totals} == {str(y) for y in range(2019, 2027)}
    assert (
        next(r for r in totals if (r["time_period"], r["nature_of_notification"]) == ("2026", "Total"))[
            "number_notifications"
        ]
        == "1"
    )
    page = (small_run.internal / "timeliness.html").read_text(encoding="utf-8")
    assert "2027 Q1 (year to date, provisional)" in page
    assert "2026 Q1" in page and "2026 Q1 (year to date" not in page


def test_an_area_with_one_live_la_missing_its_context_gets_x_and_the_others_their_sums(small_run):
    """Every live LA has 1,000 children but one, which has no la_context row: its region and England are x;
    every other region is 1,000 times its live LAs (counted here from the reference list itself)."""
    live = live_las_2024()
    data = [r for r in rows(small_run.current / "sin_subnational.csv") if r["time_period"] == "2024"]
    england = next(r for r in data if r["geographic_level"] == "National")
    assert (england["ons_midyear_population"], england["cin_31march"], england["rate_per_10000_children"]) == (
        "x",
        "x",
        "x",
    )
    for region in (r for r in data if r["geographic_level"] == "Regional"):
        members = [code for code, parent in live.items() if parent == region["region_code"]]
        if MISSING_CONTEXT in members:
            assert region["ons_midyear_population"] == "x" and region["rate_per_10000_children"] == "x"
        else:
            assert region["ons_midyear_population"] == str(1000 * len(members)), region["region_name"]
            assert region["cin_31march"] == str(30 * len(members)), region["region_name"]


def test_each_la_feedback_file_holds_exactly_its_quarantined_rows(sample_run):
    """Every broken rule of every quarantined row is in exactly one feedback file: its LA's (the row's
    3-digit code; for a review row, its notification's LA), else unknown_la.csv (worked out here again)."""
    import re
    from collections import Counter

    import duckdb

    settings, _ = sample_run
    with duckdb.connect(str(settings.analysts_copy), read_only=True) as connection:
        quarantined = connection.execute(
            "select kind, la_code, notification_id, file_name, row_number, column_name, rule from quarantine.rows"
        ).fetchall()
        notified = dict(connection.execute("select notification_id, la_code from marts.fct_notifications").fetchall())
    expected = Counter()
    for kind, la_code, notification_id, file_name, row_number, column, rule in quarantined:
        la = la_code if la_code and re.fullmatch(r"\d{3}", la_code) else None
        if la is None and kind == "reviews":
            la = notified.get(notification_id)
        expected[(f"{la}.csv" if la else "unknown_la.csv", file_name, str(row_number), column, rule)] += 1
    found = Counter()
    for path in (settings.internal / "feedback").iterdir():
        for row in rows(path):
            found[(path.name, row["file_name"], row["row_number"], row["column_name"], row["rule"])] += 1
    assert found == expected and sum(found.values()) == len(quarantined) > 0


def test_the_panels_lists_hold_exactly_the_cases_and_counts_of_the_marts(sample_run):
    """open_overdue_cases.csv is every open overdue case of marts.fct_timeliness; the ranking's late and
    open overdue counts per LA are the mart's, for the last complete year and the year to date."""
    import duckdb

    settings, _ = sample_run
    with duckdb.connect(str(settings.analysts_copy), read_only=True) as connection:
        overdue = connection.execute(
            "select notification_id, measure, deadline_date::varchar from marts.fct_timeliness where is_open_overdue"
        ).fetchall()
        late = connection.execute(
            """
            select reporting_year::varchar, measure, published_la_code,
                   count(*) filter (where is_complete and not is_on_time), count(*) filter (where is_open_overdue)
            from marts.fct_timeliness where is_measured and reporting_year in (2026, 2027)
            group by all having count(*) filter (where (is_complete and not is_on_time) or is_open_overdue) > 0
            """
        ).fetchall()
    listed = rows(settings.internal / "open_overdue_cases.csv")
    assert sorted((r["notification_id"], r["measure"], r["deadline_date"]) for r in listed) == sorted(overdue)
    assert all(int(r["working_days_overdue"]) >= 1 for r in listed)
    ranking = rows(settings.internal / "timeliness_la_ranking.csv")
    assert {
        (r["reporting_year"], r["measure"], r["la_code"], int(r["late"]), int(r["open_overdue"])) for r in ranking
    } == set(late)
    assert {(r["reporting_year"], r["period"]) for r in ranking} <= {
        ("2026", "last complete year"),
        ("2027", "year to date, provisional"),
    }
