"""The warehouse's documentation as one offline page, from dbt's manifest: every table (seeds, sources,
models) by schema, with its description, columns, tests and lineage (what it reads, what reads it).

The house's own page rather than `dbt docs generate --static`: dbt's site fails the axe-core check
every other page passes (colour contrast, viewport) and logs a console error, and made it took a
dbt process of its own in every new warehouse. Every value comes from the project's YAML and SQL
and is escaped for HTML all the same.
"""

from __future__ import annotations

import html
from collections import defaultdict
from collections.abc import Mapping
from typing import Any

from dashboards.page import STYLE

SHOWN = ("seed", "source", "model")
KIND_WORDS = {"seed": "seed (reference data)", "source": "source (written by the pipeline)", "model": "model"}

DOCS_STYLE = """
nav ul { columns: 2; } code { font-size: .95rem; } .node { border-top: 1px solid #b1b4b6; margin-top: 1.5rem; }
dt { font-weight: bold; margin-top: .5rem; } dd { margin-left: 1.5rem; }
"""


def _anchor(unique_id: str) -> str:
    return "node-" + "".join(c if c.isalnum() or c == "_" else "-" for c in unique_id)


def _nodes(manifest: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """The documented tables by unique id (the project's own: dbt's internal packages have none)."""
    everything = {**manifest.get("nodes", {}), **manifest.get("sources", {})}
    return {uid: node for uid, node in everything.items() if node["resource_type"] in SHOWN}


def _tests(manifest: Mapping[str, Any]) -> dict[str, list[tuple[str, str]]]:
    """Each table's data tests and unit tests: (test, column or '')."""
    tests: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for node in manifest.get("nodes", {}).values():
        if node["resource_type"] == "test" and node.get("attached_node"):
            name = (node.get("test_metadata") or {}).get("name") or node["name"]
            tests[node["attached_node"]].append((name, node.get("column_name") or ""))
    for unit in manifest.get("unit_tests", {}).values():
        model = unit.get("depends_on", {}).get("nodes", [])
        for uid in model[:1]:
            tests[uid].append((f"unit test {unit['name']}", ""))
    return tests


def _link(uid: str, nodes: Mapping[str, Mapping[str, Any]]) -> str:
    node = nodes.get(uid)
    if node is None:
        return f"<code>{html.escape(uid)}</code>"
    return f'<a href="#{_anchor(uid)}"><code>{html.escape(node["schema"])}.{html.escape(node["name"])}</code></a>'


def _node_html(
    uid: str,
    node: Mapping[str, Any],
    nodes: Mapping[str, Mapping[str, Any]],
    tests: list[tuple[str, str]],
    used_by: list[str],
) -> str:
    name = f"{node['schema']}.{node['name']}"
    kind = KIND_WORDS[node["resource_type"]]
    materialized = node.get("config", {}).get("materialized")
    if node["resource_type"] == "model" and materialized:
        kind += f", {materialized}"
    description = node.get("description") or "(no description)"
    columns = node.get("columns", {})
    if columns:
        rows = "".join(
            f'<tr><th scope="row"><code>{html.escape(column["name"])}</code></th>'
            f"<td>{html.escape(column.get('data_type') or '')}</td>"
            f"<td>{html.escape(column.get('description') or '')}</td></tr>"
            for column in columns.values()
        )
        table = (
            f"<table><caption>Columns of {html.escape(name)}</caption>"
            '<thead><tr><th scope="col">Column</th><th scope="col">Type</th><th scope="col">Description</th></tr>'
            f"</thead><tbody>{rows}</tbody></table>"
        )
    else:
        table = "<p>No columns documented.</p>"
    tested = (
        "<ul>"
        + "".join(
            f"<li>{html.escape(test)}" + (f" on <code>{html.escape(column)}</code>" if column else "") + "</li>"
            for test, column in sorted(tests)
        )
        + "</ul>"
        if tests
        else "none"
    )
    reads = sorted(uid for uid in node.get("depends_on", {}).get("nodes", []) if uid in nodes)
    reads_html = ", ".join(_link(r, nodes) for r in reads) or "nothing in the warehouse"
    used_html = ", ".join(_link(u, nodes) for u in sorted(used_by)) or "nothing in the warehouse"
    return f"""
<section class="node" id="{_anchor(uid)}" aria-labelledby="{_anchor(uid)}-title">
<h3 id="{_anchor(uid)}-title"><code>{html.escape(name)}</code></h3>
<p>{html.escape(kind)}. {html.escape(description)}</p>
{table}
<dl>
<dt>Tests</dt><dd>{tested}</dd>
<dt>Reads</dt><dd>{reads_html}</dd>
<dt>Read by</dt><dd>{used_html}</dd>
</dl>
</section>"""


def warehouse_docs_page(manifest: Mapping[str, Any]) -> str:
    """The page: a contents list by schema, then each table."""
    nodes = _nodes(manifest)
    tests = _tests(manifest)
    used_by: dict[str, list[str]] = defaultdict(list)
    for uid, node in nodes.items():
        for parent in node.get("depends_on", {}).get("nodes", []):
            used_by[parent].append(uid)
    by_schema: dict[str, list[str]] = defaultdict(list)
    for uid, node in sorted(nodes.items(), key=lambda item: (item[1]["schema"], item[1]["name"])):
        by_schema[node["schema"]].append(uid)
    contents = "".join(
        f'<li><a href="#schema-{html.escape(schema)}">{html.escape(schema)}</a> ({len(uids)} tables)</li>'
        for schema, uids in by_schema.items()
    )
    sections = "".join(
        f'<section aria-labelledby="schema-{html.escape(schema)}"><h2 id="schema-{html.escape(schema)}">'
        f"Schema <code>{html.escape(schema)}</code></h2>"
        + "".join(_node_html(uid, nodes[uid], nodes, tests.get(uid, []), used_by.get(uid, [])) for uid in uids)
        + "</section>"
        for schema, uids in by_schema.items()
    )
    counts = {kind: sum(node["resource_type"] == kind for node in nodes.values()) for kind in SHOWN}
    title = "The warehouse: tables, columns, tests and lineage"
    return f"""<!DOCTYPE html>
<html lang="en-GB">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{html.escape(title)}</title>
<style>{STYLE}{DOCS_STYLE}</style>
</head>
<body>
<a class="skip" href="#main">Skip to the tables</a>
<header><h1>{html.escape(title)}</h1>
<p>Every table of the DuckDB warehouse the analysts' copy holds: {counts["model"]} models, {counts["seed"]} seeds
and {counts["source"]} sources, by schema, as the dbt project documents them (its YAML and SQL). For the
statistics team; never published.</p>
<nav aria-label="Schemas"><ul>{contents}</ul></nav></header>
<main id="main">{sections}</main>
</body>
</html>
"""
