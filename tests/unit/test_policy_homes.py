"""Policy values have one home (dbt_project.yml vars) and reach everything from there."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from pipelines.transform.manifest import ensure_manifest
from schemas.policy import policy, read_policy
from schemas.reference import read_seed
from tests.dbt_command import dbt

MEASURE_SUFFIXES = ("deadline_date", "elapsed_working_days", "status")  # fct_notifications.sql


def test_the_policy_holds_the_values_of_rules_md():
    """The defaults, as docs/rules.md states them (typed here on purpose: an independent check)."""
    values = policy()
    assert values.series_start_date == dt.date(2018, 4, 1)
    assert values.series_start_text == "1 April 2018"
    assert (values.first_reporting_year, values.care_leaver_first_year) == (2019, 2025)
    assert (values.regional_rounding_base, values.timeliness_min_due, values.primary_suppression_max) == (10, 5, 2)
    assert [topic.topic for topic in values.characteristic_topics][:2] == ["Sex", "Age group"]


def test_a_vars_override_reaches_the_policy(tmp_path: Path):
    result = dbt(
        [
            "parse",
            "--quiet",
            "--vars",
            "{primary_suppression_max: 3, regional_rounding_base: 5, first_reporting_year: 2020}",
        ],
        tmp_path / "x.duckdb",
        tmp_path,
    )
    assert result.returncode == 0, result.stdout
    overridden = read_policy(tmp_path / "target" / "manifest.json")
    assert (overridden.primary_suppression_max, overridden.regional_rounding_base) == (3, 5)
    assert overridden.first_reporting_year == 2020
    assert overridden.timeliness_min_due == 5  # not overridden: the project's value


def test_the_per_measure_columns_of_fct_notifications_follow_the_seed():
    """fct_notifications.sql makes one column group per measure of the seed; the yml documents exactly those,
    with the shared text that sends the reader to the seed rather than a limit typed again."""
    manifest = json.loads(ensure_manifest().read_text(encoding="utf-8"))
    columns = manifest["nodes"]["model.sinstats.fct_notifications"]["columns"]
    per_measure = {
        name for name, column in columns.items() if "measure_code starts the column name" in column["description"]
    }
    seed = read_seed("timeliness_measures")
    assert per_measure == {f"{row['measure_code']}_{suffix}" for row in seed for suffix in MEASURE_SUFFIXES}
    for name in per_measure:
        assert not any(limit in columns[name]["description"] for limit in ("5 working", "15 working", "6 months"))
