"""The QA report of a release: the checks a statistician makes before signing it off, each passing or
failing with the figures that decide it. Written by `sinstats release YEAR` to
PUBLISH/releases/.qa/YEAR/ (qa_report.html, qa_checks.csv, release.json), never published; a
sign-off (`sinstats release YEAR --sign-off NAME`) is refused while any check fails.

The checks read the release's own files (as a user reads them), the previous release beside it, and
the warehouse the release was built from (for what explains a revision, and the disclosure proof).
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import html
import json
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

import duckdb
import polars as pl

from pipelines.disclosure.assets import COUNT, METHODS_TABLE, SUPPRESSED_FILES, table_problems
from pipelines.disclosure.tables import care_leaver_equations, characteristics_equations
from pipelines.publish.cells import neutralise
from pipelines.publish.standard import check_files
from pipelines.release.swap import QA_FOLDER
from schemas.policy import Policy

REPORT = "qa_report.html"
CHECKS = "qa_checks.csv"
RELEASE = "release.json"
SIGN_OFF = "sign_off.csv"
TOTAL = "Total"
NOTIFIED = "Notification within 5 working days"  # every notification of a finished year is due on it
CONTEXT_INDICATORS = {"cin_31march", "idaci_avgscore", "ons_midyear_population", "rate_per_10000_children"}
SHOWN = 20  # failing figures listed per check


@dataclass(frozen=True)
class Check:
    area: str
    check: str
    passed: bool
    figures: str


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def _number(text: str) -> int | None:
    return int(text) if text.lstrip("-").isdigit() else None


def national_totals(folder: Path, years: list[str]) -> list[Check]:
    """Each year's national count of notifications, equal in the four files that hold it (care leaver
    deaths are a series of their own: their Total is checked against its parts)."""
    totals = {
        r["time_period"]: r["number_notifications"]
        for r in _rows(folder / "sin_total_notifications.csv")
        if r["nature_of_notification"] == TOTAL
    }
    characteristics = {
        r["time_period"]: r["number_notifications"]
        for r in _rows(folder / "sin_nature_characteristics.csv")
        if (r["quarter"], r["breakdown_topic"], r["breakdown"], r["nature_of_notification"]) == (TOTAL,) * 4
    }
    subnational = {
        r["time_period"]: r["number_notifications"]
        for r in _rows(folder / "sin_subnational.csv")
        if r["geographic_level"] == "National"
    }
    timeliness = {
        r["time_period"]: r["number_due"]
        for r in _rows(folder / "sin_timeliness.csv")
        if r["geographic_level"] == "National" and r["measure"] == NOTIFIED
    }
    checks = []
    for year in years:
        found = {
            "sin_total_notifications": totals.get(year, "(none)"),
            "sin_nature_characteristics": characteristics.get(year, "(none)"),
            "sin_subnational": subnational.get(year, "(none)"),
            "sin_timeliness (notifications due)": timeliness.get(year, "(none)"),
        }
        checks.append(
            Check(
                "National totals",
                f"{year}: the national count of notifications is the same in every file",
                len(set(found.values())) == 1 and _number(next(iter(found.values()))) is not None,
                ", ".join(f"{name} {value}" for name, value in found.items()),
            )
        )
    return checks


def _unbalanced(frame: pl.DataFrame, equations: list[dict[int, int]]) -> tuple[int, list[str]]:
    """How many sums have every part shown, and those of them that do not add up."""
    values = [_number(v) for v in frame[COUNT].to_list()]
    checked, wrong = 0, []
    for equation in equations:
        if any(values[i] is None for i in equation):
            continue
        checked += 1
        if sum(coefficient * (values[i] or 0) for i, coefficient in equation.items()) != 0:
            parts = " + ".join(f"row {i + 2}: {values[i]}" for i, c in sorted(equation.items()) if c > 0)
            total = " + ".join(f"row {i + 2}: {values[i]}" for i, c in sorted(equation.items()) if c < 0)
            wrong.append(f"{parts} != {total}")
    return checked, wrong


def sums_of_parts(folder: Path, policy: Policy) -> list[Check]:
    """Where every part of a published sum is shown, the parts add to the total."""
    checks = []
    totals = pl.DataFrame(_rows(folder / "sin_total_notifications.csv"))
    for name, equations_of in (
        ("sin_nature_characteristics", characteristics_equations),
        ("sin_care_leaver_deaths", care_leaver_equations),
    ):
        if not (folder / f"{name}.csv").exists():
            continue  # care leaver deaths before their first year
        frame = pl.DataFrame(_rows(folder / f"{name}.csv"))
        if frame.is_empty():
            continue
        equations, _ = equations_of(frame, policy)
        checked, wrong = _unbalanced(frame, equations)
        checks.append(
            Check(
                "Sums of parts",
                f"{name}: every sum of docs/rules.md §4 with all its parts shown adds up",
                not wrong,
                f"{checked} sums checked, {len(wrong)} do not add up" + "".join(f"; {w}" for w in wrong[:SHOWN]),
            )
        )
    wrong = []
    for year, part in totals.group_by("time_period", maintain_order=True):
        by_nature = dict(zip(part["nature_of_notification"], part[COUNT].cast(pl.Int64), strict=True))
        if sum(v for k, v in by_nature.items() if k != TOTAL) != by_nature.get(TOTAL):
            wrong.append(
                f"{year[0]}: natures {sum(v for k, v in by_nature.items() if k != TOTAL)}, Total {by_nature.get(TOTAL)}"
            )
    checks.append(
        Check(
            "Sums of parts",
            "sin_total_notifications: the natures add to the Total",
            not wrong,
            f"{totals['time_period'].n_unique()} years checked" + "".join(f"; {w}" for w in wrong),
        )
    )
    subnational = _rows(folder / "sin_subnational.csv")
    wrong = []
    by_year: dict[str, dict[str, list[dict[str, str]]]] = defaultdict(lambda: defaultdict(list))
    for row in subnational:
        by_year[row["time_period"]][row["geographic_level"]].append(row)
    base = policy.regional_rounding_base
    for period, levels in by_year.items():
        las = levels["Local authority"]
        national = levels["National"][0][COUNT]
        la_sum = sum(int(r[COUNT]) for r in las)
        if str(la_sum) != national:
            wrong.append(f"{period}: LAs add to {la_sum}, National {national}")
        for region in levels["Regional"]:
            total = sum(int(r[COUNT]) for r in las if r["region_code"] == region["region_code"])
            rounded = (total + base // 2) // base * base
            expected = "k" if total and not rounded else str(rounded)
            if region[COUNT] != expected:
                wrong.append(
                    f"{period} {region['region_name']}: LAs add to {total} (rounds to {expected}), "
                    f"published {region[COUNT]}"
                )
    checks.append(
        Check(
            "Sums of parts",
            f"sin_subnational: LAs add to the national count, and each region is its LAs' sum rounded to {base}",
            not wrong,
            f"{len(by_year)} years checked" + "".join(f"; {w}" for w in wrong[:SHOWN]),
        )
    )
    return checks


def _changed_since(connection: duckdb.DuckDBPyConnection, since: dt.date, until: dt.date) -> dict[str, int]:
    """Per reporting year, the notifications with a version or a review saved after the end of `since`
    and by the end of `until` (London dates, as the cut-off counts them)."""
    found = connection.execute(
        """
        select f.reporting_year::varchar, count(distinct f.notification_id)
        from marts.fct_notifications f
        where f.notification_id in (
            select notification_id from staging.stg_raw__notifications where record_updated_date > ?
                and record_updated_date <= ?
            union select notification_id from staging.stg_raw__reviews where record_updated_date > ?
                and record_updated_date <= ?
        )
        group by 1
        """,
        [since, until, since, until],
    ).fetchall()
    return {year: count for year, count in found if year is not None}


def _context_files(connection: duckdb.DuckDBPyConnection) -> dict[str, int]:
    """Per year, how many la_context files were loaded for it (more than one: a correction)."""
    found = connection.execute(
        "select time_period::varchar, count(distinct _file_name) from raw.la_context group by 1"
    ).fetchall()
    return dict(found)


def revisions(
    folder: Path,
    previous: Path | None,
    previous_cut_off: dt.date | None,
    cut_off: dt.date,
    connection: duckdb.DuckDBPyConnection,
) -> list[Check]:
    """Every figure that moved against the previous release (revisions.csv), explained by what changed
    in the data after the previous release's cut-off, or flagged."""
    if previous is None or previous_cut_off is None:
        return [Check("Revisions", "figures against the previous release", True, "no previous release beside this one")]
    changes = _rows(folder / "revisions.csv")
    changed = _changed_since(connection, previous_cut_off, cut_off)
    context = _context_files(connection)
    groups: dict[tuple[str, str, bool], int] = defaultdict(int)
    for change in changes:
        groups[(change["file"], change["time_period"], change["indicator"] in CONTEXT_INDICATORS)] += 1
    checks = []
    for (name, year, is_context), count in sorted(groups.items()):
        if is_context:
            explained = context.get(year, 0) > 1 or changed.get(year, 0) > 0
            why = f"{context.get(year, 0)} la_context files for {year}; {changed.get(year, 0)} notifications changed"
        else:
            explained = changed.get(year, 0) > 0
            why = (
                f"{changed.get(year, 0)} notifications of {year} with a version or review saved after "
                f"{previous_cut_off}"
            )
        checks.append(
            Check(
                "Revisions",
                f"{name} {year}: {count} figures moved{' (LA context)' if is_context else ''}",
                explained,
                ("explained: " if explained else "not explained by any change in the data: ") + why,
            )
        )
    if not checks:
        checks.append(
            Check("Revisions", "figures against the previous release", True, f"no figure moved since {previous.name}")
        )
    return checks


def areas_moved(folder: Path, year: int, policy: Policy) -> list[Check]:
    """LAs and regions whose count moved on the year before by more than the stated threshold."""
    minimum, percent = policy.qa_area_change_min, policy.qa_area_change_percent
    rows = _rows(folder / "sin_subnational.csv")
    counts: dict[tuple[str, str, str], dict[str, int]] = defaultdict(dict)
    for row in rows:
        if row["geographic_level"] in ("Local authority", "Regional") and _number(row[COUNT]) is not None:
            area = row["old_la_code"] or row["region_code"]
            name = row["la_name"] or row["region_name"]
            counts[(row["geographic_level"], area, name)][row["time_period"]] = int(row[COUNT])
    moved = []
    for (level, area, name), by_year in sorted(counts.items()):
        before, now = by_year.get(str(year - 1)), by_year.get(str(year))
        if before is None or now is None:
            continue
        change = now - before
        if abs(change) >= minimum and abs(change) > percent / 100 * before:
            moved.append(f"{level} {area} {name}: {before} -> {now}")
    return [
        Check(
            "Areas that moved",
            f"no LA or region moved from {year - 1} to {year} by {minimum} or more notifications and more than "
            f"{percent:g}%",
            not moved,
            f"{len(moved)} moved" + "".join(f"; {m}" for m in moved[:SHOWN]),
        )
    ]


def suppression(folder: Path, connection: duckdb.DuckDBPyConnection, policy: Policy) -> list[Check]:
    """Per file and year: cells hidden by primary and secondary suppression, and the method."""
    checks = []
    methods = dict(
        ((name, str(year)), method)
        for name, year, method in connection.execute(
            f"select file, time_period, method from {METHODS_TABLE}"
        ).fetchall()
    )
    for file in SUPPRESSED_FILES:
        cells = connection.sql(f"select time_period::varchar as year, {COUNT} from intermediate.{file.cells}").pl()
        if not (folder / f"{file.name}.csv").exists():
            continue
        published = pl.DataFrame(_rows(folder / f"{file.name}.csv"))
        if published.is_empty():
            continue
        for year in sorted(published["time_period"].unique()):
            values = cells.filter(pl.col("year") == year)[COUNT]
            primary = int(((values >= 1) & (values <= policy.primary_suppression_max)).sum())
            hidden = int((published.filter(pl.col("time_period") == year)[COUNT] == "c").sum())
            method = methods.get((file.name, year), "(none recorded)")
            checks.append(
                Check(
                    "Suppression",
                    f"{file.name} {year}: at most 3 secondary cells per primary cell",
                    hidden - primary <= 3 * primary and method != "(none recorded)",
                    f"{primary} primary, {hidden - primary} secondary; method: {method}",
                )
            )
    return checks


def ees_standard(folder: Path, files: tuple[str, ...]) -> list[Check]:
    checks = []
    for name in files:
        problems = check_files(folder / f"{name}.csv", folder / f"{name}.meta.csv")
        checks.append(
            Check(
                "EES standard",
                f"{name}: data and meta files pass the EES checks",
                not problems,
                f"{len(problems)} problems" + "".join(f"; {p}" for p in problems[:SHOWN]),
            )
        )
    return checks


def disclosure_proof(folder: Path, connection: duckdb.DuckDBPyConnection, policy: Policy) -> list[Check]:
    """The release's suppressed files are the warehouse's checked tables, and those break no rule of §4
    (no small count shown, no sum with one c, no c the sums pin down)."""
    checks = []
    for file in SUPPRESSED_FILES:
        if not (folder / f"{file.name}.csv").exists():
            continue
        problems = table_problems(connection, file, policy)
        written = connection.sql(f'select {COUNT}::varchar from publish."{file.name}"').fetchall()
        shown = [r[COUNT] for r in _rows(folder / f"{file.name}.csv")]
        if [r[0] for r in written] != shown:
            problems = [
                f"the file's counts are not the checked table's ({len(shown)} rows, {len(written)} in the table)",
                *problems,
            ]
        checks.append(
            Check(
                "Disclosure",
                f"{file.name}: no suppressed figure can be worked out",
                not problems,
                f"{len(problems)} problems" + "".join(f"; {p}" for p in problems[:SHOWN]),
            )
        )
    return checks


def qa_checks(
    folder: Path,
    files: tuple[str, ...],
    year: int,
    cut_off: dt.date,
    previous: Path | None,
    previous_cut_off: dt.date | None,
    connection: duckdb.DuckDBPyConnection,
    policy: Policy,
) -> list[Check]:
    years = sorted({r["time_period"] for r in _rows(folder / "sin_total_notifications.csv")})
    return [
        *national_totals(folder, years),
        *sums_of_parts(folder, policy),
        *revisions(folder, previous, previous_cut_off, cut_off, connection),
        *areas_moved(folder, year, policy),
        *suppression(folder, connection, policy),
        *ees_standard(folder, files),
        *disclosure_proof(folder, connection, policy),
    ]


def manifest_sha256(bundle: Path) -> str:
    return hashlib.sha256((bundle / "manifest.csv").read_bytes()).hexdigest()


def write_qa(target: Path, checks: list[Check], year: int, cut_off: dt.date, bundle: Path) -> None:
    """qa_checks.csv, qa_report.html and release.json (which build they are of) into `target`."""
    target.mkdir(parents=True)
    with (target / CHECKS).open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(["area", "check", "result", "figures"])
        for check in checks:
            writer.writerow(
                [
                    neutralise(check.area),
                    neutralise(check.check),
                    "pass" if check.passed else "fail",
                    neutralise(check.figures),
                ]
            )
    sha256 = manifest_sha256(bundle)
    record = {
        "year": year,
        "cut_off": cut_off.isoformat(),
        "manifest_sha256": sha256,
        "checks": len(checks),
        "failed": sum(not c.passed for c in checks),
    }
    (target / RELEASE).write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")
    (target / REPORT).write_text(report_html(checks, year, cut_off, sha256), encoding="utf-8")


def report_html(checks: list[Check], year: int, cut_off: dt.date, sha256: str) -> str:
    from dashboards.page import STYLE

    failed = [c for c in checks if not c.passed]
    areas: dict[str, list[Check]] = defaultdict(list)
    for check in checks:
        areas[check.area].append(check)

    def table(number: int, area: str, rows: list[Check]) -> str:
        body = "".join(
            f'<tr><th scope="row">{html.escape(c.check)}</th><td>{"pass" if c.passed else "<strong>fail</strong>"}</td>'
            f"<td>{html.escape(c.figures)}</td></tr>"
            for c in sorted(rows, key=lambda c: c.passed)
        )
        return (
            f'<section aria-labelledby="area-{number}"><h2 id="area-{number}">'
            f"{html.escape(area)}: {sum(not c.passed for c in rows)} of {len(rows)} failed</h2>"
            f'<table><caption>{html.escape(area)} checks</caption><thead><tr><th scope="col">Check</th>'
            f'<th scope="col">Result</th><th scope="col">Figures</th></tr></thead><tbody>{body}</tbody></table>'
            "</section>"
        )

    title = f"QA report: serious incident notifications release {year}"
    verdict = (
        f"{len(failed)} of {len(checks)} checks failed: the release cannot be signed off until they pass."
        if failed
        else f"All {len(checks)} checks passed: it can be signed off (sinstats release {year} --sign-off NAME)."
    )
    return f"""<!DOCTYPE html>
<html lang="en-GB">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{html.escape(title)}</title><style>{STYLE}</style></head>
<body><main>
<h1>{html.escape(title)}</h1>
<p>As at the cut-off {cut_off.isoformat()}; manifest sha256 <code>{sha256}</code>.
For the statistics team; never published.</p>
<p class="warning" role="note">{html.escape(verdict)}</p>
{"".join(table(number, area, rows) for number, (area, rows) in enumerate(areas.items()))}
</main></body></html>
"""


class SignOffRefused(Exception):
    """A sign-off that cannot be recorded: no QA report of this build, a changed release, or a failed check."""


def sign_off(releases: Path, year: int, name: str, now: dt.datetime) -> Path:
    """Record who signed the release off, when, and the manifest they signed (sign_off.csv)."""
    bundle, qa = releases / str(year), releases / QA_FOLDER / str(year)
    if not (bundle / "manifest.csv").exists():
        raise SignOffRefused(f"there is no release for {year} in {releases}: build it first (sinstats release {year})")
    if not (qa / RELEASE).exists():
        raise SignOffRefused(
            f"the release for {year} has no QA report in {qa}: build it again (sinstats release {year})"
        )
    record = json.loads((qa / RELEASE).read_text(encoding="utf-8"))
    sha256 = manifest_sha256(bundle)
    if record["manifest_sha256"] != sha256:
        raise SignOffRefused(f"the QA report in {qa} is of another build of {year}: build the release again")
    for row in _rows(bundle / "manifest.csv"):
        if hashlib.sha256((bundle / row["file"]).read_bytes()).hexdigest() != row["sha256"]:
            raise SignOffRefused(f"{row['file']} of the release for {year} has changed since it was built")
    if record["failed"]:
        raise SignOffRefused(f"{record['failed']} of {record['checks']} QA checks failed for {year}: see {qa / REPORT}")
    target = qa / SIGN_OFF
    new = not target.exists()
    with target.open("a", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        if new:
            writer.writerow(["signed_off_by", "signed_off_at", "manifest_sha256"])
        writer.writerow([neutralise(name), now.isoformat(timespec="seconds"), sha256])
    return target
