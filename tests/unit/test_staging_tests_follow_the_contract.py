"""The views of the raw tables are left out of a build while their code is unchanged, and their dbt
tests with them (README, "Incremental runs"): rows reach raw.* only through the ingest contract, so
each of those tests must check nothing the contract does not already check on every row.

For every dbt test on such a view (read from the manifest), rows that break it are put to the
contract, which must quarantine each under the column the dbt test names; every code of a code-list
seed (read here from the seed file itself) must pass. A test of a kind this file does not know
fails here: a new test on a staging view comes with its contract rule, or with a reason it needs
none (as `unique_combination` on the LA context view, whose SQL keeps one row per combination
whatever rows arrive: its dbt unit test shows it)."""

from __future__ import annotations

import csv
import datetime as dt
from functools import cache
from typing import Any

import polars as pl
import pytest

from pipelines.ingest.validate import validate
from pipelines.settings import DBT_PROJECT_DIR
from pipelines.transform import state
from pipelines.transform.manifest import ensure_manifest, read_manifest
from schemas.contract import FileContext
from schemas.contracts import CONTRACTS
from tests.conftest import VALID_LA_CONTEXT, VALID_NOTIFICATION, VALID_REVIEW

VALID = {"notifications": VALID_NOTIFICATION, "reviews": VALID_REVIEW, "la_context": VALID_LA_CONTEXT}
CONTEXT = {
    "notifications": FileContext(file_date=dt.date(2022, 6, 30)),
    "reviews": FileContext(file_date=dt.date(2023, 1, 31)),
    "la_context": FileContext(reporting_year=2024),
}
NOT_A_CODE = "not-a-code"


def seed_column(seed: str, column: str) -> list[str]:
    with (DBT_PROJECT_DIR / "seeds" / "reference" / f"{seed}.csv").open(newline="", encoding="utf-8") as handle:
        return [row[column] for row in csv.DictReader(handle)]


def quarantined(kind: str, rows: list[dict[str, str]]) -> list[set[tuple[str, str]]]:
    """For each row, the columns and rules the contract quarantined it under (empty: loaded). Blanks
    are read as missing, as the readers do."""
    names = list(rows[0])
    frame = pl.DataFrame([[row[name].strip() or None for name in names] for row in rows], schema=names, orient="row")
    result = validate(CONTRACTS[kind], frame.cast(pl.String), CONTEXT[kind])
    found: list[set[tuple[str, str]]] = [set() for _ in rows]
    for row_number, column, rule in result.quarantine.select("row_number", "column_name", "rule").iter_rows():
        found[row_number - 2].add((column, rule))  # (row 1 of a file is its header)
    return found


@cache
def manifest() -> dict[str, Any]:
    return read_manifest(ensure_manifest())


def staging_tests() -> list[tuple[str, str, dict[str, Any]]]:
    """(extract kind, test kind, its arguments) for every dbt test on a view of the raw tables."""
    nodes, views = manifest()["nodes"], state.source_views(manifest())
    found = []
    for node in nodes.values():
        attached = nodes.get(node.get("attached_node") or "")
        if node["resource_type"] == "test" and attached is not None and attached["name"] in views:
            (source,) = (parent for parent in attached["depends_on"]["nodes"] if parent.startswith("source."))
            found.append((source.split(".")[-1], node["test_metadata"]["name"], node["test_metadata"]["kwargs"]))
    return sorted(found, key=str)


def test_the_views_left_out_are_the_staging_views_and_five_dashboards_and_only_the_staging_ones_have_tests() -> None:
    assert state.source_views(manifest()) == {
        **dict.fromkeys(("stg_raw__notifications", "stg_raw__reviews", "stg_raw__la_context"), "staging"),
        **dict.fromkeys(
            (
                "files_received",
                "quarantined_rows_by_rule",
                "quarantined_rows_by_la",
                "rejected_files",
                "unrecognised_files",
            ),
            "dashboards",
        ),
    }
    assert {kind for kind, _, _ in staging_tests()} == set(CONTRACTS)


@pytest.mark.parametrize(("kind", "test", "arguments"), staging_tests(), ids=lambda value: str(value)[:40])
def test_the_contract_quarantines_every_row_a_staging_test_would_fail(
    kind: str, test: str, arguments: dict[str, Any]
) -> None:
    valid = VALID[kind]
    assert quarantined(kind, [valid]) == [set()]
    if test in ("not_null", "not_null_columns"):
        columns = arguments["columns"] if test == "not_null_columns" else [arguments["column_name"]]
        rows = [{**valid, column: ""} for column in columns]
        assert quarantined(kind, rows) == [{(column, "required")} for column in columns]
    elif test == "accepted_values_from_seeds":
        for column, seed in arguments["columns"].items():
            codes = seed_column(seed, "code")
            results = quarantined(kind, [{**valid, column: NOT_A_CODE}, *({**valid, column: code} for code in codes)])
            assert results[0] == {(column, "not_in_code_list")}, (column, seed)
            # Every code passes (another rule of the row may not: a care leaver's death needs another age).
            assert all((column, "not_in_code_list") not in result for result in results[1:]), (column, seed)
    elif test == "relationships":
        assert (arguments["to"], arguments["field"]) == ("ref('stg_reference__local_authorities')", "old_la_code")
        known = set(seed_column("local_authorities", "old_la_code"))
        unknown = next(code for code in (f"{n:03d}" for n in range(100, 1000)) if code not in known)
        column = arguments["column_name"]
        assert quarantined(kind, [{**valid, column: unknown}]) == [{(column, "la_not_live")}]
    elif test == "unique_combination":
        # Not the contract's: the view keeps the last row of each combination of the latest file
        # for each year, whatever the rows. Its dbt unit test (run by tests/unit/test_dbt_unit_tests.py)
        # gives it two files and repeated LAs.
        assert (kind, arguments["combination"]) == ("la_context", ["time_period", "la_code"])
        assert any(
            node["resource_type"] == "unit_test" and node["model"] == "stg_raw__la_context"
            for node in manifest()["unit_tests"].values()
        )
    else:
        pytest.fail(f"a {test} test on a view of raw.{kind}: which contract rule checks it on every row?")
