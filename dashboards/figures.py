"""Figure builders: each takes a table and returns a Chart (figure, words and the same figures as a table).

Pure functions: no file or database is read here. Published values stay as published: a
suppressed `c` is drawn as a gap and shown as `c` in the table, never replaced by a number.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import plotly.graph_objects as go
import polars as pl

from dashboards.theme import NOT_A_PERFORMANCE_MEASURE, PALETTE, layout


@dataclass
class Chart:
    """One chart on a page: the figure, what it measures, a text alternative and its table."""

    id: str
    title: str
    caption: str
    alt: str
    figure: go.Figure
    header: list[str]
    rows: list[list[str]]
    warning: str = ""


def number(value: str) -> float | None:
    """A published value as a number, or None for a symbol (c, k, x, z)."""
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def marked(values: list[str]) -> dict[str, Any]:
    """A bar trace's values and labels: a symbol (c, k, x) is drawn where its bar would be, as a
    zero-height bar labelled with the symbol, never a silent gap."""
    heights = [number(v) for v in values]
    return {
        "y": [h if h is not None else 0 for h in heights],
        "text": [v if h is None else "" for v, h in zip(values, heights, strict=True)],
        "textposition": "outside",
        "cliponaxis": False,
    }


SYMBOL_NOTE = (
    "A figure shown as c is hidden to protect confidentiality; k is a count that rounds to 0; x is not available."
)


def series_by_nature(totals: pl.DataFrame) -> Chart:
    """Notifications per reporting year by nature, from sin_total_notifications."""
    years = sorted(set(totals["time_period"]))
    natures = [n for n in dict.fromkeys(totals["nature_of_notification"]) if n != "Total"]
    figure = go.Figure(layout=layout("Serious incident notifications by nature", "Reporting year", "Notifications"))
    figure.update_layout(barmode="stack")
    for colour, nature in zip(PALETTE, natures, strict=False):
        part = totals.filter(pl.col("nature_of_notification") == nature).sort("time_period")
        figure.add_bar(
            x=part["time_period"].to_list(),
            y=[number(v) for v in part["number_notifications"]],
            name=nature,
            marker_color=colour,
        )
    lookup = {
        (r["time_period"], r["nature_of_notification"]): r["number_notifications"] for r in totals.iter_rows(named=True)
    }
    rows = [[year, *(lookup[(year, n)] for n in ["Total", *natures])] for year in years]
    peak = max(rows, key=lambda r: number(r[1]) or 0)
    return Chart(
        id="series",
        title="Serious incident notifications by nature, England",
        caption="Notifications to the Child Safeguarding Practice Review Panel in each reporting year "
        "(April to March), by nature of the incident. Source: sin_total_notifications.",
        alt=f"Stacked bar chart of notifications per reporting year from {years[0]} to {years[-1]} by nature; "
        f"the most were in {peak[0]} ({peak[1]}).",
        figure=figure,
        header=["Reporting year", "Total", *natures],
        rows=rows,
    )


def characteristic(characteristics: pl.DataFrame, topic: str, year: str) -> Chart:
    """Notifications in a year by the groups of one characteristic and nature."""
    part = characteristics.filter(
        pl.col("time_period") == year, pl.col("quarter") == "Total", pl.col("breakdown_topic") == topic
    )
    groups = list(dict.fromkeys(part["breakdown"]))
    natures = [n for n in dict.fromkeys(part["nature_of_notification"]) if n != "Total"]
    lookup = {
        (r["breakdown"], r["nature_of_notification"]): r["number_notifications"] for r in part.iter_rows(named=True)
    }
    figure = go.Figure(layout=layout(f"Notifications by {topic.lower()}, {year}", topic, "Notifications"))
    figure.update_layout(barmode="group")
    for colour, nature in zip(PALETTE, natures, strict=False):
        figure.add_bar(x=groups, **marked([lookup[(g, nature)] for g in groups]), name=nature, marker_color=colour)
    slug = topic.lower().replace(" ", "_")
    return Chart(
        id=f"topic_{slug}",
        title=f"Notifications by {topic.lower()}, England, {year}",
        caption=f"Notifications in reporting year {year} by {topic.lower()} of the first child on the notification "
        f"and nature. {SYMBOL_NOTE} Source: sin_nature_characteristics.",
        alt=f"Grouped bar chart of notifications in {year} by {topic.lower()}: "
        + "; ".join(f"{g} {lookup[(g, 'Total')]}" for g in groups)
        + ".",
        figure=figure,
        header=[topic, "Total", *natures],
        rows=[[g, lookup[(g, "Total")], *(lookup[(g, n)] for n in natures)] for g in groups],
    )


def regions(subnational: pl.DataFrame, year: str, rounding_base: int) -> Chart:
    part = subnational.filter(pl.col("time_period") == year, pl.col("geographic_level") == "Regional")
    names = part["region_name"].to_list()
    figure = go.Figure(
        layout=layout(f"Notifications by region, {year}", "Region", f"Notifications (rounded to {rounding_base})")
    )
    figure.add_bar(
        x=names, **marked(part["number_notifications"].to_list()), marker_color=PALETTE[0], name="Notifications"
    )
    return Chart(
        id="regions",
        title=f"Notifications by region, {year}",
        caption=f"Notifications in reporting year {year} by region of the local authority, rounded to the nearest "
        f"{rounding_base}, "
        f"with the rate per 10,000 children aged 0 to 17. {SYMBOL_NOTE} Source: sin_subnational.",
        alt=f"Bar chart of notifications by region in {year}: "
        + "; ".join(f"{n} {v}" for n, v in zip(names, part["number_notifications"], strict=True))
        + ".",
        figure=figure,
        header=["Region", "Notifications", "Rate per 10,000 children"],
        rows=[
            [r["region_name"], r["number_notifications"], r["rate_per_10000_children"]]
            for r in part.iter_rows(named=True)
        ],
        warning=NOT_A_PERFORMANCE_MEASURE,
    )


def local_authorities(subnational: pl.DataFrame, year: str) -> Chart:
    part = subnational.filter(pl.col("time_period") == year, pl.col("geographic_level") == "Local authority")
    ordered = sorted(
        part.iter_rows(named=True), key=lambda r: (number(r["rate_per_10000_children"]) or -1, r["la_name"])
    )
    figure = go.Figure(
        layout=layout(
            f"Rate of notifications by local authority, {year}",
            "Notifications per 10,000 children",
            "Local authority",
            height=max(400, 14 * len(ordered)),
        )
    )
    rates = marked([r["rate_per_10000_children"] for r in ordered])
    figure.add_bar(
        y=[r["la_name"] for r in ordered],
        x=rates["y"],
        text=rates["text"],
        textposition="outside",
        cliponaxis=False,
        orientation="h",
        marker_color=PALETTE[4],
        name="Rate per 10,000 children",
    )
    return Chart(
        id="local_authorities",
        title=f"Notifications per 10,000 children by local authority, {year}",
        caption=f"Notifications in reporting year {year} per 10,000 children aged 0 to 17, for every local authority "
        f"(x where the population is not available, drawn as an x where its bar would be). Source: sin_subnational.",
        alt=f"Horizontal bar chart of the rate of notifications for {len(ordered)} local authorities in {year}.",
        figure=figure,
        header=["Local authority", "Code", "Notifications", "Rate per 10,000 children"],
        rows=[
            [r["la_name"], r["old_la_code"], r["number_notifications"], r["rate_per_10000_children"]]
            for r in sorted(part.iter_rows(named=True), key=lambda r: r["la_name"])
        ],
        warning=NOT_A_PERFORMANCE_MEASURE,
    )


def bars(
    chart_id: str,
    title: str,
    caption: str,
    x_title: str,
    y_title: str,
    labels: list[str],
    values: list[int],
    colour: str = PALETTE[0],
) -> Chart:
    """A plain bar chart of counts, for the internal pages."""
    figure = go.Figure(layout=layout(title, x_title, y_title))
    figure.add_bar(x=labels, y=values, marker_color=colour, name=y_title)
    return Chart(
        id=chart_id,
        title=title,
        caption=caption,
        alt=f"Bar chart, {title.lower()}: "
        + "; ".join(f"{label} {value}" for label, value in zip(labels, values, strict=True))
        + ".",
        figure=figure,
        header=[x_title, y_title],
        rows=[[label, str(value)] for label, value in zip(labels, values, strict=True)],
    )
