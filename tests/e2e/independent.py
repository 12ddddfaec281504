"""An independent count of serious incident notifications straight from extract files.

Written without the pipeline's code: the csv module and openpyxl instead of DuckDB, fastexcel,
polars and pandera; plain Python for the rules. It reads only the facts' one home (the seeds).
If the pipeline and this disagree, one of them has the rules wrong.
"""

from __future__ import annotations

import csv
import datetime as dt
import re
from collections import Counter
from pathlib import Path

import openpyxl

SEEDS = Path(__file__).resolve().parents[2] / "dbt" / "seeds" / "reference"


def seed(name: str) -> list[dict]:
    with (SEEDS / f"{name}.csv").open(encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def codes(name: str) -> dict[str, str]:
    return {row["code"].lower(): row["code"] for row in seed(name)}


def uk(text: str) -> dt.date | None:
    return dt.datetime.strptime(text, "%d/%m/%Y").date() if text else None


LA_SPELLS = [
    (row["old_la_code"], uk(row["date_of_operation"]), uk(row["date_of_termination"]))
    for row in seed("local_authorities")
    if re.fullmatch(r"\d{3}", row["old_la_code"]) and row["date_of_operation"]
]


def rows_of(path: Path) -> list[dict]:
    if path.suffix.lower() == ".csv":
        with path.open(encoding="utf-8-sig", newline="") as handle:
            return [{k.strip().lower(): (v or "").strip() for k, v in row.items()} for row in csv.DictReader(handle)]
    sheet = openpyxl.load_workbook(path, read_only=True).worksheets[0]
    values = list(sheet.iter_rows(values_only=True))
    header = [str(h).strip().lower() for h in values[0]]
    out = []
    for row in values[1:]:
        record = {}
        for name, value in zip(header, row, strict=False):
            if isinstance(value, dt.datetime):
                value = value.date().isoformat() if value.time() == dt.time() else value.isoformat()
            elif isinstance(value, float) and value.is_integer():
                value = str(int(value))
            record[name] = "" if value is None else str(value).strip()
        out.append(record)
    return out


def date(text: str) -> dt.date | None:
    for pattern in ("%Y-%m-%d", "%d/%m/%Y"):
        try:
            return dt.datetime.strptime(text, pattern).date()
        except ValueError:
            pass
    return None


def whole(text: str) -> int | None:
    return int(float(text)) if re.fullmatch(r"[+-]?\d+(\.0+)?", text) else None


def valid(row: dict, export: dt.date) -> bool:
    """Every rule of docs/extracts.md §1, written out once more by hand."""
    required = [k for k in row if k not in ("duplicate_of", "incident_date", "child_age")]
    known = (
        "notification_id",
        "record_version",
        "record_updated_at",
        "record_status",
        "la_code",
        "la_aware_date",
        "notification_date",
        "nature",
        "abuse_neglect",
        "children_involved",
        "child_sex",
        "child_ethnicity",
        "child_disability",
        "child_looked_after",
        "child_cin_plan",
        "child_cp_plan",
        "known_to_agency",
        "placement_type",
    )
    if any(not row.get(k) for k in known if k in required):
        return False
    if not re.fullmatch(r"SIN-\d{6,}", row["notification_id"].upper()):
        return False
    if row["duplicate_of"] and not re.fullmatch(r"SIN-\d{6,}", row["duplicate_of"].upper()):
        return False
    version = whole(row["record_version"])
    if version is None or version < 1:
        return False
    if not re.fullmatch(
        r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?", row["record_updated_at"]
    ):
        return False
    try:
        dt.datetime.fromisoformat(row["record_updated_at"].replace(" ", "T"))
    except ValueError:
        return False
    aware, notified = date(row["la_aware_date"]), date(row["notification_date"])
    incident = date(row["incident_date"]) if row["incident_date"] else None
    if aware is None or notified is None or (row["incident_date"] and incident is None):
        return False
    if (incident and incident > aware) or aware > notified:
        return False
    if notified < dt.date(2018, 4, 1) or notified > export:
        return False
    la = whole(row["la_code"])
    if la is None or not any(c == str(la) and s <= notified and (e is None or notified <= e) for c, s, e in LA_SPELLS):
        return False
    for column, name in (
        ("record_status", "record_status"),
        ("nature", "nature_of_notification"),
        ("abuse_neglect", "abuse_neglect"),
        ("child_sex", "child_sex"),
        ("child_ethnicity", "ethnicity"),
        ("placement_type", "placement_type"),
    ):
        if row[column].lower() not in codes(name):
            return False
    for column in (
        "child_disability",
        "child_looked_after",
        "child_cin_plan",
        "child_cp_plan",
        "known_to_agency",
    ):
        if row[column].upper() not in ("Y", "N", "U"):
            return False
    nature, abuse = row["nature"].lower(), row["abuse_neglect"].lower()
    if abuse == "not_suspected" and nature not in ("child_death", "care_leaver_death"):
        return False
    if nature == "child_death" and abuse == "not_suspected" and row["child_looked_after"].upper() != "Y":
        return False
    children = whole(row["children_involved"])
    if children is None or not 1 <= children <= 4:
        return False
    if row["child_age"]:
        age = whole(row["child_age"])
        low, high = (16, 24) if nature == "care_leaver_death" else (0, 17)
        if age is None or not low <= age <= high:
            return False
    return True


def instant(text: str) -> dt.datetime:
    value = dt.datetime.fromisoformat(text.replace(" ", "T").replace("Z", "+00:00"))
    if value.tzinfo is None:
        from zoneinfo import ZoneInfo

        value = value.replace(tzinfo=ZoneInfo("Europe/London"))
    return value.astimezone(dt.UTC)


def count_notifications(landing: Path) -> Counter:
    """(reporting year, nature) -> notifications counted, and (year, 'Total')."""
    standing: dict[str, tuple] = {}
    for path in sorted(landing.iterdir()):
        match = re.match(r"notifications_(\d{8})", path.name)
        if not match or path.suffix.lower() not in (".csv", ".xlsx"):
            continue
        export = dt.datetime.strptime(match.group(1), "%Y%m%d").date()
        for number, row in enumerate(rows_of(path), start=2):
            if not valid(row, export):
                continue
            key = (whole(row["record_version"]), instant(row["record_updated_at"]), export, path.name, number)
            nid = row["notification_id"].upper()
            if nid not in standing or key > standing[nid][0]:
                standing[nid] = (key, row)
    status = {nid: row["record_status"].lower() for nid, (_, row) in standing.items()}
    nature = {nid: row["nature"].lower() for nid, (_, row) in standing.items()}
    parent = {}
    for nid, (_, row) in standing.items():
        target = row["duplicate_of"].upper()
        if target and target != nid and target in standing:
            both_active = status[nid] == "active" and status[target] == "active"
            same_series = (nature[nid] == "care_leaver_death") == (nature[target] == "care_leaver_death")
            if both_active and same_series:
                parent[nid] = target

    def on_loop(nid: str) -> bool:
        seen, current = set(), nid
        while current in parent and current not in seen:
            seen.add(current)
            current = parent[current]
            if current == nid:
                return True
        return False

    loops = {nid for nid in parent if on_loop(nid)}
    counts: Counter = Counter()
    labels = {row["code"]: row["label"] for row in seed("nature_of_notification")}
    for nid, (_, row) in standing.items():
        if status[nid] == "withdrawn" or nature[nid] == "care_leaver_death":
            continue
        if nid in parent and nid not in loops:
            continue  # a duplicate, counted under the notification its chain leads to
        notified = date(row["notification_date"])
        year = notified.year + (1 if notified.month >= 4 else 0)
        counts[(year, labels[nature[nid]])] += 1
        counts[(year, "Total")] += 1
    return counts
