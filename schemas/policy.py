"""The policy values of docs/rules.md, typed, in one object: read from the dbt manifest, where dbt renders the
project's vars (with any `--vars` override), so validation, models, disclosure and every text agree."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

POLICY_SOURCE = "source.sinstats.reference.run_parameters"


@dataclass(frozen=True)
class CharacteristicTopic:
    """A topic of sin_nature_characteristics: the fct_notifications column and the seed naming its items."""

    topic: str
    column: str
    seed: str
    code: str
    label: str
    order: str
    where: str | None = None


@dataclass(frozen=True)
class Policy:
    """Every policy value of docs/rules.md that code reads (dbt_project.yml `vars` is their one home)."""

    series_start_date: dt.date  # no notification date before this is valid
    calendar_start: dt.date  # the working-day calendar starts here
    first_reporting_year: int  # the first reporting year published
    care_leaver_first_year: int  # care leaver deaths are published from this year
    regional_rounding_base: int  # regional counts are rounded to a multiple of this
    timeliness_min_due: int  # timeliness figures are c where fewer cases than this are due
    primary_suppression_max: int  # counts from 1 up to this are c
    single_la_condition: str  # SQL over the local_authorities seed: the rows a notification can name
    child_death_split_topic: str  # the characteristic topic whose Child death figure is split (identity 7)
    child_death_split_nature: str  # ... and the nature code of the figure it splits
    characteristic_topics: tuple[CharacteristicTopic, ...]
    qa_area_change_min: int  # a release's QA flags an area whose count moved by at least this...
    qa_area_change_percent: float  # ...and by more than this percentage of the year before

    @property
    def series_start_text(self) -> str:
        """The start of the series in words, as "1 April 2018"."""
        day = self.series_start_date
        return f"{day.day} {day:%B %Y}"


def policy_values(manifest: Mapping[str, Any]) -> dict[str, Any]:
    """The project's vars as dbt rendered them into the manifest (with any `--vars` override)."""
    values: dict[str, Any] = manifest["sources"][POLICY_SOURCE]["config"]["meta"]["policy"]
    return values


def policy_from_manifest(manifest: dict[str, Any]) -> Policy:
    return policy_from_values(policy_values(manifest))


def policy_from_values(values: dict[str, Any]) -> Policy:
    return Policy(
        series_start_date=dt.date.fromisoformat(str(values["series_start_date"])),
        calendar_start=dt.date.fromisoformat(str(values["calendar_start"])),
        first_reporting_year=int(values["first_reporting_year"]),
        care_leaver_first_year=int(values["care_leaver_first_year"]),
        regional_rounding_base=int(values["regional_rounding_base"]),
        timeliness_min_due=int(values["timeliness_min_due"]),
        primary_suppression_max=int(values["primary_suppression_max"]),
        single_la_condition=str(values["single_la_condition"]),
        child_death_split_topic=str(values["child_death_split_topic"]),
        child_death_split_nature=str(values["child_death_split_nature"]),
        characteristic_topics=tuple(CharacteristicTopic(**topic) for topic in values["characteristic_topics"]),
        qa_area_change_min=int(values["qa_area_change_min"]),
        qa_area_change_percent=float(values["qa_area_change_percent"]),
    )


def read_policy(manifest_path: Path) -> Policy:
    return policy_from_manifest(json.loads(Path(manifest_path).read_text(encoding="utf-8")))


def quick_policy() -> Policy:
    """The policy without waiting for dbt: the manifest when it is up to date, else the project's vars
    themselves (for the checks made before a run starts, which must answer at once)."""
    from pipelines.settings import DBT_PROJECT_DIR
    from pipelines.transform.manifest import MANIFEST, is_stale

    if not is_stale():
        return read_policy(MANIFEST)
    import yaml

    with (DBT_PROJECT_DIR / "dbt_project.yml").open(encoding="utf-8") as handle:
        return policy_from_values(yaml.safe_load(handle)["vars"])


@cache
def policy() -> Policy:
    """The policy of the project as parsed (the manifest is parsed again first when it is stale)."""
    from pipelines.transform.manifest import ensure_manifest

    return read_policy(ensure_manifest())
