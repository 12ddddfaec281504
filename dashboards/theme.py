"""The look of every chart: one colour-blind-safe palette and the words every page repeats."""

from __future__ import annotations

from typing import Any

# Okabe and Ito's palette, distinguishable with every common colour-vision deficiency.
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000")

NOT_A_PERFORMANCE_MEASURE = (
    "Counts of notifications are not a measure of a local authority's performance: they depend on "
    "the size and needs of its population and on what happened in the year."
)
FONT = "Arial, Helvetica, sans-serif"


def layout(title: str, x_title: str, y_title: str, **extra: Any) -> dict[str, Any]:
    """The shared layout: title and axis labels always, the palette, no logo."""
    return {
        "title": {"text": title},
        "xaxis": {"title": {"text": x_title}, "automargin": True},
        "yaxis": {"title": {"text": y_title}, "automargin": True, "rangemode": "tozero"},
        "colorway": list(PALETTE),
        "font": {"family": FONT, "size": 14},
        "legend": {"orientation": "h", "x": 0, "y": 1.02, "yanchor": "bottom"},
        "margin": {"t": 110, "b": 80},
        **extra,
    }
