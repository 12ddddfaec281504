"""Every EES metadata block of the publish yml is whole: known keys only, each label a whole phrase.

A comma inside a YAML flow mapping ends a value early ("Rate per 10,000 children" became
"Rate per 10" and a stray key "000 children"), so this reads the file as YAML does and checks
that nothing was split.
"""

from __future__ import annotations

from pathlib import Path

import yaml

from pipelines.publish.catalogue import published_tables
from pipelines.transform.manifest import ensure_manifest

PUBLISH_YML = Path(__file__).resolve().parents[2] / "dbt" / "models" / "publish" / "_publish.yml"
EES_KEYS = {
    "col_type",
    "label",
    "indicator_grouping",
    "indicator_unit",
    "indicator_dp",
    "filter_hint",
    "filter_grouping_column",
    "filter_default",
    "filter_default_from",
}


def _columns() -> list[tuple[str, str, dict[str, object]]]:
    document = yaml.safe_load(PUBLISH_YML.read_text(encoding="utf-8"))
    tables = [*document["models"], *(t for source in document["sources"] for t in source["tables"])]
    return [
        (table["name"], column["name"], column["meta"]["ees"])
        for table in tables
        for column in table["columns"]
        if "meta" in column
    ]


def test_every_ees_block_has_known_keys_only_and_a_whole_label():
    columns = _columns()
    assert len(columns) >= 20
    for table, column, ees in columns:
        assert set(ees) <= EES_KEYS, (table, column, set(ees) - EES_KEYS)
        label = ees["label"]
        assert isinstance(label, str) and label == label.strip() and len(label.split()) >= 1, (table, column)


def test_the_rate_label_is_the_whole_phrase():
    labels = {(t, c): ees["label"] for t, c, ees in _columns()}
    assert labels[("sin_subnational", "rate_per_10000_children")] == "Rate per 10,000 children"


def test_the_labels_the_writer_reads_are_those_of_the_yml():
    """The .meta.csv writer reads the manifest: the same labels, none lost or cut on the way."""
    written = {
        (name, column.name): column.ees["label"]
        for name, table in published_tables(ensure_manifest()).items()
        for column in table.columns
        if column.ees
    }
    assert written == {(t, c): ees["label"] for t, c, ees in _columns()}
