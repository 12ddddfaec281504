"""`sinstats release YEAR`: the annual release as at its cut-off, from the analysts' copy.

The release is built in a scratch copy of the analysts' warehouse, so neither the pipeline's
warehouse nor the analysts' copy is touched, and written to a scratch folder that is renamed
into PUBLISH/releases/YEAR only when complete. A release folder that already exists is moved
to PUBLISH/releases/.superseded/ (never deleted), and the figures that moved are named.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from pipelines.publish.assets import files_for
from pipelines.publish.ees import write_open_data
from pipelines.publish.standard import check_files
from pipelines.release.bundle import methodology, write_manifest, write_spreadsheet
from pipelines.release.compare import figure_changes, write_changes
from pipelines.settings import Settings
from pipelines.transform.project import run_dbt, write_run_parameters


class ReleaseProblem(Exception):
    """The release could not be built; the message says why, for people."""


@dataclass
class ReleaseOutcome:
    folder: Path
    files: list[str] = field(default_factory=list)
    revisions: int | None = None
    moved: list[dict[str, str]] = field(default_factory=list)
    replaced: Path | None = None

    def summary(self) -> str:
        lines = [f"Release written to {self.folder}:"]
        lines += [f"  {name}" for name in self.files]
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
                    f"{m['filters']} {m['indicator']}: {m['previous_value']} -> {m['this_value']}"
                    for m in self.moved[:50]
                ]
                if len(self.moved) > 50:
                    lines.append(f"  ... and {len(self.moved) - 50} more")
            else:
                lines.append("The data files are unchanged since this release was last built.")
        return "\n".join(lines)


def default_cut_off(year: int) -> dt.date:
    """30 June after the reporting year ends."""
    return dt.date(year, 6, 30)


def build_release(
    settings: Settings, year: int, cut_off: dt.date, progress: Callable[[str], None] = print
) -> ReleaseOutcome:
    if not settings.analysts_copy.exists():
        raise ReleaseProblem(f"there is no analysts' copy at {settings.analysts_copy}: run `sinstats run` first.")
    releases = settings.publish / "releases"
    releases.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=f".building-{year}-", dir=releases) as scratch_name:
        scratch = Path(scratch_name)
        database = scratch / "warehouse.duckdb"
        shutil.copyfile(settings.analysts_copy, database)
        bundle = scratch / str(year)
        bundle.mkdir()
        progress(f"building reporting year {year} as at {cut_off.isoformat()} (dbt, in a scratch copy)")
        with duckdb.connect(str(database)) as connection:
            write_run_parameters(connection, cut_off)
        dbt_vars = {"cut_off": cut_off.isoformat(), "release_year": str(year)}
        run_dbt(["build", "--vars", json.dumps(dbt_vars), "--quiet"], database, scratch / "target")
        files = files_for(year)
        with duckdb.connect(str(database), read_only=True) as connection:
            for name in files:
                write_open_data(connection, name, scratch / "target" / "manifest.json", bundle)
        problems = [
            problem for name in files for problem in check_files(bundle / f"{name}.csv", bundle / f"{name}.meta.csv")
        ]
        if problems:
            raise ReleaseProblem("the files break the EES standard: " + "; ".join(problems[:5]))
        previous = releases / str(year - 1)
        outcome = ReleaseOutcome(folder=releases / str(year))
        if previous.is_dir():
            compared = {str(y) for y in range(year - 20, year)}
            changes = figure_changes(previous, bundle, files, years=compared)
            outcome.revisions = len(changes)
        else:
            changes = []
        write_changes(changes, bundle / "revisions.csv")
        (bundle / "methodology.md").write_text(methodology(year, cut_off), encoding="utf-8")
        progress("writing the accessible spreadsheet")
        write_spreadsheet(bundle, year, cut_off)
        write_manifest(bundle)
        target = releases / str(year)
        if target.exists():
            outcome.moved = figure_changes(target, bundle, files)
            stamp = dt.datetime.now().strftime("%Y%m%dT%H%M%S%f")
            superseded = releases / ".superseded" / f"{year}-{stamp}"
            superseded.parent.mkdir(exist_ok=True)
            target.rename(superseded)
            outcome.replaced = superseded
        bundle.rename(target)
    outcome.files = sorted(p.name for p in target.iterdir())
    return outcome
