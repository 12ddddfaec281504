"""A snapshot of the Dagster graph: any change to assets, their groups and dependencies, checks, jobs
(and what each selects), schedules or sensors is a visible diff. `make golden` rewrites it on purpose."""

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
            parents = ", ".join(sorted(parent.to_user_string() for parent in node.parent_keys))
            lines.append(f"asset {key.to_user_string()} [{node.group_name}] <- {parents or '(none)'}")
    lines += sorted(f"check {k.asset_key.to_user_string()}:{k.name}" for k in graph.asset_check_keys)
    for job in sorted(defs.resolve_all_job_defs(), key=lambda j: j.name):
        if not job.name.startswith("__"):
            selected = job.asset_layer.selected_asset_keys
            groups = sorted({graph.get(k).group_name or "" for k in selected})
            lines.append(f"job {job.name}: {len(selected)} assets in groups {', '.join(groups)}")
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
