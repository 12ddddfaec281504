"""Synthetic extracts that look like the real thing (docs/outputs.md §5). No real record ever ships.

Everything is drawn from one `numpy` generator seeded by `--seed`, in a fixed order, and
written with fixed formatting, so the same seed gives the same bytes. Volumes scale linearly
with `--scale`; the work is vectorised so that ten million rows take minutes, not hours.
"""

from __future__ import annotations

import datetime as dt
import itertools
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

from pipelines.generate.corrupt import corrupt_frame, roughen
from pipelines.generate.writers import to_text, write_csv, write_xlsx
from pipelines.reference.holidays import busday_calendar
from schemas.contracts import CONTRACTS
from schemas.policy import policy
from schemas.reference import local_authority_periods

# Published national totals (DfE release), the level the synthetic series is drawn around.
PUBLISHED_TOTALS = {
    2019: 498,
    2020: 449,
    2021: 536,
    2022: 442,
    2023: 456,
    2024: 405,
    2025: 338,
    2026: 357,
}
CARE_LEAVER_DEATHS_PER_YEAR = 100
# Scales above this write CSV only (XLSX is slow to write and to read at volume).
XLSX_MAX_SCALE = 5

NATURE_MIX = {"child_death": 0.45, "serious_harm": 0.50, "other": 0.05}
AGE_GROUP_MIX = [
    ((0, 0), 0.36),
    ((1, 5), 0.17),
    ((6, 10), 0.10),
    ((11, 15), 0.27),
    ((16, 17), 0.08),
]
ETHNICITY_MIX = {
    "WBRI": 0.60,
    "WIRI": 0.005,
    "WIRT": 0.01,
    "WROM": 0.01,
    "WOTH": 0.05,
    "MWBC": 0.025,
    "MWBA": 0.01,
    "MWAS": 0.01,
    "MOTH": 0.02,
    "AIND": 0.015,
    "APKN": 0.035,
    "ABAN": 0.015,
    "CHNE": 0.003,
    "AOTH": 0.012,
    "BCRB": 0.015,
    "BAFR": 0.04,
    "BOTH": 0.01,
    "OOTH": 0.02,
    "REFU": 0.01,
    "NOBT": 0.09,
}
PLACEMENT_MIX = {
    "home": 0.80,
    "foster": 0.05,
    "residential": 0.03,
    "secure": 0.01,
    "hospital": 0.03,
    "independent": 0.02,
    "other": 0.02,
    "unknown": 0.04,
}
NOTIFICATION_COLUMNS = (
    "notification_id",
    "record_version",
    "record_updated_at",
    "record_status",
    "duplicate_of",
    "la_code",
    "incident_date",
    "la_aware_date",
    "notification_date",
    "nature",
    "abuse_neglect",
    "children_involved",
    "child_sex",
    "child_age",
    "child_ethnicity",
    "child_disability",
    "child_looked_after",
    "child_cin_plan",
    "child_cp_plan",
    "known_to_agency",
    "placement_type",
)
# Identifying columns real exports carry: generated (fake) so tests prove they never get stored.
IDENTIFYING_COLUMNS = ("child_name", "child_dob", "incident_summary")
REVIEW_COLUMNS = (
    "notification_id",
    "record_updated_at",
    "rapid_review_received_date",
    "rapid_review_outcome",
    "lcspr_decision_date",
    "lcspr_sent_to_panel_date",
    "lcspr_published_date",
)
FIRST_NAMES = (
    "Alex",
    "Sam",
    "Jordan",
    "Casey",
    "Riley",
    "Morgan",
    "Jamie",
    "Taylor",
    "Robin",
    "Charlie",
)
LAST_NAMES = (
    "Smith",
    "Jones",
    "Taylor",
    "Brown",
    "Williams",
    "Wilson",
    "Johnson",
    "Davies",
    "Patel",
    "Khan",
)


@dataclass(frozen=True)
class GenerateOptions:
    out: Path
    first_year: int = 2019
    last_year: int = 2026
    seed: int = 2026
    scale: float = 1.0
    bad_rows: float = 0.0
    csv_only: bool = False


def _year_bounds(year: int) -> tuple[np.datetime64, np.datetime64]:
    return np.datetime64(f"{year - 1}-04-01"), np.datetime64(f"{year}-03-31")


def _pick(rng: np.random.Generator, mix: dict[str, float], size: int) -> np.ndarray:
    keys = np.array(list(mix))
    weights = np.array(list(mix.values()))
    return keys[rng.choice(len(keys), size=size, p=weights / weights.sum())]


def _la_sizes(rng: np.random.Generator) -> dict[str, float]:
    """A synthetic child population per 3-digit LA code, the weight notifications follow."""
    la_codes = sorted({p.old_la_code for p in local_authority_periods()})
    sizes = rng.lognormal(mean=np.log(70_000), sigma=0.6, size=len(la_codes))
    sizes[la_codes.index("420")] = 2_000  # Isles of Scilly
    sizes[la_codes.index("201")] = 1_500  # City of London
    return dict(zip(la_codes, sizes.round(), strict=True))


def _assign_las(rng: np.random.Generator, days: np.ndarray, sizes: dict[str, float]) -> np.ndarray:
    """An LA live on each day, in proportion to its size (boundary changes respected)."""
    periods = local_authority_periods()
    starts = sorted({np.datetime64(p.start) for p in periods} | {np.datetime64(p.end) + 1 for p in periods if p.end})
    result = np.empty(days.shape, dtype=object)
    edges = [*starts, np.datetime64("2100-01-01")]
    for low, high in itertools.pairwise(edges):
        inside = (days >= low) & (days < high)
        if not inside.any():
            continue
        live = [p.old_la_code for p in periods if p.live_on(low.astype(dt.date))]
        weights = np.array([sizes[c] for c in live])
        result[inside] = np.array(live)[rng.choice(len(live), size=int(inside.sum()), p=weights / weights.sum())]
    return result.astype(str)


def _ynu(rng: np.random.Generator, yes: float, unknown: float, size: int) -> np.ndarray:
    return _pick(rng, {"Y": yes, "N": 1 - yes - unknown, "U": unknown}, size)


def _clock(rng: np.random.Generator, days: np.ndarray) -> np.ndarray:
    """A working-hours time on each day, London local, as datetime64[s]."""
    seconds = rng.integers(8 * 3600, 18 * 3600, size=days.shape)
    clock: np.ndarray = (days.astype("datetime64[s]") + seconds.astype("timedelta64[s]")).astype("datetime64[us]")
    return clock


def _first_versions(
    rng: np.random.Generator, options: GenerateOptions, sizes: dict[str, float], end: np.datetime64
) -> pl.DataFrame:
    """One row per notification as first notified, every year of the series."""
    frames = []
    calendar = busday_calendar()
    for year in range(options.first_year, options.last_year + 1):
        low, high = _year_bounds(year)
        high = min(high, end)
        if high < low:
            continue
        span = int((high - low).astype(int)) + 1
        counted = round(PUBLISHED_TOTALS.get(year, 400) * options.scale * rng.normal(1.0, 0.02))
        care_leavers = (
            round(CARE_LEAVER_DEATHS_PER_YEAR * options.scale * rng.normal(1.0, 0.05))
            if year >= policy().care_leaver_first_year
            else 0
        )
        n = counted + care_leavers
        notified = low + rng.integers(0, span, size=n).astype("timedelta64[D]")
        nature = np.concatenate([_pick(rng, NATURE_MIX, counted), np.full(care_leavers, "care_leaver_death")])
        rng.shuffle(nature)
        # Most LAs notify within 5 working days of becoming aware; some are late, a few very late.
        lag = np.where(rng.random(n) < 0.85, rng.integers(0, 6, size=n), rng.integers(6, 45, size=n))
        aware = np.busday_offset(notified, -lag, roll="backward", busdaycal=calendar)
        aware = np.minimum(aware, notified)
        weekend_aware = rng.random(n) < 0.05  # some LAs become aware at a weekend
        aware = np.where(weekend_aware, aware - np.timedelta64(1, "D") * rng.integers(0, 2, size=n), aware)
        incident = aware - rng.geometric(0.3, size=n).astype("timedelta64[D]") + 1
        incident_known = rng.random(n) < 0.85
        frames.append(
            pl.DataFrame(
                {
                    "notification_date": notified,
                    "la_aware_date": aware,
                    "incident_date": np.where(incident_known, incident, np.datetime64("NaT")),
                    "nature": nature,
                }
            )
        )
    base = pl.concat(frames).sort("notification_date")
    n = base.height
    nature = base["nature"].to_numpy()
    is_cl = nature == "care_leaver_death"
    is_death = nature == "child_death"
    looked_after = _ynu(rng, 0.08, 0.03, n)
    # The death of a looked-after child is notified even where abuse or neglect is not suspected.
    lac_death_not_suspected = is_death & (rng.random(n) < 0.04)
    looked_after = np.where(lac_death_not_suspected, "Y", looked_after)
    abuse = _pick(rng, {"known": 0.35, "suspected": 0.65}, n)
    abuse = np.where(lac_death_not_suspected, "not_suspected", abuse)
    abuse = np.where(is_cl, _pick(rng, {"known": 0.1, "suspected": 0.3, "not_suspected": 0.6}, n), abuse)
    age_weights = np.array([w for _, w in AGE_GROUP_MIX])
    groups = rng.choice(len(AGE_GROUP_MIX), size=n, p=age_weights / age_weights.sum())
    lows = np.array([g[0] for g, _ in AGE_GROUP_MIX])[groups]
    highs = np.array([g[1] for g, _ in AGE_GROUP_MIX])[groups]
    age = rng.integers(lows, highs + 1).astype(float)
    age = np.where(is_cl, rng.integers(16, 25, size=n), age)
    # Unknown ages: 2% of children; care leavers' ages come from the date of birth the system
    # holds, so theirs is unknown only rarely (0.2%).
    unknown = rng.random(n) < np.where(is_cl, 0.002, 0.02)
    age[unknown] = np.nan
    placement = _pick(rng, PLACEMENT_MIX, n)
    placement = np.where(is_cl, _pick(rng, {"independent": 0.6, "other": 0.2, "unknown": 0.2}, n), placement)
    la = _assign_las(rng, base["notification_date"].to_numpy(), sizes)
    created = _clock(rng, base["notification_date"].to_numpy())
    return base.with_columns(
        notification_id=pl.Series([f"SIN-{i:06d}" for i in range(1, n + 1)]),
        record_version=pl.lit(1, pl.Int64),
        record_updated_at=pl.Series(created),
        record_status=pl.lit("active"),
        duplicate_of=pl.lit(None, pl.String),
        la_code=pl.Series(la),
        abuse_neglect=pl.Series(abuse),
        children_involved=pl.Series(rng.choice([1, 2, 3, 4], size=n, p=[0.9, 0.07, 0.02, 0.01])),
        child_sex=pl.Series(_pick(rng, {"M": 0.53, "F": 0.45, "U": 0.02}, n)),
        child_age=pl.Series(age).cast(pl.Int64, strict=False),
        child_ethnicity=pl.Series(_pick(rng, ETHNICITY_MIX, n)),
        child_disability=pl.Series(_ynu(rng, 0.1, 0.1, n)),
        child_looked_after=pl.Series(np.where(is_cl, "N", looked_after)),
        child_cin_plan=pl.Series(_ynu(rng, 0.2, 0.05, n)),
        child_cp_plan=pl.Series(_ynu(rng, 0.15, 0.05, n)),
        known_to_agency=pl.Series(_ynu(rng, 0.75, 0.1, n)),
        placement_type=pl.Series(placement),
    ).select(NOTIFICATION_COLUMNS)


def _duplicates(rng: np.random.Generator, first: pl.DataFrame, share: float) -> pl.DataFrame:
    """Second notifications of the same incident (often a child perpetrator), pointing back."""
    n = first.height
    picks = np.sort(rng.choice(n, size=max(1, int(n * share)), replace=False))
    originals = first[picks]
    ids = [f"SIN-{i:06d}" for i in range(n + 1, n + 1 + len(picks))]
    extra = originals.with_columns(
        notification_id=pl.Series(ids),
        duplicate_of=originals["notification_id"],
        nature=pl.when(pl.col("nature") == "care_leaver_death").then(pl.col("nature")).otherwise(pl.lit("other")),
        abuse_neglect=pl.when(pl.col("abuse_neglect") == "not_suspected")
        .then(pl.lit("suspected"))
        .otherwise(pl.col("abuse_neglect")),
        child_age=pl.when(pl.col("nature") == "care_leaver_death")
        .then(pl.col("child_age"))
        .otherwise(pl.Series(rng.integers(10, 18, size=len(picks)))),
        record_updated_at=pl.col("record_updated_at") + pl.duration(hours=2),
    )
    # A handful of unresolvable links analysts must see flagged: to itself, and to nowhere.
    if extra.height >= 4:
        extra = extra.with_columns(
            duplicate_of=pl.when(pl.int_range(pl.len()) == 0)
            .then(pl.col("notification_id"))
            .when(pl.int_range(pl.len()) == 1)
            .then(pl.lit("SIN-999999"))
            .otherwise(pl.col("duplicate_of"))
        )
    return extra


def _amendments(rng: np.random.Generator, first: pl.DataFrame, end: np.datetime64) -> pl.DataFrame:
    """Later versions: corrections of characteristics, and some withdrawals made in error."""
    versions = []
    current = first
    for version, share in ((2, 0.15), (3, 0.3)):
        chosen = current.filter(pl.Series(rng.random(current.height) < share))
        delay = rng.integers(1, 150, size=chosen.height).astype("timedelta64[D]")
        seconds = rng.integers(8 * 3600, 18 * 3600, size=chosen.height).astype("timedelta64[s]")
        stamp = chosen["record_updated_at"].to_numpy().astype("datetime64[D]") + delay
        amended = chosen.with_columns(
            record_version=pl.lit(version, pl.Int64),
            record_updated_at=pl.Series((stamp.astype("datetime64[s]") + seconds).astype("datetime64[us]")),
            child_ethnicity=pl.when(pl.col("child_ethnicity") == "NOBT")
            .then(pl.Series(_pick(rng, ETHNICITY_MIX, chosen.height)))
            .otherwise(pl.col("child_ethnicity")),
            known_to_agency=pl.when(pl.Series(rng.random(chosen.height) < 0.3))
            .then(pl.lit("Y"))
            .otherwise(pl.col("known_to_agency")),
            # Now and then the nature itself is corrected by an amendment of the notification.
            nature=pl.when((pl.col("nature") == "serious_harm") & pl.Series(rng.random(chosen.height) < 0.05))
            .then(pl.lit("child_death"))
            .otherwise(pl.col("nature")),
        ).filter(pl.col("record_updated_at") <= pl.lit(end.astype(dt.datetime)))
        versions.append(amended)
        current = amended
    everything = pl.concat([first, *versions])
    latest = everything.sort("notification_id", "record_version").unique(
        "notification_id", keep="last", maintain_order=True
    )
    withdrawn = (
        latest.filter(pl.Series(rng.random(latest.height) < 0.02))
        .with_columns(
            record_version=pl.col("record_version") + 1,
            record_status=pl.lit("withdrawn"),
            record_updated_at=pl.col("record_updated_at") + pl.duration(days=3),
        )
        .filter(pl.col("record_updated_at") <= pl.lit(end.astype(dt.datetime)))
    )
    return pl.concat([everything, withdrawn]).sort("record_updated_at", "notification_id")


def _reviews(rng: np.random.Generator, notifications: pl.DataFrame, end: np.datetime64) -> pl.DataFrame:
    """Rapid review and local review milestones, as versions that fill in over time."""
    calendar = busday_calendar()
    cases = (
        notifications.sort("notification_id", "record_version")
        .unique("notification_id", keep="last", maintain_order=True)
        .filter(pl.col("abuse_neglect") != "not_suspected", pl.col("nature") != "care_leaver_death")
        .sort("notification_id")
    )
    n = cases.height
    aware = cases["la_aware_date"].to_numpy()
    lag = np.where(rng.random(n) < 0.8, rng.integers(5, 16, size=n), rng.integers(16, 40, size=n))
    received = np.busday_offset(aware, lag, roll="forward", busdaycal=calendar)
    # Some rapid reviews have not arrived by the last export: open on that measure.
    received = np.where(rng.random(n) < 0.04, end + np.timedelta64(1000, "D"), received)
    outcome = _pick(rng, {"lcspr": 0.3, "no_lcspr": 0.65, "national_review": 0.05}, n)
    decision = received + rng.integers(1, 20, size=n).astype("timedelta64[D]")
    # Most local reviews are published within six months of the decision; some take longer.
    sent = decision + np.where(
        rng.random(n) < 0.75, rng.integers(90, 160, size=n), rng.integers(160, 260, size=n)
    ).astype("timedelta64[D]")
    published = np.busday_offset(sent, rng.integers(3, 25, size=n), roll="forward", busdaycal=calendar)
    is_lcspr = outcome == "lcspr"
    nat = np.datetime64("NaT")

    def stage(day: np.ndarray, columns: dict[str, Any]) -> pl.DataFrame:
        frame = pl.DataFrame(
            {
                "notification_id": cases["notification_id"],
                "record_updated_at": _clock(rng, day),
                **columns,
            }
        )
        return frame.filter(pl.Series(day <= end))

    first = stage(
        received,
        {
            "rapid_review_received_date": received,
            "rapid_review_outcome": np.full(n, "pending"),
            "lcspr_decision_date": np.full(n, nat, dtype="datetime64[D]"),
            "lcspr_sent_to_panel_date": np.full(n, nat, dtype="datetime64[D]"),
            "lcspr_published_date": np.full(n, nat, dtype="datetime64[D]"),
        },
    )
    decided = stage(
        decision,
        {
            "rapid_review_received_date": received,
            "rapid_review_outcome": outcome,
            "lcspr_decision_date": np.where(is_lcspr, decision, nat),
            "lcspr_sent_to_panel_date": np.full(n, nat, dtype="datetime64[D]"),
            "lcspr_published_date": np.full(n, nat, dtype="datetime64[D]"),
        },
    )
    done = stage(
        published,
        {
            "rapid_review_received_date": received,
            "rapid_review_outcome": outcome,
            "lcspr_decision_date": np.where(is_lcspr, decision, nat),
            "lcspr_sent_to_panel_date": np.where(is_lcspr, sent, nat),
            "lcspr_published_date": np.where(is_lcspr, published, nat),
        },
    ).filter(pl.col("lcspr_published_date").is_not_null())
    return pl.concat([first, decided, done]).sort("record_updated_at", "notification_id")


def _la_context(rng: np.random.Generator, options: GenerateOptions, sizes: dict[str, float]) -> dict[int, pl.DataFrame]:
    frames = {}
    periods = local_authority_periods()
    idaci = {code: rng.uniform(0.08, 0.35) for code in sorted(sizes)}
    for year in range(options.first_year, options.last_year + 1):
        low, high = (d.astype(dt.date) for d in _year_bounds(year))
        live = sorted({p.old_la_code for p in periods if p.start <= high and (p.end is None or p.end >= low)})
        growth = 1 + 0.004 * (year - options.first_year)
        population = np.array([sizes[c] * growth for c in live]).round().astype(np.int64)
        cin = (population * rng.uniform(0.025, 0.045, size=len(live))).round().astype(np.int64)
        frame = pl.DataFrame(
            {
                "time_period": np.full(len(live), year),
                "la_code": live,
                "cin_31march": cin,
                "idaci_avgscore": np.round([idaci[c] + rng.normal(0, 0.005) for c in live], 3),
                "ons_midyear_population": population,
            }
        )
        # Every live LA has its context every year, as DfE's sources give it: England's and each
        # region's sums are then published (a missing LA figure makes its area's sum x).
        frames[year] = frame
    return frames


def _export_dates(options: GenerateOptions) -> list[np.datetime64]:
    """Twice-yearly exports from the first year to six months after the last year ends."""
    dates = []
    for year in range(options.first_year - 1, options.last_year + 1):
        dates += [np.datetime64(f"{year}-10-05"), np.datetime64(f"{year + 1}-04-05")]
    last = np.datetime64(f"{options.last_year}-09-30")
    return sorted({d for d in dates if d < last} | {last})


def _identifying(rng: np.random.Generator, frame: pl.DataFrame) -> pl.DataFrame:
    n = frame.height
    first = np.array(FIRST_NAMES)[rng.integers(0, len(FIRST_NAMES), size=n)]
    last = np.array(LAST_NAMES)[rng.integers(0, len(LAST_NAMES), size=n)]
    born = frame["notification_date"].to_numpy() - rng.integers(30, 6000, size=n).astype("timedelta64[D]")
    return frame.with_columns(
        child_name=pl.Series(np.char.add(np.char.add(first, " "), last)),
        child_dob=pl.Series(born),
        incident_summary=pl.concat_str(pl.lit("Confidential summary of incident "), pl.col("notification_id")),
    )


def _date_columns(kind: str) -> list[str]:
    return [c.name for c in CONTRACTS[kind].columns if c.kind == "date"] + (
        ["child_dob"] if kind == "notifications" else []
    )


def generate(options: GenerateOptions) -> list[Path]:
    """Write the landing folder; returns the files written."""
    rng = np.random.default_rng(options.seed)
    options.out.mkdir(parents=True, exist_ok=True)
    exports = _export_dates(options)
    end = exports[-1]
    sizes = _la_sizes(rng)
    first = _first_versions(rng, options, sizes, end)
    first = pl.concat([first, _duplicates(rng, first, 0.02)])
    notifications = _amendments(rng, first, end)
    reviews = _reviews(rng, notifications, end)
    notifications = _identifying(rng, notifications)
    written: list[Path] = []
    overlap = np.timedelta64(45, "D")
    previous = np.datetime64("1900-01-01")
    use_xlsx = options.scale <= XLSX_MAX_SCALE and not options.csv_only
    for index, export in enumerate(exports):
        window_start = previous - overlap
        stamp = export.astype(dt.date).strftime("%Y%m%d")
        as_xlsx = use_xlsx and index % 3 == 1
        for kind, frame in (("notifications", notifications), ("reviews", reviews)):
            updated_day = pl.col("record_updated_at").cast(pl.Date)
            part = frame.filter(
                updated_day > pl.lit(window_start.astype(dt.date)),
                updated_day <= pl.lit(export.astype(dt.date)),
            )
            dates = _date_columns(kind)
            part = roughen(rng, corrupt_frame(rng, part, kind, options.bad_rows), dates)
            path = options.out / f"{kind}_{stamp}.{'xlsx' if as_xlsx else 'csv'}"
            (write_xlsx if as_xlsx else write_csv)(part, path, dates)
            written.append(path)
        previous = export
    for year, frame in _la_context(rng, options, sizes).items():
        as_xlsx = use_xlsx and year % 4 == 0
        path = options.out / f"la_context_{year}.{'xlsx' if as_xlsx else 'csv'}"
        broken = corrupt_frame(rng, frame, "la_context", options.bad_rows)
        (write_xlsx if as_xlsx else write_csv)(broken, path, [])
        written.append(path)
        # A later file for the same year replaces the first one whole (docs/extracts.md §3): one
        # year gets a revision of its figures, and a year whose file had broken rows gets the LAs'
        # corrections, so every live LA has its context every year in the end, as in DfE's sources.
        if year == options.last_year - 2:
            revised = frame.with_columns(cin_31march=pl.col("cin_31march") + 5)
            path = options.out / f"la_context_{year}_revised.csv"
            write_csv(to_text(revised), path, [])
            written.append(path)
        elif not broken.equals(to_text(frame)):
            path = options.out / f"la_context_{year}_corrected.csv"
            write_csv(to_text(frame), path, [])
            written.append(path)
    return written
