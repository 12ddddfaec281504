"""The three pages: the public release page, and the internal timeliness and data quality pages."""

from __future__ import annotations

import html
from pathlib import Path
from typing import Any

import plotly.graph_objects as go
import polars as pl

from dashboards.figures import (
    Chart,
    bars,
    characteristic,
    local_authorities,
    number,
    regions,
    series_by_nature,
)
from dashboards.page import render_page
from dashboards.theme import NOT_A_PERFORMANCE_MEASURE, PALETTE, layout
from schemas.policy import Policy

TIMELINESS_JS = Path(__file__).with_name("timeliness.js")


def _change(current: str, previous: str) -> str:
    now, before = number(current), number(previous)
    if now is None or before is None:
        return "change not available"
    difference = int(now - before)
    return f"{difference:+d} on the year before" if difference else "no change on the year before"


def release_page(
    totals: pl.DataFrame,
    characteristics: pl.DataFrame,
    subnational: pl.DataFrame,
    year: int,
    as_at: str,
    policy: Policy,
) -> str:
    """The annual picture from the published (suppressed, rounded) files only."""
    this, last = str(year), str(year - 1)
    lookup = {
        (r["time_period"], r["nature_of_notification"]): r["number_notifications"] for r in totals.iter_rows(named=True)
    }
    natures = list(dict.fromkeys(totals["nature_of_notification"]))
    cards = "".join(
        f'<div id="headline-{n.lower().replace(" ", "-")}"><span>{n}</span><strong>{lookup[(this, n)]}</strong>'
        f"<span>{_change(lookup[(this, n)], lookup.get((last, n), ''))}</span></div>"
        for n in natures
    )
    headline = (
        f'<section aria-labelledby="headline-title"><h2 id="headline-title">Reporting year {this}</h2>'
        f'<div class="headline">{cards}</div></section>'
    )
    topics = list(dict.fromkeys(t for t in characteristics["breakdown_topic"] if t != "Total"))
    charts = [
        series_by_nature(totals),
        *(characteristic(characteristics, topic, this) for topic in topics),
        regions(subnational, this, policy.regional_rounding_base),
        local_authorities(subnational, this),
    ]
    return render_page(
        f"Serious incident notifications: reporting year {this}",
        [
            f"Notifications to the Child Safeguarding Practice Review Panel, England, as at {as_at}. "
            f"Reporting year {this} runs from April {year - 1} to March {year}.",
            "All figures are those of the published open-data files: regional counts are rounded to the "
            f"nearest {policy.regional_rounding_base} and small counts are suppressed.",
            NOT_A_PERFORMANCE_MEASURE,
        ],
        charts,
        before=headline,
    )


def _shell(
    chart_id: str, title: str, caption: str, alt: str, x_title: str, y_title: str, header: list[str], **extra: Any
) -> Chart:
    """A chart the page's script draws (and redraws when the filters change)."""
    return Chart(chart_id, title, caption, alt, go.Figure(layout=layout(title, x_title, y_title, **extra)), header, [])


RANKING_SHOWN = 10


def ranking_html(ranking: pl.DataFrame) -> str:
    """The Panel's England-wide table: per period and measure, the LAs with most late and open overdue
    cases (the whole list is the CSV beside the page)."""
    sections = []
    for (period, year, measure), part in ranking.group_by("period", "reporting_year", "measure", maintain_order=True):
        top = part.head(RANKING_SHOWN)
        body = "".join(
            f'<tr><th scope="row">{html.escape(str(r["la_name"]))}</th><td class="n">{r["rank"]}</td>'
            f'<td class="n">{r["due"]}</td><td class="n">{r["late"]}</td><td class="n">{r["open_overdue"]}</td></tr>'
            for r in top.iter_rows(named=True)
        )
        sections.append(
            f"<h3>{html.escape(str(measure))}: {year} ({html.escape(str(period))})</h3>"
            '<table><thead><tr><th scope="col">Local authority</th><th scope="col">Rank</th>'
            '<th scope="col">Due</th><th scope="col">Late</th><th scope="col">Open and overdue</th></tr></thead>'
            f"<tbody>{body}</tbody></table>"
        )
    return (
        '<section aria-labelledby="ranking-title"><h2 id="ranking-title">Local authorities with the most late '
        "and open overdue cases</h2><p>England-wide, per measure, for the year to date (provisional) and the last "
        f"complete year: the first {RANKING_SHOWN} of each. The whole table: "
        '<a href="timeliness_la_ranking.csv">timeliness_la_ranking.csv</a>; the cases to chase: '
        '<a href="open_overdue_cases.csv">open_overdue_cases.csv</a>.</p>'
        f"{''.join(sections)}</section>"
    )


def timeliness_page(
    cases: pl.DataFrame, days: pl.DataFrame, ranking: pl.DataFrame, measures: list[str], as_at: str
) -> str:
    """Timeliness for the Panel, filterable by measure, region and LA: counts only."""
    periods = sorted(set(cases["period"]))
    las = cases.select("la", "region").unique().sort("la").to_dicts()
    data = {
        "cases": cases.to_dicts(),
        "days": days.to_dicts(),
        "measures": measures,
        "periods": periods,
        "regions": sorted(set(cases["region"])),
        "las": las,
    }
    charts = [
        _shell(
            "on_time",
            "Share on time by quarter",
            "Percentage of cases due that were on time, per measure and "
            "quarter of the notification date (complete cases plus open cases past their deadline are due). "
            "Source: marts.fct_timeliness.",
            "Line chart of the percentage on time per measure by quarter.",
            "Reporting year and quarter",
            "Percentage on time",
            ["Quarter", "Measure", "Due", "On time", "Percentage on time"],
            yaxis={"title": {"text": "Percentage on time"}, "range": [0, 100]},
        ),
        _shell(
            "working_days",
            "Working days taken",
            "Number of complete cases by the working days taken from start to "
            "end of the measure. Source: marts.fct_timeliness.",
            "Bar chart of complete cases by working days taken.",
            "Working days taken",
            "Complete cases",
            ["Working days taken", "Complete cases"],
        ),
        _shell(
            "overdue",
            f"Open and overdue as at {as_at}",
            "Cases still open after their deadline, as at the as-at "
            "date, by region, or by local authority within a chosen region. Source: marts.fct_timeliness.",
            "Bar chart of open and overdue cases by area.",
            "Region",
            "Open and overdue",
            ["Area", "Open and overdue"],
        ),
    ]
    charts[2].warning = NOT_A_PERFORMANCE_MEASURE
    controls = """
<form class="controls" aria-label="Filters" onsubmit="return false">
  <label for="filter-measure">Measure</label><select id="filter-measure"></select>
  <label for="filter-region">Region</label><select id="filter-region"></select>
  <label for="filter-la">Local authority</label><select id="filter-la"></select>
  <p id="view" aria-live="polite"></p>
</form>"""
    script = f"const PALETTE = {list(PALETTE)};\n" + TIMELINESS_JS.read_text(encoding="utf-8")
    return render_page(
        "Timeliness of notifications and reviews (internal)",
        [
            f"For the Child Safeguarding Practice Review Panel, as at {as_at}. Not for publication: figures are "
            "unrounded and unsuppressed, but counts only.",
            "The quarters of the reporting year in progress are marked year to date, provisional: that year is "
            "in no published file until it has ended.",
        ],
        charts,
        before=ranking_html(ranking) + controls,
        script=script,
        data=data,
    )


def data_quality_page(
    files: pl.DataFrame,
    rules: pl.DataFrame,
    las: pl.DataFrame,
    rejected: pl.DataFrame,
    unrecognised: pl.DataFrame,
    feedback: pl.DataFrame,
    feedback_folder: str,
    as_at: str,
) -> str:
    """Files received, accepted and rejected; rows loaded and quarantined by rule and LA."""
    kinds = files["kind"].to_list()
    charts = [
        bars(
            "files",
            "Files received by kind",
            "Extract files received, accepted and rejected, by kind. "
            "Source: raw.loaded_files and quarantine.rejected_files.",
            "Kind of file",
            "Files received",
            kinds,
            files["files_received"].to_list(),
        ),
        bars(
            "files_rejected",
            "Files rejected by kind",
            "Extract files rejected whole, by kind. Source: quarantine.rejected_files.",
            "Kind of file",
            "Files rejected",
            kinds,
            files["files_rejected"].to_list(),
            PALETTE[5],
        ),
        bars(
            "rows_loaded",
            "Rows loaded by kind",
            "Rows of accepted files loaded into the warehouse. Source: raw.loaded_files.",
            "Kind of file",
            "Rows loaded",
            kinds,
            files["rows_loaded"].to_list(),
            PALETTE[2],
        ),
        bars(
            "rows_quarantined",
            "Rows quarantined by kind",
            "Rows of accepted files held back in quarantine "
            "(each counted once, whatever rules it broke). Source: raw.loaded_files.",
            "Kind of file",
            "Rows quarantined",
            kinds,
            files["rows_quarantined"].to_list(),
            PALETTE[1],
        ),
        bars(
            "by_rule",
            "Quarantined rows by rule",
            "Rows quarantined, by the rule they broke (a row breaking two "
            "rules counts under each). Source: quarantine.rows.",
            "Rule",
            "Rows",
            [f"{r['kind']}: {r['rule']}" for r in rules.iter_rows(named=True)],
            rules["rows_quarantined"].to_list(),
            PALETTE[1],
        ),
        bars(
            "by_la",
            "Quarantined rows by local authority",
            "Rows quarantined, by the 3-digit local authority code the row gives (anything else is shown "
            "as an unreadable code), so the team knows whom to chase. Source: quarantine.rows.",
            "Local authority",
            "Rows",
            [r["la"] for r in las.iter_rows(named=True)],
            las["rows_quarantined"].to_list(),
            PALETTE[3],
        ),
    ]
    rows = "".join(
        f'<tr><th scope="row">{html.escape(r["file_name"])}</th><td>{html.escape(r["kind"])}</td>'
        f"<td>{html.escape(r['reason'])}</td></tr>"
        for r in rejected.iter_rows(named=True)
    )
    rejected_html = (
        '<section aria-labelledby="rejected-title"><h2 id="rejected-title">Files rejected</h2>'
        '<table id="table-rejected"><thead><tr><th scope="col">File</th><th scope="col">Kind</th>'
        f'<th scope="col">Reason</th></tr></thead><tbody>{rows}</tbody></table></section>'
    )
    feedback_rows = "".join(
        f'<tr><th scope="row">{html.escape(r["la_name"] or "LA not readable")}</th>'
        f'<td>{html.escape(r["la_code"] or "")}</td><td class="n">{r["rows"]}</td>'
        f'<td><a href="{html.escape(feedback_folder)}/{html.escape(r["file"])}">{html.escape(r["file"])}</a></td></tr>'
        for r in feedback.iter_rows(named=True)
    )
    names = "".join(f"<li>{html.escape(name)}</li>" for name in unrecognised["file_name"].to_list())
    rejected_html += (
        '<section aria-labelledby="unrecognised-title"><h2 id="unrecognised-title">Files not recognised</h2>'
        "<p>Files in the landing folder whose names are not those of an extract (notifications_, reviews_, "
        "la_context_): left alone, never read.</p>"
        f'<ul id="unrecognised">{names or "<li>None</li>"}</ul></section>'
    )
    rejected_html += (
        '<section aria-labelledby="feedback-title"><h2 id="feedback-title">Feedback to local authorities</h2>'
        "<p>Each local authority's quarantined rows (file, row, column, the value as received, the rule "
        "broken and why), to send it its own corrections. Review rows go to their notification's LA.</p>"
        '<table id="table-feedback"><thead><tr><th scope="col">Local authority</th><th scope="col">Code</th>'
        '<th scope="col">Rows</th><th scope="col">File</th></tr></thead>'
        f"<tbody>{feedback_rows}</tbody></table></section>"
    )
    return render_page(
        "Data quality of the extracts (internal)",
        [f"Files and rows received by the warehouse up to {as_at}. Not for publication: counts only."],
        charts,
        before=rejected_html,
    )
