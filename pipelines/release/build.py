"""The release bundle for reporting year YEAR, from a warehouse built as at its cut-off.

The release job (pipelines/release/assets.py) is the same graph as a run, with other run config:
the workspace is a scratch copy of the analysts' copy, dbt and disclosure build it as at the
cut-off, and this module writes the bundle into the scratch folder, then renames it into
PUBLISH/releases/YEAR. A release folder that already exists is moved to
PUBLISH/releases/.superseded/ (never deleted), and the figures that moved are named.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb

from pipelines.disclosure.assets import SuppressionCount, suppression_counts
from pipelines.parameters import default_cut_off
from pipelines.publish.assets import write_files
from pipelines.release.bundle import methodology, write_manifest, write_spreadsheet
from pipelines.release.compare import figure_changes, write_changes
from pipelines.release.qa import RELEASE, REPORT, qa_checks, write_qa
from pipelines.release.swap import QA_FOLDER, swap_in
from schemas.policy import Policy

MOVED_SHOWN = 50


@dataclass
class ReleaseOutcome:
    folder: Path
    files: list[str] = field(default_factory=list)
    revisions: int | None = None
    moved: list[dict[str, str]] = field(default_factory=list)
    replaced: Path | None = None
    suppression: dict[str, SuppressionCount] = field(default_factory=dict)
    qa: tuple[int, int, Path] | None = None  # checks, failed, the report

    def summary(self) -> str:
        lines = [f"Release written to {self.folder}:"]
        lines += [f"  {name}" for name in self.files]
        for name, count in self.suppression.items():
            lines.append(
                f"{name}: {count.primary} cells hidden by primary suppression, {count.secondary} more by "
                f"secondary suppression ({count.method})"
            )
        if self.qa is not None:
            checks, failed, report = self.qa
            verdict = f"{failed} of {checks} failed" if failed else f"all {checks} passed"
            lines.append(f"QA report (never published): {verdict}: {report}")
        if self.revisions is None:
            lines.append("No previous release beside it: revisions.csv lists no figures.")
        else:
            lines.append(f"revisions.csv: {self.revisions} figures differ from the previous release.")
        if self.replaced is not None:
            if self.moved:
                lines.append(
                    f"{len(self.moved)} figures moved since this release was last built "
                    f"(the earlier build is kept in {self.replaced}):"
                )
                lines += [
                    f"  {m['file']} {m['time_period']} {m['geographic_level']} {m['area_code']} "
                    f"{m['filters']} {m['indicator']}: {m['previous_value'] or '(no such row)'} -> "
                    f"{m['this_value'] or '(row no longer published)'}"
                    for m in self.moved[:MOVED_SHOWN]
                ]
                if len(self.moved) > MOVED_SHOWN:
                    lines.append(f"  ... and {len(self.moved) - MOVED_SHOWN} more")
            else:
                lines.append("The data files are unchanged since this release was last built.")
        return "\n".join(lines)

    def metadata(self) -> dict[str, Any]:
        return {"folder": str(self.folder), "files": len(self.files), "summary": self.summary()}


def build_bundle(
    connection: duckdb.DuckDBPyConnection,
    scratch: Path,
    releases: Path,
    year: int,
    cut_off: dt.date,
    policy: Policy,
    titles: dict[str, str],
) -> ReleaseOutcome:
    """Write the bundle into `scratch/YEAR`, then rename it into `releases/YEAR`."""
    bundle = scratch / str(year)
    bundle.mkdir()
    files = tuple(write_files(connection, bundle))
    previous = releases / str(year - 1)
    outcome = ReleaseOutcome(folder=releases / str(year))
    changes: list[dict[str, str]] = []
    if previous.is_dir():
        compared = {str(y) for y in range(year - 20, year)}
        changes = figure_changes(previous, bundle, files, years=compared)
        outcome.revisions = len(changes)
    write_changes(changes, bundle / "revisions.csv")
    (bundle / "methodology.md").write_text(methodology(year, cut_off, policy), encoding="utf-8")
    write_spreadsheet(bundle, year, cut_off, policy, titles)
    outcome.suppression = suppression_counts(connection, policy.primary_suppression_max)
    write_manifest(bundle, outcome.suppression)
    before = previous if previous.is_dir() else None
    earlier = previous_cut_off(releases, year - 1)
    checks = qa_checks(bundle, files, year, cut_off, before, earlier, connection, policy)
    write_qa(scratch / QA_FOLDER, checks, year, cut_off, bundle)
    target = releases / str(year)
    if target.exists():
        outcome.moved = figure_changes(target, bundle, files)
    # Each folder replaced in one atomic rename of a link (pipelines/release/swap.py).
    outcome.replaced = swap_in(bundle, target)
    qa = releases / QA_FOLDER / str(year)
    qa.parent.mkdir(exist_ok=True)
    swap_in(scratch / QA_FOLDER, qa)
    outcome.qa = (len(checks), sum(not check.passed for check in checks), qa / REPORT)
    outcome.files = sorted(p.name for p in target.iterdir())
    return outcome


def previous_cut_off(releases: Path, year: int) -> dt.date:
    """The cut-off the release of `year` was built as at (its QA record), else that year's default."""
    record = releases / QA_FOLDER / str(year) / RELEASE
    if record.exists():
        return dt.date.fromisoformat(json.loads(record.read_text(encoding="utf-8"))["cut_off"])
    return default_cut_off(year)
