"""Every row rule of the input contract, with a passing and a failing fixture (docs/extracts.md §1-§3)."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest

from pipelines.ingest.validate import validate
from schemas.contract import FileContext
from schemas.contracts import CONTRACTS
from tests.conftest import VALID_LA_CONTEXT, VALID_NOTIFICATION, VALID_REVIEW

BASE = {"notifications": VALID_NOTIFICATION, "reviews": VALID_REVIEW, "la_context": VALID_LA_CONTEXT}
CONTEXT = {
    "notifications": FileContext(file_date=dt.date(2022, 6, 30)),
    "reviews": FileContext(file_date=dt.date(2023, 1, 31)),
    "la_context": FileContext(reporting_year=2024),
}

# (kind, rule, column, failing changes, passing changes): the passing row differs from the failing
# one only where the rule looks, so each pair shows the rule's edge.
CASES = [
    ("notifications", "required", "la_aware_date", {"la_aware_date": ""}, {"la_aware_date": "2022-05-27"}),
    ("notifications", "required", "child_looked_after", {"child_looked_after": " "}, {}),
    (
        "notifications",
        "invalid_identifier",
        "notification_id",
        {"notification_id": "SIN-12345"},
        {"notification_id": "sin-123456"},
    ),
    (
        "notifications",
        "invalid_identifier",
        "duplicate_of",
        {"duplicate_of": "DUP-000001"},
        {"duplicate_of": "SIN-000001"},
    ),
    (
        "notifications",
        "invalid_integer",
        "record_version",
        {"record_version": "1.5"},
        {"record_version": "2.0"},
    ),
    (
        "notifications",
        "version_below_one",
        "record_version",
        {"record_version": "0"},
        {"record_version": "1"},
    ),
    (
        "notifications",
        "invalid_datetime",
        "record_updated_at",
        {"record_updated_at": "07/06/2022 10:00"},
        {"record_updated_at": "2022-06-07 10:00+01:00"},
    ),
    (
        "notifications",
        "not_in_code_list",
        "record_status",
        {"record_status": "deleted"},
        {"record_status": "WITHDRAWN"},
    ),
    ("notifications", "invalid_la_code", "la_code", {"la_code": "80"}, {"la_code": "805.0"}),
    ("notifications", "la_not_live", "la_code", {"la_code": "999"}, {"la_code": "805"}),
    ("la_context", "invalid_la_code", "la_code", {"la_code": "E06000001"}, {"la_code": "805"}),
    ("la_context", "la_not_live", "la_code", {"la_code": "999"}, {"la_code": "805"}),
    (
        "notifications",
        "la_not_live",
        "la_code",
        {
            "la_code": "928",
            "notification_date": "2021-04-01",
            "la_aware_date": "2021-03-31",
            "incident_date": "",
        },
        {
            "la_code": "928",
            "notification_date": "2021-03-31",
            "la_aware_date": "2021-03-31",
            "incident_date": "",
        },
    ),
    (
        "notifications",
        "la_not_live",
        "la_code",
        {
            "la_code": "940",
            "notification_date": "2021-03-31",
            "la_aware_date": "2021-03-30",
            "incident_date": "",
        },
        {
            "la_code": "940",
            "notification_date": "2021-04-01",
            "la_aware_date": "2021-03-30",
            "incident_date": "",
        },
    ),
    (
        "notifications",
        "invalid_date",
        "notification_date",
        {"notification_date": "2022-02-30"},
        {"notification_date": "07/06/2022"},
    ),
    (
        "notifications",
        "incident_after_aware",
        "incident_date",
        {"incident_date": "2022-05-28"},
        {"incident_date": "2022-05-27"},
    ),
    (
        "notifications",
        "aware_after_notification",
        "la_aware_date",
        {"la_aware_date": "2022-06-08"},
        {"la_aware_date": "2022-06-07", "incident_date": ""},
    ),
    (
        "notifications",
        "before_series_start",
        "notification_date",
        {"notification_date": "2018-03-31", "la_aware_date": "2018-03-30", "incident_date": ""},
        {"notification_date": "2018-04-01", "la_aware_date": "2018-03-30", "incident_date": ""},
    ),
    (
        "notifications",
        "after_export_date",
        "notification_date",
        {"notification_date": "2022-07-01"},
        {"notification_date": "2022-06-30"},
    ),
    ("notifications", "not_in_code_list", "nature", {"nature": "injury"}, {"nature": "Serious_Harm"}),
    (
        "notifications",
        "not_suspected_not_allowed",
        "abuse_neglect",
        {"abuse_neglect": "not_suspected", "nature": "serious_harm"},
        {"abuse_neglect": "not_suspected", "nature": "child_death", "child_looked_after": "Y"},
    ),
    (
        "notifications",
        "looked_after_required",
        "child_looked_after",
        {"abuse_neglect": "not_suspected", "child_looked_after": "U"},
        {"abuse_neglect": "not_suspected", "child_looked_after": "y"},
    ),
    (
        "notifications",
        "children_involved_range",
        "children_involved",
        {"children_involved": "5"},
        {"children_involved": "4"},
    ),
    ("notifications", "age_out_of_range", "child_age", {"child_age": "18"}, {"child_age": "17"}),
    (
        "notifications",
        "age_out_of_range",
        "child_age",
        {"nature": "care_leaver_death", "child_age": "15"},
        {"nature": "care_leaver_death", "child_age": "24"},
    ),
    ("notifications", "invalid_integer", "child_age", {"child_age": "ten"}, {"child_age": ""}),
    ("notifications", "not_in_code_list", "child_sex", {"child_sex": "X"}, {"child_sex": "u"}),
    (
        "notifications",
        "not_in_code_list",
        "child_ethnicity",
        {"child_ethnicity": "WHIT"},
        {"child_ethnicity": "wbri"},
    ),
    (
        "notifications",
        "not_in_code_list",
        "placement_type",
        {"placement_type": "street"},
        {"placement_type": "Foster"},
    ),
    ("reviews", "required", "rapid_review_outcome", {"rapid_review_outcome": ""}, {}),
    (
        "reviews",
        "not_in_code_list",
        "rapid_review_outcome",
        {"rapid_review_outcome": "done"},
        {"rapid_review_outcome": "No_LCSPR"},
    ),
    (
        "reviews",
        "decision_date_required",
        "lcspr_decision_date",
        {"lcspr_decision_date": "", "lcspr_published_date": ""},
        {"rapid_review_outcome": "no_lcspr", "lcspr_decision_date": "", "lcspr_published_date": ""},
    ),
    (
        "reviews",
        "published_before_decision",
        "lcspr_published_date",
        {"lcspr_published_date": "2022-06-29"},
        {"lcspr_published_date": "2022-06-30"},
    ),
    (
        "reviews",
        "invalid_date",
        "rapid_review_received_date",
        {"rapid_review_received_date": "next week"},
        {"rapid_review_received_date": ""},
    ),
    (
        "la_context",
        "time_period_not_file_year",
        "time_period",
        {"time_period": "2023"},
        {"time_period": "2024.0"},
    ),
    ("la_context", "invalid_decimal", "idaci_avgscore", {"idaci_avgscore": "high"}, {"idaci_avgscore": ".2"}),
    ("la_context", "negative_count", "cin_31march", {"cin_31march": "-1"}, {"cin_31march": "0"}),
    (
        "la_context",
        "negative_population",
        "ons_midyear_population",
        {"ons_midyear_population": "-5"},
        {"ons_midyear_population": ""},
    ),
    (
        "la_context",
        "invalid_integer",
        "ons_midyear_population",
        {"ons_midyear_population": "lots"},
        {"ons_midyear_population": "0"},
    ),
]


def failures(kind: str, changes: dict[str, str]) -> set[tuple[str, str]]:
    row = {**BASE[kind], **changes}
    frame = pl.DataFrame({k: [v.strip() or None] for k, v in row.items()}, schema={k: pl.String for k in row})
    result = validate(CONTRACTS[kind], frame, CONTEXT[kind])
    return set(result.quarantine.select("rule", "column_name").iter_rows())


@pytest.mark.parametrize("kind", list(BASE))
def test_the_valid_rows_pass(kind):
    assert failures(kind, {}) == set()


@pytest.mark.parametrize(("kind", "rule", "column", "bad", "good"), CASES, ids=[f"{c[0]}-{c[1]}-{c[2]}" for c in CASES])
def test_rule_fails_the_bad_row_and_passes_the_good_one(kind, rule, column, bad, good):
    assert (rule, column) in failures(kind, bad)
    assert failures(kind, good) == set()


def test_every_rule_of_every_contract_has_a_failing_fixture():
    covered = {(kind, rule, column) for kind, rule, column, _, _ in CASES}
    declared = {(kind, rule.id, rule.column) for kind, contract in CONTRACTS.items() for rule in contract.rules}
    assert declared - covered == set()


def test_one_row_breaking_several_rules_is_one_quarantined_row_with_an_entry_per_rule():
    row = {**VALID_NOTIFICATION, "child_sex": "X", "placement_type": "street", "children_involved": "9"}
    frame = pl.DataFrame({k: [v or None] for k, v in row.items()}, schema={k: pl.String for k in row})
    result = validate(CONTRACTS["notifications"], frame, CONTEXT["notifications"])
    assert result.rows_quarantined == 1
    assert result.quarantine.height == 3
    assert result.rows_loaded == 0
    assert set(result.quarantine["row_number"]) == {2}


def test_values_are_typed_and_canonical_when_loaded():
    row = {
        **VALID_NOTIFICATION,
        "la_code": "805.0",
        "nature": "Child_Death",
        "child_ethnicity": "wbri",
        "child_sex": "m",
        "la_aware_date": "27/05/2022",
        "record_updated_at": "2022-06-07 10:00",
    }
    frame = pl.DataFrame({k: [v or None] for k, v in row.items()}, schema={k: pl.String for k in row})
    loaded = validate(CONTRACTS["notifications"], frame, CONTEXT["notifications"]).loaded.row(0, named=True)
    assert loaded["la_code"] == "805"
    assert loaded["nature"] == "child_death"
    assert loaded["child_ethnicity"] == "WBRI"
    assert loaded["child_sex"] == "M"
    assert loaded["la_aware_date"] == dt.date(2022, 5, 27)
    # 10:00 in London in June is 09:00 UTC (British Summer Time).
    assert loaded["record_updated_at"] == dt.datetime(2022, 6, 7, 9, 0, tzinfo=dt.UTC)


@pytest.mark.parametrize(
    ("text", "expected_utc"),
    [
        ("2022-01-10T10:00:00", dt.datetime(2022, 1, 10, 10, 0)),
        ("2022-07-10T10:00:00", dt.datetime(2022, 7, 10, 9, 0)),
        ("2022-07-10T10:00:00Z", dt.datetime(2022, 7, 10, 10, 0)),
        ("2022-07-10T10:00:00+02:00", dt.datetime(2022, 7, 10, 8, 0)),
        ("2022-07-10 10:00:00.123", dt.datetime(2022, 7, 10, 9, 0, 0, 123000)),
        ("2022-07-10T10:00", dt.datetime(2022, 7, 10, 9, 0)),
    ],
)
def test_date_times_without_an_offset_are_london_time(text, expected_utc):
    row = {**VALID_NOTIFICATION, "record_updated_at": text}
    frame = pl.DataFrame({k: [v or None] for k, v in row.items()}, schema={k: pl.String for k in row})
    loaded = validate(CONTRACTS["notifications"], frame, CONTEXT["notifications"]).loaded
    assert loaded["record_updated_at"][0] == expected_utc.replace(tzinfo=dt.UTC)


def test_an_unknown_3_digit_code_is_not_live_and_a_code_list_names_its_items():
    row = {**VALID_NOTIFICATION, "la_code": "999", "child_sex": "X"}
    frame = pl.DataFrame({k: [v or None] for k, v in row.items()}, schema={k: pl.String for k in row})
    quarantine = validate(CONTRACTS["notifications"], frame, CONTEXT["notifications"]).quarantine
    said = dict(quarantine.select("column_name", "rule_description").iter_rows())
    assert said == {
        "la_code": "is not a live LA code on notification_date (the local_authorities reference list)",
        "child_sex": "must be one of M, F, U",
    }
