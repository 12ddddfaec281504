"""Break a share of an extract's rows, in many different ways (`--bad-rows`)."""

from __future__ import annotations

import numpy as np
import polars as pl

from pipelines.generate.writers import to_text

# One broken value per entry: (column, value). `None` blanks a required column.
BREAKAGES: dict[str, tuple[tuple[str, str | None], ...]] = {
    "notifications": (
        ("notification_id", "SIN-12"),
        ("notification_id", None),
        ("record_version", "0"),
        ("record_version", "two"),
        ("record_updated_at", "yesterday"),
        ("record_status", "deleted"),
        ("duplicate_of", "DUP-1"),
        ("la_code", "999"),
        ("la_code", "A12"),
        ("incident_date", "2099-01-01"),
        ("la_aware_date", "31/02/2023"),
        ("la_aware_date", None),
        ("notification_date", "2018-03-31"),
        ("notification_date", "2023/05/01"),
        ("nature", "unknown"),
        ("abuse_neglect", "maybe"),
        ("children_involved", "7"),
        ("child_sex", "X"),
        ("child_age", "31"),
        ("child_age", "-1"),
        ("child_ethnicity", "ZZZZ"),
        ("child_disability", "perhaps"),
        ("child_looked_after", None),
        ("child_cin_plan", "yes please"),
        ("child_cp_plan", "2"),
        ("known_to_agency", "?"),
        ("placement_type", "street"),
    ),
    "reviews": (
        ("notification_id", "12345"),
        ("record_updated_at", "2024-13-01T10:00:00"),
        ("rapid_review_received_date", "next week"),
        ("rapid_review_outcome", "done"),
        ("rapid_review_outcome", None),
        ("lcspr_published_date", "2000-01-01"),
        ("lcspr_sent_to_panel_date", "01-01-2024"),
    ),
    "la_context": (
        ("time_period", "1999"),
        ("la_code", "12"),
        ("cin_31march", "-5"),
        ("idaci_avgscore", "high"),
        ("ons_midyear_population", "lots"),
    ),
}


def corrupt_frame(rng: np.random.Generator, frame: pl.DataFrame, kind: str, fraction: float) -> pl.DataFrame:
    """A copy of the frame, as text, with `fraction` of its rows broken by one breakage each."""

    text = to_text(frame)
    if fraction <= 0 or text.height == 0:
        return text
    chosen = np.flatnonzero(rng.random(text.height) < fraction)
    breakages = BREAKAGES[kind]
    which = rng.integers(0, len(breakages), size=len(chosen))
    updates: dict[str, tuple[list[int], list[str | None]]] = {}
    for row, b in zip(chosen.tolist(), which.tolist(), strict=True):
        column, value = breakages[b]
        rows, values = updates.setdefault(column, ([], []))
        rows.append(row)
        values.append(value)
    for column, (rows, values) in updates.items():
        cells = text[column].to_list()
        for row, value in zip(rows, values, strict=True):
            cells[row] = value
        text = text.with_columns(pl.Series(column, cells, dtype=pl.String))
    return text


def roughen(rng: np.random.Generator, text: pl.DataFrame, date_columns: list[str]) -> pl.DataFrame:
    """Harmless variants real exports carry: lower-case codes, DD/MM/YYYY dates, `805.0` numbers."""
    n = text.height
    lower = pl.Series(rng.random(n) < 0.03)
    uk = pl.Series(rng.random(n) < 0.03)
    excel = pl.Series(rng.random(n) < 0.02)
    changes = []
    for column in (
        "nature",
        "child_sex",
        "child_ethnicity",
        "placement_type",
        "rapid_review_outcome",
    ):
        if column in text.columns:
            changes.append(
                pl.when(lower).then(pl.col(column).str.to_lowercase()).otherwise(pl.col(column)).alias(column)
            )
    for column in date_columns:
        if column in text.columns:
            uk_text = pl.col(column).str.replace(r"^(\d{4})-(\d{2})-(\d{2})$", "$3/$2/$1")
            changes.append(pl.when(uk).then(uk_text).otherwise(pl.col(column)).alias(column))
    if "la_code" in text.columns:
        changes.append(pl.when(excel).then(pl.col("la_code") + ".0").otherwise(pl.col("la_code")).alias("la_code"))
    return text.with_columns(changes) if changes else text
