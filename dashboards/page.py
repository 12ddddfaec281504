"""Page assembly: charts into one offline HTML page, and the index that links the pages."""

from __future__ import annotations

import html
import json
from pathlib import Path
from typing import Any

import plotly.io
from plotly.offline import get_plotlyjs

from dashboards.figures import Chart
from dashboards.theme import FONT
from schemas.reference import symbols_legend

PLOTLY_JS = "plotly.min.js"

STYLE = f"""
body {{ font-family: {FONT}; margin: 0 auto; max-width: 1100px; padding: 1rem 2rem; color: #0b0c0c; }}
h1 {{ font-size: 2rem; }} h2 {{ font-size: 1.4rem; margin-top: 2.5rem; }}
.caption {{ color: #484949; }} .warning {{ border-left: 6px solid #D55E00; padding: .5rem 1rem; background: #fdf2e9; }}
.plot {{ min-height: 420px; }} table {{ border-collapse: collapse; margin: .5rem 0 1rem; }}
th, td {{ border: 1px solid #b1b4b6; padding: .25rem .6rem; text-align: left; }} td.n {{ text-align: right; }}
.headline {{ display: flex; gap: 1rem; flex-wrap: wrap; }}
.headline div {{ border: 2px solid #0072B2; padding: .75rem 1rem; min-width: 12rem; }}
.headline strong {{ font-size: 2rem; display: block; }}
.skip {{ position: absolute; left: -999px; }} .skip:focus {{ left: 1rem; top: 1rem; background: #ffdd00; }}
label {{ margin-right: .5rem; font-weight: bold; }} select {{ margin-right: 1.5rem; font-size: 1rem; }}
.controls {{ position: sticky; top: 0; background: white; padding: .75rem 0; border-bottom: 1px solid #b1b4b6; }}
"""


def script_json(value: Any) -> str:
    """JSON to embed in a <script> block: `<`, `>` and `&` escaped as \\u003c, \\u003e, \\u0026, so no value
    (a code or file name from an extract) can close the block or open markup; JSON reads them back
    as the same characters."""
    return json.dumps(value).replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def table_html(chart: Chart) -> str:
    head = "".join(f'<th scope="col">{html.escape(h)}</th>' for h in chart.header)
    body = "".join(
        "<tr>"
        + "".join(
            f'<td class="n">{html.escape(str(v))}</td>' if i else f'<th scope="row">{html.escape(str(v))}</th>'
            for i, v in enumerate(row)
        )
        + "</tr>"
        for row in chart.rows
    )
    return f'<table id="table-{chart.id}"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'


def chart_html(chart: Chart) -> str:
    warning = f'<p class="warning" role="note">{html.escape(chart.warning)}</p>' if chart.warning else ""
    return f"""
<section class="chart" aria-labelledby="title-{chart.id}">
  <h2 id="title-{chart.id}">{html.escape(chart.title)}</h2>
  <p class="caption" id="caption-{chart.id}">{html.escape(chart.caption)}</p>
  {warning}
  <figure class="plot-figure" aria-labelledby="alt-{chart.id}">
    <div id="{chart.id}" class="plot" aria-describedby="caption-{chart.id}"></div>
    <figcaption class="alt" id="alt-{chart.id}">{html.escape(chart.alt)}</figcaption>
  </figure>
  <details><summary>Table of these figures</summary>{table_html(chart)}</details>
</section>"""


def render_page(
    title: str,
    intro: list[str],
    charts: list[Chart],
    before: str = "",
    script: str = "",
    data: dict[str, Any] | None = None,
) -> str:
    """One page: its charts drawn by the shared offline plotly.js beside it."""
    figures = {chart.id: json.loads(plotly.io.to_json(chart.figure)) for chart in charts}
    paragraphs = "".join(f"<p>{html.escape(p)}</p>" for p in intro)
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{html.escape(title)}</title>
<style>{STYLE}</style>
<script src="{PLOTLY_JS}"></script>
</head>
<body>
<a class="skip" href="#main">Skip to the charts</a>
<header><h1>{html.escape(title)}</h1>{paragraphs}<p>Symbols: {html.escape(symbols_legend())}.</p></header>
<main id="main">
{before}
{"".join(chart_html(chart) for chart in charts)}
</main>
<script>
const FIGURES = {script_json(figures)};
const DATA = {script_json(data or {})};
const CONFIG = {{displaylogo: false, responsive: true}};
for (const [id, figure] of Object.entries(FIGURES)) {{
  Plotly.newPlot(id, figure.data, figure.layout, CONFIG);
}}
{script}
</script>
</body>
</html>
"""


def write_page(folder: Path, name: str, content: str) -> Path:
    """Write a page and the one plotly.min.js it shares with the folder's other pages."""
    folder.mkdir(parents=True, exist_ok=True)
    script = folder / PLOTLY_JS
    if not script.exists():
        script.write_text(get_plotlyjs(), encoding="utf-8")
    target = folder / name
    target.write_text(content, encoding="utf-8")
    return target


def render_index(as_at: str, pages: list[tuple[str, str, str]]) -> str:
    """The index: each page with its link and what it is for, and the as-at date."""
    items = "".join(
        f'<li><a href="{html.escape(href)}">{html.escape(name)}</a>: {html.escape(about)}</li>'
        for name, href, about in pages
    )
    return f"""<!DOCTYPE html>
<html lang="en">
<head><meta charset="utf-8"><title>Serious incident notifications: dashboards</title><style>{STYLE}</style></head>
<body><main>
<h1>Serious incident notifications: dashboards</h1>
<p>Figures as at <strong id="as-at">{html.escape(as_at)}</strong>.</p>
<ul>{items}</ul>
<p>The release page shows published figures only. The timeliness and data quality pages are for the
Child Safeguarding Practice Review Panel and the statistics team, and are never published.</p>
</main></body></html>
"""
