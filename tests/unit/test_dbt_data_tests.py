"""The project's own generic data tests (dbt/macros/test_*.sql) fail on the rows they are meant to catch,
and only on those: run by the real dbt on a table of hand-made rows, with each failure counted by hand.
Each of them checks several columns, or two things, in one dbt node, so a column it forgot, or a
seed it read for the wrong column, must show here."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import duckdb

from tests.dbt_command import dbt

COLUMNS = (
    "notification_id, counted_under_notification_id, counting_reason, is_counted, reporting_year,"
    " reporting_quarter, la_new_code_on_notification_date, age_group, record_status, nature"
)
GOOD = [
    ("SIN-000001", "SIN-000001", "counted", True, 2023, "Q1", "E09000001", "Under 1", "active", "child_death"),
    ("SIN-000002", "SIN-000001", "duplicate", False, 2023, "Q2", "E09000001", "1 to 5", "withdrawn", "serious_harm"),
]
BAD = [
    # SIN-000002 again: one repeated key.
    ("SIN-000002", "SIN-000002", "counted", True, 2023, "Q2", "E09000001", "1 to 5", "active", "child_death"),
    # No key (the second failing key), no reporting year, no LA code: two null cells.
    (None, "SIN-000001", "counted", True, None, "Q3", None, "Under 1", "active", "child_death"),
    # Four null cells; a record status that is a nature code and a nature that is a record status.
    ("SIN-000005", None, None, None, 2024, "Q4", "E09000001", None, "child_death", "active"),
]
OURS = ("primary_key_fct_notifications_", "not_null_columns_fct_notifications_", "accepted_values_from_seeds_fct_")


def test_the_projects_generic_tests_count_exactly_the_rows_they_catch(empty_build, tmp_path: Path) -> None:
    built_database, _, built = empty_build
    assert built.returncode == 0, built.stdout[-3000:]
    database = tmp_path / "tests.duckdb"
    shutil.copyfile(built_database, database)  # the shared build is never changed

    def insert(rows: list[tuple[object, ...]]) -> None:
        with duckdb.connect(str(database)) as connection:
            connection.executemany(
                f"insert into marts.fct_notifications ({COLUMNS}) values ({', '.join('?' * 10)})", rows
            )

    def tested() -> dict[str, tuple[str, int, str]]:
        result = dbt(["test", "--select", "fct_notifications", "--store-failures"], database, tmp_path)
        assert "Traceback" not in result.stdout, result.stdout[-3000:]
        results = json.loads((tmp_path / "target" / "run_results.json").read_text(encoding="utf-8"))["results"]
        ours = {
            prefix: (r["status"], r["failures"], r["relation_name"])
            for r in results
            for prefix in OURS
            if r["unique_id"].split(".")[2].startswith(prefix)
        }
        assert set(ours) == set(OURS), sorted(r["unique_id"] for r in results)
        return ours

    insert(GOOD)
    assert {prefix: outcome[:2] for prefix, outcome in tested().items()} == {prefix: ("pass", 0) for prefix in OURS}

    insert(BAD)
    outcomes = tested()
    assert {prefix: outcome[:2] for prefix, outcome in outcomes.items()} == {
        "primary_key_fct_notifications_": ("fail", 2),  # SIN-000002 twice; the null key
        "not_null_columns_fct_notifications_": ("fail", 6),  # one null cell in each of the six columns
        "accepted_values_from_seeds_fct_": ("fail", 2),  # each column read against its own seed
    }
    with duckdb.connect(str(database), read_only=True) as connection:

        def stored(prefix: str) -> list[tuple[object, ...]]:  # the failing rows dbt stored
            return sorted(connection.execute(f"select * from {outcomes[prefix][2]}").fetchall(), key=str)

        assert stored("not_null_columns_fct_notifications_") == sorted(
            [
                ("age_group",),
                ("counted_under_notification_id",),
                ("counting_reason",),
                ("is_counted",),
                ("la_new_code_on_notification_date",),
                ("reporting_year",),
            ]
        )
        assert stored("accepted_values_from_seeds_fct_") == [("nature", "active"), ("record_status", "child_death")]
        assert stored("primary_key_fct_notifications_") == sorted([("SIN-000002", 2), (None, 1)], key=str)
