"""Incremental runs give exactly what a full rebuild gives (issue 15; README, "Incremental runs").

A property test: for each seed, a random sequence of days after a first day (seed 5's national
year and a half, `first_day_build`, built from scratch once for every test that starts there), each
with a few new files (new notifications, amendments, withdrawals, duplicate links across files and
loops, late lower versions, versions stamped long before they are delivered, quarantined newer
versions, review milestones, an la_context correction), and the as-at date moving on by a random
number of days (sometimes not at all). On the second of those days the build is planned as when a
model's SQL has changed: it makes that model and everything downstream in full and the rest
incrementally. After every day the warehouse that has taken the days one run at
a time is compared with a warehouse built from scratch over the same folder as at the same date:
every table of the marts, intermediate, publish and dashboards schemas, row for row, and every
published and internal CSV, byte for byte. The files are written here by a generator of this
test's own, not the product's.

`make test` runs one seed, 31, for four days after the first: its as-at date moves by 0, 3, 40 and
200 days (the last across 1 April, into a new reporting year), so one sequence meets each kind of
move. SINSTATS_PROPERTY_SEEDS="11,29" runs other seeds (seeds 11 and 29, three days each, ran until
2026-12-07: 40, 1, 40 and 200, 1, 1 days; twelve runs where this is eight).
"""

from __future__ import annotations

import copy
import csv
import dataclasses
import datetime as dt
import filecmp
import json
import os
import random
import re
import shutil
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pytest

from pipelines.parameters import london_today
from pipelines.runner import RunOutcome, run_pipeline
from pipelines.settings import Settings, load_settings
from tests.conftest import copy_into
from tests.conftest import notification as valid_notification
from tests.dbt_command import dbt
from tests.once import built_once

# The seed `make test` runs, and the moves of the as-at date it makes (checked, so that a change to
# the generator that changes them is seen: then choose a seed that meets each kind of move again).
MAKE_TEST_SEED, MAKE_TEST_MOVES = 31, [0, 3, 40, 200]
SEEDS = [int(s) for s in os.environ.get("SINSTATS_PROPERTY_SEEDS", str(MAKE_TEST_SEED)).split(",")]
DAYS = 5  # the first day and four after it
# LAs live over the whole series (no reorganisation), in different regions.
LAS = ["201", "202", "204", "315", "353", "354", "802", "891"]
NATURES = ["child_death"] * 3 + ["serious_harm"] * 5 + ["other"] * 2 + ["care_leaver_death"]
ETHNICITIES = ["WBRI", "WIRI", "WROM", "MWBC", "AIND", "BAFR", "CHNE", "NOBT", "REFU"]
NOTIFICATION_COLUMNS = [
    "notification_id", "record_version", "record_updated_at", "record_status", "duplicate_of", "la_code",
    "incident_date", "la_aware_date", "notification_date", "nature", "abuse_neglect", "children_involved",
    "child_sex", "child_age", "child_ethnicity", "child_disability", "child_looked_after", "child_cin_plan",
    "child_cp_plan", "known_to_agency", "placement_type",
]  # fmt: skip
REVIEW_COLUMNS = [
    "notification_id", "record_updated_at", "rapid_review_received_date", "rapid_review_outcome",
    "lcspr_decision_date", "lcspr_sent_to_panel_date", "lcspr_published_date",
]  # fmt: skip
# Columns that say when this warehouse took a file, not what was in it: they differ between two
# warehouses that took the same files on different days, by design.
LOAD_TIME_COLUMNS = {"loaded_at", "first_seen_at", "rejected_at", "quarantined_at", "run_id"}
COMPARED_SCHEMAS = ("intermediate", "marts", "publish", "dashboards")
NOT_COMPARED = {"int_changed_notifications"}  # what an incremental build computed again: empty on a full one


@dataclass
class Series:
    """The notifications sent so far, as their LAs hold them: the latest version of each."""

    rng: random.Random
    latest: dict[str, dict[str, str]] = field(default_factory=dict)
    next_id: int = 1

    def new(self, day: dt.date, back: int = 60) -> dict[str, str]:
        rng = self.rng
        notified = max(dt.date(2018, 4, 1), day - dt.timedelta(days=rng.randint(0, back)))
        aware = notified - dt.timedelta(days=rng.randint(0, 9))
        nature = rng.choice(NATURES)
        row = {
            "notification_id": f"SIN-{self.next_id:06d}",
            "record_version": "1",
            "record_updated_at": f"{notified.isoformat()}T10:00:00",
            "record_status": "active",
            "duplicate_of": "",
            "la_code": rng.choice(LAS),
            "incident_date": (aware - dt.timedelta(days=rng.randint(0, 5))).isoformat(),
            "la_aware_date": aware.isoformat(),
            "notification_date": notified.isoformat(),
            "nature": nature,
            "abuse_neglect": rng.choice(["known", "suspected", "not_suspected"]),
            "children_involved": "1",
            "child_sex": rng.choice("MFU"),
            "child_age": str(rng.randint(18, 24) if nature == "care_leaver_death" else rng.randint(0, 17)),
            "child_ethnicity": rng.choice(ETHNICITIES),
            **{
                column: rng.choice("YNU")
                for column in ("child_disability", "child_looked_after", "child_cin_plan", "child_cp_plan")
            },
            "known_to_agency": rng.choice("YNU"),
            "placement_type": rng.choice(["home", "foster", "residential", "unknown"]),
        }
        self.next_id += 1
        return row

    def amended(self, day: dt.date, change: str) -> dict[str, str]:
        rng = self.rng
        old = self.latest[rng.choice(sorted(self.latest))]
        row = {**old, "record_version": str(int(old["record_version"]) + 1)}
        row["record_updated_at"] = f"{day.isoformat()}T{rng.randint(8, 17):02d}:00:00"
        if change == "withdraw":
            row["record_status"] = "withdrawn"
        elif change == "link":  # a duplicate link to another notification, loops and chains included
            row["duplicate_of"] = rng.choice(sorted(self.latest))
        elif change == "unlink":
            row["duplicate_of"] = ""
        elif change == "move":  # into another reporting year, another LA, another nature
            moved = dt.date.fromisoformat(old["notification_date"]) + dt.timedelta(days=rng.choice([-200, 120, 300]))
            moved = min(max(moved, dt.date(2018, 4, 1)), day)
            row.update(notification_date=moved.isoformat(), la_aware_date=moved.isoformat())
            row.update(incident_date=moved.isoformat(), la_code=rng.choice(LAS))
            row["nature"] = rng.choice(NATURES[:-1]) if old["nature"] != "care_leaver_death" else old["nature"]
        elif change == "reinstate":
            row["record_status"] = "active"
        return row


def write_csv(path: Path, columns: list[str], rows: list[dict[str, str]]) -> None:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, columns)
        writer.writeheader()
        writer.writerows(rows)


def la_context(year: int, rng: random.Random) -> list[dict[str, str]]:
    return [
        {
            "time_period": str(year),
            "la_code": la,
            "cin_31march": str(rng.randint(100, 4000)),
            "idaci_avgscore": f"{rng.uniform(0.1, 0.4):.3f}",
            "ons_midyear_population": str(rng.randint(20_000, 300_000)),
        }
        for la in LAS
    ]


def write_day(landing: Path, series: Series, day: dt.date, step: int) -> None:
    """One day's files: new notifications and changes to earlier ones, in one file or two. Every
    file has a name of its own (two runs can fall on the same day)."""
    rng = series.rng
    first = step == 0
    stamp = f"{day:%Y%m%d}_{step}"
    # The first day: a national year and a half (so that disclosure control can protect every
    # cell, as it can at the national volume; a few dozen rows in all cannot be protected). Later
    # days: a few new notifications, mostly recent.
    rows = [series.new(day, 540) for _ in range(900)] if first else [series.new(day) for _ in range(rng.randint(2, 8))]
    if not first:
        for change in rng.choices(["withdraw", "link", "unlink", "move", "reinstate"], k=rng.randint(3, 8)):
            rows.append(series.amended(day, change))
        # A new notification that duplicates one from an earlier file.
        duplicate = series.new(day)
        duplicate["duplicate_of"] = rng.choice(sorted(series.latest))
        rows.append(duplicate)
        # A late, lower version of a notification already amended: it must not stand.
        amended = [v for v in series.latest.values() if int(v["record_version"]) > 1]
        if amended:
            late = dict(rng.choice(amended))
            late.update(record_version=str(int(late["record_version"]) - 1), nature="other")
            late["record_updated_at"] = "2018-04-02T09:00:00"  # stamped long before it is delivered
            rows.append(late)
    split = rng.randint(0, len(rows)) if not first else len(rows)
    write_csv(landing / f"notifications_{stamp}.csv", NOTIFICATION_COLUMNS, rows[:split])
    if rows[split:]:
        write_csv(landing / f"notifications_{stamp}_b.csv", NOTIFICATION_COLUMNS, rows[split:])
    for row in rows:
        current = series.latest.get(row["notification_id"])
        if current is None or int(row["record_version"]) >= int(current["record_version"]):
            series.latest[row["notification_id"]] = row
    if not first and rng.random() < 0.7:
        # A newer version that breaks a rule: quarantined, and its notification flagged.
        target = dict(series.latest[rng.choice(sorted(series.latest))])
        target.update(record_version=str(int(target["record_version"]) + 1), nature="not_a_nature")
        target["record_updated_at"] = f"{day.isoformat()}T18:00:00"
        write_csv(landing / f"notifications_{stamp}_q.csv", NOTIFICATION_COLUMNS, [target])
    reviews = []
    for notification in rng.sample(sorted(series.latest.values(), key=lambda r: r["notification_id"]), k=6):
        notified = dt.date.fromisoformat(notification["notification_date"])
        received = min(notified + dt.timedelta(days=rng.randint(5, 40)), day)
        outcome = rng.choice(["pending", "lcspr", "no_lcspr"])
        decision = received + dt.timedelta(days=rng.randint(1, 20)) if outcome == "lcspr" else None
        sent = decision + dt.timedelta(days=rng.randint(60, 200)) if decision and rng.random() < 0.5 else None
        published = sent + dt.timedelta(days=rng.randint(10, 90)) if sent and rng.random() < 0.5 else None
        reviews.append(
            {
                "notification_id": notification["notification_id"],
                "record_updated_at": f"{day.isoformat()}T12:00:00",
                "rapid_review_received_date": received.isoformat(),
                "rapid_review_outcome": outcome,
                "lcspr_decision_date": decision.isoformat() if decision and decision <= day else "",
                "lcspr_sent_to_panel_date": sent.isoformat() if sent and sent <= day else "",
                "lcspr_published_date": published.isoformat() if published and published <= day else "",
            }
        )
    write_csv(landing / f"reviews_{stamp}.csv", REVIEW_COLUMNS, reviews)
    if first:
        for year in range(2019, day.year + 1):
            write_csv(landing / f"la_context_{year}.csv", list(la_context(year, rng)[0]), la_context(year, rng))
    elif rng.random() < 0.5:
        year = rng.randint(2019, day.year - 1)
        name = f"la_context_{year}_corrected_{stamp}.csv"  # replaces the year's figures
        write_csv(landing / name, list(la_context(year, rng)[0]), la_context(year, rng))


FIRST_DAY = dt.date(2025, 9, 1)


def first_day(tmp_path: Path, seed: int) -> tuple[Series, Path]:
    """A landing folder with a series' first day of files (as at FIRST_DAY), and the series."""
    series = Series(random.Random(seed))
    landing = tmp_path / "landing"
    landing.mkdir()
    write_day(landing, series, FIRST_DAY, 0)
    return series, landing


@dataclass(frozen=True)
class FirstDay:
    """Seed 5's first day of files, built as at FIRST_DAY into a warehouse of its own (under `root`:
    `landing/` and `incremental/`), with the series that made them. Tests take copies."""

    root: Path
    series: Series
    dbt_log: str  # the name of its run's dbt log, under the warehouse's logs/

    def copy(self, folder: Path) -> tuple[Series, Path, Settings]:
        """This test's own copy of the files, the warehouse and its published files, and of the series
        (so the next day's files are what the series would write next)."""
        copy_into(self.root, folder)
        landing = folder / "landing"
        return copy.deepcopy(self.series), landing, incremental_settings(landing, folder)


def incremental_settings(landing: Path, root: Path) -> Settings:
    return load_settings(landing, root / "incremental" / "sin.duckdb", root / "incremental" / "publish")


@pytest.fixture(scope="session")
def first_day_build(tmp_path_factory) -> FirstDay:
    def build(root: Path) -> FirstDay:
        series, landing = first_day(root, 5)
        outcome = run_pipeline(incremental_settings(landing, root), FIRST_DAY, progress=lambda _line: None)
        assert outcome.success, outcome.failures
        assert outcome.nothing_new_since is None
        return FirstDay(root, series, dbt_log_name(outcome))

    return built_once(tmp_path_factory, "first_day", build)


def built_from_scratch(landing: Path, folder: Path, as_at: dt.date) -> Settings:
    """A warehouse built from nothing over `landing` as at `as_at`, in `folder`. What an earlier build
    left there (warehouse, copy, run history, published files) is removed first, all but dbt's parse
    of the project in the warehouse's target folder: dbt parses afresh for every new warehouse path
    (the path is in its profile), and the same path lets a later rebuild reuse the parse, as any
    later run of one warehouse does. Nothing in the target folder decides what a build makes."""
    settings = load_settings(landing, folder / "sin.duckdb", folder / "publish")
    if folder.exists():
        for path in folder.iterdir():
            if path != settings.dbt_target:
                shutil.rmtree(path) if path.is_dir() and not path.is_symlink() else path.unlink()
    outcome = run_pipeline(settings, as_at, progress=lambda _line: None)
    assert outcome.success, outcome.failures
    assert build_mode(settings) == "full"
    return settings


def columns(connection: duckdb.DuckDBPyConnection, database: str, schema: str, table: str) -> str:
    names = connection.execute(
        "select column_name from duckdb_columns() where database_name = ? and schema_name = ? and table_name = ? "
        "order by column_index",
        [database, schema, table],
    ).fetchall()
    return ", ".join(f'"{name}"' for (name,) in names if name not in LOAD_TIME_COLUMNS)


def differing_tables(incremental: Path, full: Path) -> dict[str, tuple[int, int]]:
    """Each table whose rows differ: (rows only in the incremental one, rows only in the full one)."""
    differences = {}
    with duckdb.connect() as connection:
        connection.execute(f"attach '{incremental}' as incremental (read_only)")
        connection.execute(f"attach '{full}' as full_build (read_only)")
        tables = connection.execute(
            "select schema_name, table_name from duckdb_tables() where database_name = 'full_build' "
            f"and schema_name in {COMPARED_SCHEMAS} union all "
            "select schema_name, view_name from duckdb_views() where database_name = 'full_build' "
            f"and schema_name in {COMPARED_SCHEMAS} order by all"
        ).fetchall()
        assert len(tables) > 25
        for schema, table in tables:
            if table in NOT_COMPARED:
                continue
            chosen = columns(connection, "full_build", schema, table)
            only = [
                connection.sql(
                    f"select count(*) from (select {chosen} from {a}.{schema}.{table} "
                    f"except all select {chosen} from {b}.{schema}.{table})"
                ).fetchall()[0][0]
                for a, b in (("incremental", "full_build"), ("full_build", "incremental"))
            ]
            if any(only):
                differences[f"{schema}.{table}"] = (only[0], only[1])
    return differences


def differing_files(incremental: Settings, full: Settings) -> list[str]:
    """Every CSV of the current and internal folders that is not byte for byte the same."""
    found = []
    for folder in ("current", "internal"):
        a, b = incremental.publish / folder, full.publish / folder
        names = {p.relative_to(a) for p in a.rglob("*.csv")} | {p.relative_to(b) for p in b.rglob("*.csv")}
        assert any(name.name.startswith("sin_") for name in names) or folder == "internal"
        found += [f"{folder}/{name}" for name in sorted(names) if not filecmp.cmp(a / name, b / name, shallow=False)]
    return found


def build_mode(settings: Settings) -> str:
    with duckdb.connect(str(settings.analysts_copy), read_only=True) as connection:
        return (
            "incremental"
            if connection.sql("select is_incremental from reference.run_parameters").fetchall()[0][0]
            else "full"
        )


CHANGED_CODE_DAY = 2  # the day of each sequence on which int_timeliness_cases' code has changed


@pytest.mark.parametrize("seed", SEEDS)
def test_every_run_equals_a_full_rebuild_over_the_same_files(
    first_day_build: FirstDay, run_folder: Path, seed: int, monkeypatch
) -> None:
    from pipelines.transform import state

    series, landing, incremental = first_day_build.copy(run_folder)
    rng = series.rng = random.Random(seed)  # the days after the first are this seed's
    modes = [build_mode(incremental)]  # the first day's build, from scratch
    planned = state.plan_build

    def code_changed(*arguments, **keywords):
        return dataclasses.replace(planned(*arguments, **keywords), full_refresh_models=("int_timeliness_cases",))

    day, moves = FIRST_DAY, []
    for step in range(1, DAYS):
        # The as-at date moves on by a few days, or across a year end, or not at all.
        day, before = min(day + dt.timedelta(days=rng.choice([0, 1, 3, 40, 200])), london_today()), day
        moves.append((day - before).days)
        write_day(landing, series, day, step)
        with monkeypatch.context() as patch:
            if step == CHANGED_CODE_DAY:
                patch.setattr(state, "plan_build", code_changed)
            outcome = run_pipeline(incremental, day, progress=lambda _line: None)
        assert outcome.success, (seed, step, outcome.failures)
        modes.append(build_mode(incremental))
        if step == CHANGED_CODE_DAY:  # the two dbt commands of pipelines/transform/assets.py, recorded
            with duckdb.connect(str(incremental.analysts_copy), read_only=True) as connection:
                last = connection.sql(
                    "select is_incremental, full_refresh_models from pipeline.builds order by started_at desc limit 1"
                ).fetchall()
            assert last == [(True, ["int_timeliness_cases"])], (seed, step)
        full = built_from_scratch(landing, run_folder / "full", day)
        assert differing_tables(incremental.analysts_copy, full.analysts_copy) == {}, (seed, step, day)
        assert differing_files(incremental, full) == [], (seed, step, day)
    assert seed != MAKE_TEST_SEED or moves == MAKE_TEST_MOVES, moves
    # The runs after the first were incremental ones: the property is about them.
    assert modes[0] == "full" and set(modes[1:]) == {"incremental"}, modes
    with duckdb.connect(str(incremental.analysts_copy), read_only=True) as connection:
        quarantined = connection.sql("select count(*) from quarantine.rows").fetchall()[0][0]
        linked = connection.sql("select count(*) from marts.fct_notifications where counting_reason = 'duplicate'")
        withdrawn = connection.sql("select count(*) from marts.fct_notifications where record_status = 'withdrawn'")
        assert quarantined > 0 and linked.fetchall()[0][0] > 0 and withdrawn.fetchall()[0][0] > 0


def test_a_run_with_nothing_new_rebuilds_nothing_and_full_refresh_rebuilds_everything(run_folder: Path) -> None:
    _, landing = first_day(run_folder, 5)
    day = FIRST_DAY
    settings = incremental_settings(landing, run_folder)
    first = run_pipeline(settings, day, progress=lambda _line: None)
    assert first.success and first.nothing_new_since is None
    published = settings.current.resolve()
    files = {p.name: p.read_bytes() for p in published.iterdir() if p.is_file()}
    lines: list[str] = []
    again = run_pipeline(settings, day, progress=lines.append)
    assert again.success and again.nothing_new_since is not None
    assert "nothing new since the last good run" in again.summary()
    assert {f["status"] for f in again.report["files"]} == {"already_seen"}
    # Only the ingest and the bank holidays ran: no model, no page, no new published version.
    assert [line.split(":")[0] for line in lines if "done in" in line] == [
        "read, validate and load the extracts",
        "bank holidays",
    ]
    assert settings.current.resolve() == published
    # A run is recorded just before its analysts' copy is made: one that stopped before it re-pointed
    # PUBLISH/current (here, current left on another run's version) is not nothing new.
    other = published.parent.with_name("an-earlier-run")
    shutil.copytree(published.parent, other)
    (settings.publish / "current").unlink()
    (settings.publish / "current").symlink_to(other.relative_to(settings.publish) / "current")
    served_again = run_pipeline(settings, day, progress=lambda _line: None)
    assert served_again.success and served_again.nothing_new_since is None
    assert settings.current.resolve().parent.name == served_again.log.stem != published.parent.name
    # Built again from the files it had already loaded (it loads none): the same files, byte for byte.
    assert {f["status"] for f in served_again.report["files"]} == {"already_seen"}
    assert {p.name: p.read_bytes() for p in settings.current.iterdir() if p.is_file()} == files
    # A new as-at date is not nothing new; --full-refresh rebuilds every model.
    assert run_pipeline(settings, day + dt.timedelta(days=1), progress=lambda _line: None).nothing_new_since is None
    assert build_mode(settings) == "incremental"
    forced = run_pipeline(settings, day + dt.timedelta(days=1), progress=lambda _line: None, full_refresh=True)
    assert forced.success and forced.nothing_new_since is None and build_mode(settings) == "full"


def test_an_incremental_build_tests_the_rows_it_wrote_and_a_full_build_every_row(sample_run, tmp_path: Path) -> None:
    settings, outcome = sample_run
    assert outcome.success
    database = tmp_path / "sin.duckdb"
    shutil.copyfile(settings.analysts_copy, database)
    with duckdb.connect(str(database)) as connection:
        # A duplicate row of SIN-000001 that an (imagined) incremental build wrote.
        connection.execute(
            "insert into marts.fct_notifications select * from marts.fct_notifications where notification_id = 'SIN-000001'"
        )
        connection.execute(
            "create or replace table intermediate.int_changed_notifications as select 'SIN-000002' as notification_id"
        )

    def key_test_fails(incremental: bool, changed: str) -> bool:
        with duckdb.connect(str(database)) as connection:
            connection.execute("update reference.run_parameters set is_incremental = ?", [incremental])
            connection.execute("update intermediate.int_changed_notifications set notification_id = ?", [changed])
        result = dbt(["test", "--select", "fct_notifications,test_name:primary_key"], database, tmp_path)
        assert "Done." in result.stdout, result.stdout[-2000:]
        return result.returncode != 0

    assert key_test_fails(incremental=False, changed="SIN-000002")  # a full build tests every row
    assert key_test_fails(incremental=True, changed="SIN-000001")  # the rows this build wrote
    # Rows no build of this run wrote were tested when they were written: not again.
    assert not key_test_fails(incremental=True, changed="SIN-000002")


def run_results(settings: Settings) -> dict[str, str]:
    """What the last dbt command of a run executed: unique id -> status."""
    results = json.loads((settings.dbt_target / "run_results.json").read_text(encoding="utf-8"))
    return {result["unique_id"]: result["status"] for result in results["results"]}


# The models built from reference data alone (seeds and the bank holidays), and the tests that read
# only them; the one test that reads one of them and an extract's rows.
REFERENCE_MODELS = {"stg_reference__local_authorities", "dim_local_authority", "int_calendar_days", "dim_date"}
REFERENCE_TESTS = {
    "not_null_stg_reference__local_authorities_region_name",
    "unique_combination_stg_reference__local_authorities_old_la_code__new_la_code",
    "primary_key_dim_local_authority_la_spell_key",
    "primary_key_int_calendar_days_date_day",
    "primary_key_dim_date_date_day",
}
LA_CODES_KNOWN = "relationships_stg_raw__notifications_la_code__old_la_code__ref_stg_reference__local_authorities_"
# The views of the raw tables (left out while their code is unchanged, with their tests).
STAGING_VIEWS = {"stg_raw__notifications", "stg_raw__reviews", "stg_raw__la_context"}
DASHBOARD_VIEWS = {
    "files_received",
    "quarantined_rows_by_rule",
    "quarantined_rows_by_la",
    "rejected_files",
    "unrecognised_files",
}
BUILT = re.compile(r"^\d+ of \d+ (?:OK created \S+ \S+ model \w+\.(\w+)|PASS (\w+)) ", re.MULTILINE)


def built_in(outcome: RunOutcome) -> set[str]:
    """The models a run's dbt commands made and the tests they passed (the run's dbt log: every command)."""
    assert outcome.log is not None
    return built_by(outcome.log.with_name(dbt_log_name(outcome)))


def dbt_log_name(outcome: RunOutcome) -> str:
    assert outcome.log is not None
    return outcome.log.name.replace(".log", ".dbt.log")


def built_by(dbt_log: Path) -> set[str]:
    return {model or test for model, test in BUILT.findall(dbt_log.read_text(encoding="utf-8"))}


def test_a_later_run_leaves_unchanged_reference_data_as_made_and_makes_a_changed_one(
    first_day_build: FirstDay, run_folder: Path, monkeypatch
) -> None:
    """Seeds, and the models built from them and the bank holidays alone, that the last completed build
    made as they are now are left out of the run (Dagster neither runs them nor waits for them: the
    disclosure step, which reads the countries seed, still runs), with the tests that read only them."""
    from pipelines.reference import holidays as reference
    from pipelines.transform import state

    series, landing, settings = first_day_build.copy(run_folder)
    day = FIRST_DAY
    first = run_results(settings)  # the copied warehouse's first build
    seeds = {uid for uid in first if uid.startswith("seed.")}
    assert len(seeds) == 15 and all(first[uid] == "success" for uid in seeds)
    # The first build makes the views and checks every raw row.
    assert STAGING_VIEWS | DASHBOARD_VIEWS | {LA_CODES_KNOWN} <= built_by(settings.logs / first_day_build.dbt_log)

    day += dt.timedelta(days=2)
    write_day(landing, series, day, 1)
    outcome = run_pipeline(settings, day, progress=lambda _line: None)
    assert outcome.success, outcome.failures
    second = run_results(settings)
    made = built_in(outcome)
    assert not any(uid.startswith("seed.") for uid in second)
    assert "model.sinstats.fct_notifications" in second
    assert "fct_notifications" in made and not (REFERENCE_MODELS | REFERENCE_TESTS) & made
    manifest = json.loads((settings.dbt_target / "manifest.json").read_text(encoding="utf-8"))["nodes"]
    assert not any(manifest[uid].get("attached_node") in seeds for uid in second if uid.startswith("test."))
    # The staging views are left too, with their tests: the day's rows passed the ingest contract,
    # which checks all they check (tests/unit/test_staging_tests_follow_the_contract.py).
    views = {f"model.sinstats.{name}" for name in STAGING_VIEWS | DASHBOARD_VIEWS}
    assert not views & set(second) and LA_CODES_KNOWN not in made
    assert not any(manifest[uid].get("attached_node") in views for uid in second if uid.startswith("test."))
    assert "suppressed_tables" in outcome.log.read_text(encoding="utf-8")  # the disclosure step ran
    assert "wrote dbt_docs.html" in outcome.log.read_text(encoding="utf-8")

    # The ethnicity seed's file changed: it is loaded again, with its tests, and no other seed; the
    # view of the notifications is made and tested again (its accepted-values test reads the seed),
    # the other staging views are not.
    fingerprints = state.node_fingerprints

    def ethnicity_changed(*arguments):
        return {**fingerprints(*arguments), "ethnicity": "edited"}

    monkeypatch.setattr(state, "node_fingerprints", ethnicity_changed)
    day += dt.timedelta(days=1)
    assert run_pipeline(settings, day, progress=lambda _line: None).success
    third = run_results(settings)
    assert {uid for uid in third if uid.startswith("seed.")} == {"seed.sinstats.ethnicity"}
    assert any(manifest[uid].get("attached_node") == "seed.sinstats.ethnicity" for uid in third)
    assert views & set(third) == {"model.sinstats.stg_raw__notifications"}
    assert {uid for uid in third if manifest[uid].get("attached_node") in views} == {
        uid for uid, node in manifest.items() if node.get("attached_node") == "model.sinstats.stg_raw__notifications"
    }

    assert not REFERENCE_MODELS & {uid.split(".")[-1] for uid in third}

    # The bank holidays reach a year further: the calendar and the dates are made again, with their
    # tests, and the LAs are not.
    monkeypatch.setattr(reference, "YEARS_AHEAD", reference.YEARS_AHEAD + 1)
    day += dt.timedelta(days=1)
    fourth = run_pipeline(settings, day, progress=lambda _line: None)
    assert fourth.success, fourth.failures
    assert REFERENCE_MODELS & built_in(fourth) == {"int_calendar_days", "dim_date"}
    assert REFERENCE_TESTS & built_in(fourth) == {test for test in REFERENCE_TESTS if "date_day" in test}

    # Changed again between the run's start and its dbt step: the run stops and says so.
    def changed_since_start(*arguments):
        return {**fingerprints(*arguments), "ethnicity": "edited again"}

    monkeypatch.setattr(state, "node_fingerprints", changed_since_start)
    monkeypatch.setattr(state, "nodes_to_leave", lambda *_arguments: ["ethnicity"])
    published = settings.current.resolve()
    failed = run_pipeline(settings, day + dt.timedelta(days=1), progress=lambda _line: None)
    assert not failed.success
    assert any("LeftOutNodeChanged" in failure and "ethnicity" in failure for failure in failed.failures), (
        failed.failures
    )
    assert settings.current.resolve() == published


def case_rows(settings: Settings, query: str, *parameters: object) -> list[tuple]:
    with duckdb.connect(str(settings.analysts_copy), read_only=True) as connection:
        return connection.execute(query, list(parameters)).fetchall()


# Three notifications written by hand (LA aware, notified) for the edges of a move of the as-at date
# from Monday 31 March 2025 to Tuesday 1 April. A rapid review is due within 15 working days of the
# day the LA was aware (docs/rules.md §3; no bank holiday from 10 March to 2 April 2025):
YEAR_END = dt.date(2025, 3, 31)
EDGE_NOTIFICATIONS = [
    # Due on 31 March and still open: aware Monday 10 March; the 15 working days are 11 to 14, 17 to
    # 21, 24 to 28 March and 31 March.
    ("SIN-900001", "2025-03-10", "2025-03-10"),
    # Ended on 1 April: aware Wednesday 12 March, due on Wednesday 2 April (13, 14, 17 to 21, 24 to
    # 28, 31 March, 1 and 2 April), received on 1 April (EDGE_REVIEW): on time.
    ("SIN-900002", "2025-03-12", "2025-03-14"),
    # Notified on 1 April, the first day of reporting year 2026 (the LA aware on 31 March).
    ("SIN-900003", "2025-03-31", "2025-04-01"),
]
EDGE_REVIEW = {
    **dict.fromkeys(REVIEW_COLUMNS, ""),
    "notification_id": "SIN-900002",
    "record_updated_at": "2025-04-01T09:00:00",
    "rapid_review_received_date": "2025-04-01",
    "rapid_review_outcome": "pending",
}


def write_edges(landing: Path) -> None:
    """The three edge notifications (tests/conftest.py's valid row, with abuse known) and the review of
    the second, in files of their own."""
    rows = [
        valid_notification(
            notification_id=notification_id,
            record_updated_at=f"{notified}T10:00:00",
            la_code="201",
            incident_date=aware,
            la_aware_date=aware,
            notification_date=notified,
            nature="serious_harm",
        )
        for notification_id, aware, notified in EDGE_NOTIFICATIONS
    ]
    write_csv(landing / f"notifications_{FIRST_DAY:%Y%m%d}_edges.csv", NOTIFICATION_COLUMNS, rows)
    write_csv(landing / f"reviews_{FIRST_DAY:%Y%m%d}_edges.csv", REVIEW_COLUMNS, [EDGE_REVIEW])


def test_a_moved_as_at_date_recomputes_each_case_it_reaches_at_the_edges_of_its_range(
    first_day_build: FirstDay, run_folder: Path
) -> None:
    """The four ways the as-at date reaches a notification's rows (int_changed_notifications), each
    met exactly at the edge of the range the as-at date moved over, in one move of a day, from 31
    March 2025 to 1 April: a case due on the last as-at date is overdue from the next day; an end
    recorded for the next day counts from that day; a notification dated the next day is measured
    from that day; on 1 April the new reporting year's notifications get the LA they are published
    under. The first three are the hand-made notifications of EDGE_NOTIFICATIONS, among seed 5's
    first day of files. After the move the warehouse equals a rebuild."""
    _, landing, _ = first_day_build.copy(run_folder)
    write_edges(landing)
    due, ended, notified = (notification_id for notification_id, _, _ in EDGE_NOTIFICATIONS)
    case = "select deadline_date, status from marts.fct_timeliness where notification_id = ? and measure_code = ?"
    timeliness = "select * from marts.fct_timeliness where notification_id = ?"
    unpublished_2026 = (
        "select count(*) from marts.fct_notifications where reporting_year = 2026 and published_la_code is null"
    )
    settings = load_settings(landing, run_folder / "moving" / "sin.duckdb", run_folder / "moving" / "publish")
    after = YEAR_END + dt.timedelta(days=1)

    assert run_pipeline(settings, YEAR_END, progress=lambda _line: None).success
    assert case_rows(settings, case, due, "rapid_review") == [(YEAR_END, "open_not_yet_due")]
    assert case_rows(settings, case, ended, "rapid_review") == [(dt.date(2025, 4, 2), "open_not_yet_due")]
    assert case_rows(settings, timeliness, notified) == []
    assert case_rows(settings, unpublished_2026)[0][0] > 0

    assert run_pipeline(settings, after, progress=lambda _line: None).success
    assert build_mode(settings) == "incremental"
    assert case_rows(settings, case, due, "rapid_review") == [(YEAR_END, "open_overdue")]
    assert case_rows(settings, case, ended, "rapid_review") == [(dt.date(2025, 4, 2), "on_time")]
    assert case_rows(settings, timeliness, notified)
    assert case_rows(settings, unpublished_2026) == [(0,)]
    full = built_from_scratch(landing, run_folder / "full", after)
    assert differing_tables(settings.analysts_copy, full.analysts_copy) == {}


def moved_to_another_year(first_day_build: FirstDay, tmp_path: Path) -> tuple[Settings, Path, str]:
    """A warehouse built as at FIRST_DAY (1 September 2025: the files publish the reporting years up
    to 2025), and in its landing folder a new version of one counted notification of reporting
    year 2025, with no duplicate link, that moves it into 2024 (April 2023 to March 2024)."""
    series, landing, settings = first_day_build.copy(tmp_path)
    with duckdb.connect(str(settings.analysts_copy), read_only=True) as connection:
        counted = connection.sql(
            "select notification_id from marts.fct_notifications where is_counted and reporting_year = 2025 "
            "and duplicate_of is null and notification_id not in "
            "(select duplicate_of from marts.fct_notifications where duplicate_of is not null) order by 1 limit 1"
        ).fetchall()[0][0]
    moved = {**series.latest[counted], "record_version": "2", "record_updated_at": f"{FIRST_DAY}T11:00:00"}
    moved.update(notification_date="2024-01-15", la_aware_date="2024-01-15", incident_date="2024-01-10")
    write_csv(landing / f"notifications_{FIRST_DAY:%Y%m%d}_moved.csv", NOTIFICATION_COLUMNS, [moved])
    return settings, landing, counted


@pytest.fixture(scope="session")
def moved_full_rebuild(first_day_build: FirstDay, tmp_path_factory) -> Settings:
    """A warehouse built from scratch as at FIRST_DAY over the files `moved_to_another_year` leaves:
    what both tests of the moved notification compare their incremental builds with."""

    def build(root: Path) -> Settings:
        _, landing, _ = moved_to_another_year(first_day_build, root)
        return built_from_scratch(landing, root / "full", FIRST_DAY)

    return built_once(tmp_path_factory, "moved_full", build)


def equals_a_full_rebuild(settings: Settings, full: Settings) -> None:
    assert differing_tables(settings.analysts_copy, full.analysts_copy) == {}
    assert differing_files(settings, full) == []


def test_a_notification_moved_to_another_year_is_counted_again_in_both(
    first_day_build: FirstDay, moved_full_rebuild: Settings, run_folder: Path
) -> None:
    """The only notification that changes leaves reporting year 2025 for 2024 (the as-at date does
    not move): the counts by year must take it out of 2025 (the year the last build gave it) and put
    it into 2024."""
    settings, _, moved = moved_to_another_year(first_day_build, run_folder)
    assert run_pipeline(settings, FIRST_DAY, progress=lambda _line: None).success
    assert build_mode(settings) == "incremental"
    with duckdb.connect(str(settings.analysts_copy), read_only=True) as connection:
        changed = connection.sql(
            "select notification_id, previous_reporting_year from intermediate.int_changed_notifications"
        ).fetchall()
    assert changed == [(moved, 2025)]
    equals_a_full_rebuild(settings, moved_full_rebuild)


def test_a_year_a_notification_left_in_a_build_that_did_not_complete_is_counted_again(
    first_day_build: FirstDay, moved_full_rebuild: Settings, run_folder: Path, monkeypatch
) -> None:
    """The models counted by reporting year recount the year a changed notification was in at the
    last build, read from the notification-level tables. A build that did not complete may have moved
    the notification there already and stopped before the counts: the next build must not trust
    those tables for the old year (it counts every year again)."""
    from dagster_dbt import DbtCliResource

    from pipelines.transform import state

    settings, _, moved = moved_to_another_year(first_day_build, run_folder)
    # The build that does not complete: every model but the counts by year, then it stops.
    by_year = ["int_characteristic_cells_counted"]
    manifest = json.loads(settings.dbt_target.joinpath("manifest.json").read_text(encoding="utf-8"))
    assert state.incremental_models(manifest, state.BY_YEAR) == by_year
    command = DbtCliResource.cli

    def without_the_counts(self, args, **keywords):
        return command(self, [*args, "--exclude", *(f"{model}+" for model in by_year)], **keywords)

    def stopped(*_arguments, **_keywords):
        raise RuntimeError("the build stopped here")

    monkeypatch.setattr(DbtCliResource, "cli", without_the_counts)
    monkeypatch.setattr(state, "complete_build", stopped)
    assert not run_pipeline(settings, FIRST_DAY, progress=lambda _line: None).success
    monkeypatch.undo()
    with duckdb.connect(str(settings.warehouse), read_only=True) as connection:
        year = connection.execute(
            "select reporting_year from marts.fct_notifications where notification_id = ?", [moved]
        ).fetchall()
    assert year == [(2024,)]  # moved, and the counts not made

    assert run_pipeline(settings, FIRST_DAY, progress=lambda _line: None).success
    assert build_mode(settings) == "incremental"
    equals_a_full_rebuild(settings, moved_full_rebuild)
