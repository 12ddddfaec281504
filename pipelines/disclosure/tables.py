"""The sums each suppressed open-data file publishes (docs/rules.md §4), and its suppressed columns.

Pure functions, table in and table out, called by the disclosure assets (pipelines/disclosure/assets.py).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable

import polars as pl

from pipelines.disclosure.suppression import Cells, Equation, disclosed, suppress
from schemas.policy import Policy
from schemas.reference import read_seed

TOTAL = "Total"
# How the sums of a file are made from its cells (in publication order), with which cells are public anyway.
Equations = Callable[[pl.DataFrame, Policy], tuple[list[Equation], list[bool]]]
QUARTERS = ("Q1", "Q2", "Q3", "Q4")
METHOD = "suppression_method"  # what chose each cell's year's pattern (pipelines/disclosure/suppression.py)


def combined_natures() -> dict[str, list[str]]:
    """Each nature published under the characteristic topics, with the natures it combines."""
    combined: dict[str, list[str]] = defaultdict(list)
    for row in read_seed("nature_of_notification"):
        if row["series"] == "serious_incident":
            combined[row["characteristics_label"]].append(row["label"])
    return dict(combined)


def split_natures(split_nature: str) -> tuple[str, tuple[str, ...]]:
    """The nature label the split topic's extra items split (Child death), and those items' labels."""
    parent = next(r["characteristics_label"] for r in read_seed("nature_of_notification") if r["code"] == split_nature)
    parts = tuple(dict.fromkeys(r["child_death_label"] for r in read_seed("abuse_neglect")))
    return parent, parts


def characteristics_equations(frame: pl.DataFrame, policy: Policy) -> tuple[list[Equation], list[bool]]:
    """The sums of sin_nature_characteristics (docs/rules.md §4), and which cells are public anyway.

    1. the natures of a cell add to its Total nature (the split items aside);
    2. and 4. the items of a topic add to the Total topic's figure for the same nature, for the
       year ("Serious harm and other" to the Total topic's Serious harm plus Other);
    3. under the Total topic, the quarters add to the year;
    5. the year's Total-topic figures are public in sin_total_notifications;
    7. under the split topic, the split items of an item add to its Child death figure.
    """
    index = {
        (r["time_period"], r["quarter"], r["breakdown_topic"], r["breakdown"], r["nature_of_notification"]): i
        for i, r in enumerate(frame.iter_rows(named=True))
    }
    split_topic = policy.child_death_split_topic
    parent, parts = split_natures(policy.child_death_split_nature)
    equations: list[Equation] = []
    groups: dict[tuple[str, str, str, str], list[tuple[str, int]]] = defaultdict(list)
    for (year, quarter, topic, item, nature), i in index.items():
        groups[(year, quarter, topic, item)].append((nature, i))
    for (year, quarter, topic, item), members in groups.items():
        equation = {i: 1 for nature, i in members if nature != TOTAL and nature not in parts}
        equation[index[(year, quarter, topic, item, TOTAL)]] = -1
        equations.append(equation)
        if topic == split_topic:
            split = {index[(year, quarter, topic, item, part)]: 1 for part in parts}
            split[index[(year, quarter, topic, item, parent)]] = -1
            equations.append(split)
    # Sorted, never set order: the order sums are visited in decides ties, and must not vary.
    topics = sorted({key[2] for key in index} - {TOTAL})
    years = sorted({key[0] for key in index})
    for year in years:
        for topic in topics:
            items = sorted({key[3] for key in index if key[0] == year and key[2] == topic})
            for nature, natures in [*combined_natures().items(), (TOTAL, [TOTAL])]:
                equation = {index[(year, TOTAL, topic, item, nature)]: 1 for item in items}
                for part in natures:
                    equation[index[(year, TOTAL, TOTAL, TOTAL, part)]] = -1
                equations.append(equation)
    for (year, quarter, topic, item, nature), i in index.items():
        if topic == TOTAL and quarter == TOTAL:
            equation = {index[(year, q, topic, item, nature)]: 1 for q in QUARTERS}
            equation[i] = -1
            equations.append(equation)
    known = [key[1] == TOTAL and key[2] == TOTAL for key in index]
    return equations, known


def care_leaver_equations(frame: pl.DataFrame, _policy: Policy) -> tuple[list[Equation], list[bool]]:
    """6. in sin_care_leaver_deaths, the age groups add to the Total."""
    equations = []
    by_year: dict[int, dict[str, int]] = defaultdict(dict)
    for i, row in enumerate(frame.iter_rows(named=True)):
        by_year[row["time_period"]][row["age_group"]] = i
    for cells in by_year.values():
        equation = {i: 1 for group, i in cells.items() if group != TOTAL}
        equation[cells[TOTAL]] = -1
        equations.append(equation)
    return equations, [False] * frame.height


def suppressed_counts(
    frame: pl.DataFrame, count: str, equations: list[Equation], known: list[bool], primary_max: int
) -> pl.DataFrame:
    """The frame (in publication order) with `count` as published text: `c` where suppressed."""
    cells = Cells(values=frame[count].to_list(), order=list(range(frame.height)), known=known)
    chosen = suppress(cells, equations, primary_max)
    return frame.with_columns(
        pl.Series(METHOD, chosen.method, dtype=pl.String),
        pl.when(pl.Series(chosen.hidden, dtype=pl.Boolean))
        .then(pl.lit("c"))
        .otherwise(pl.col(count).cast(pl.String))
        .alias(count),
    )


def national_file(published: pl.DataFrame, countries: pl.DataFrame, columns: list[str]) -> pl.DataFrame:
    """A national EES file: the mandatory time and geography columns for England, then `columns`."""
    england = countries.filter(pl.col("country_name") == "England").row(0, named=True)
    return published.select(
        pl.col("time_period").cast(pl.String),
        pl.lit("Reporting year").alias("time_identifier"),
        pl.lit("National").alias("geographic_level"),
        pl.lit(england["country_code"]).alias("country_code"),
        pl.lit(england["country_name"]).alias("country_name"),
        *columns,
    )


def rule_breaches(
    cells: pl.DataFrame,
    published: pl.DataFrame,
    count: str,
    equations_of: Equations,
    policy: Policy,
) -> list[str]:
    """Every way a published table breaks docs/rules.md §4 against the cells it was made from (both in
    publication order): a count other than its cell's, a small count shown, a sum with exactly one
    hidden part, or a hidden count the sums pin down."""
    if published.height != cells.height:
        return [f"{published.height} rows published for {cells.height} cells"]
    primary_max = policy.primary_suppression_max
    values = cells[count].to_list()
    shown = published[count].to_list()
    problems = []
    for row, (value, text) in enumerate(zip(values, shown, strict=True), start=1):
        if text != "c" and text != str(value):
            problems.append(f"row {row}: published {text!r} for a count of {value}")
        if text != "c" and 1 <= value <= primary_max:
            problems.append(f"row {row}: a count of {value} is published (primary suppression)")
    equations, known = equations_of(cells, policy)
    hidden = [text == "c" for text in shown]
    for equation in equations:
        if sum(1 for i in equation if hidden[i] and not known[i]) == 1:
            rows = ", ".join(str(i + 1) for i in sorted(equation))
            problems.append(f"the sum of rows {rows} has exactly one c (secondary suppression)")
    pinned = disclosed(values, hidden, known, equations, exhaustive=True)
    problems += [f"row {i + 1}: its c can be worked out from the published sums" for i in pinned]
    return problems
