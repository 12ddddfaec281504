"""A snapshot of the Dagster graph: any change to assets, groups, checks or jobs is a visible diff."""

from __future__ import annotations

import os
from pathlib import Path

from pipelines.definitions import defs

SNAPSHOT = Path(__file__).resolve().parents[1] / "golden" / "asset_graph.txt"


def describe() -> str:
    graph = defs.resolve_asset_graph()
    lines = []
    for key in sorted(graph.get_all_asset_keys(), key=lambda k: k.to_user_string()):
        node = graph.get(key)
        if node.is_materializable:
            lines.append(f"asset {key.to_user_string()} [{node.group_name}]")
    lines += sorted(f"check {k.asset_key.to_user_string()}:{k.name}" for k in graph.asset_check_keys)
    lines += sorted(f"job {job.name}" for job in defs.resolve_all_job_defs() if not job.name.startswith("__"))
    lines += sorted(f"schedule {s.name}" for s in defs.schedules or [])
    lines += sorted(f"sensor {s.name}" for s in defs.sensors or [])
    return "\n".join(lines) + "\n"


def test_the_asset_graph_matches_its_snapshot():
    if os.environ.get("SINSTATS_UPDATE_GOLDEN"):
        SNAPSHOT.write_text(describe())
    assert describe() == SNAPSHOT.read_text()


def test_ingest_feeds_dbt_which_feeds_the_published_file():
    graph = defs.resolve_asset_graph()
    from dagster import AssetKey

    upstream = graph.get(AssetKey(["open_data", "sin_total_notifications"])).parent_keys
    assert AssetKey(["publish", "sin_total_notifications"]) in upstream
    staging = graph.get(AssetKey(["staging", "stg_raw__notifications"])).parent_keys
    assert AssetKey(["raw", "notifications"]) in staging
