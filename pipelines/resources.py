"""The Dagster resources every stage takes: where things are (`locations`), the run's parameters (`run`),
and the run's workspace (`workspace`): the warehouse it builds, held for as long as it runs."""

import contextlib
import dataclasses
import datetime as dt
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import duckdb
from dagster import ConfigurableResource, InitResourceContext, ResourceDefinition
from pydantic import PrivateAttr

from pipelines.lock import warehouse_lock
from pipelines.parameters import Parameters, RunParameters
from pipelines.release.swap import QA_FOLDER, SCRATCH_PREFIX, release_lock, tidy
from pipelines.settings import Settings, load_settings
from pipelines.transform.project import DBT_PROJECT, dbt_cli
from schemas.policy import Policy, read_policy

RELEASES_FOLDER = "releases"


class NoAnalystsCopy(Exception):
    """A release is built from the analysts' copy, and there is none yet."""


class Locations(ConfigurableResource):  # type: ignore[type-arg]
    """The landing folder, the warehouse file and the publish folder (paths only; no clock)."""

    landing: str
    warehouse: str
    publish: str

    @classmethod
    def from_settings(cls, settings: Settings) -> "Locations":
        return cls(landing=str(settings.landing), warehouse=str(settings.warehouse), publish=str(settings.publish))

    def settings(self) -> Settings:
        return load_settings(self.landing, self.warehouse, self.publish)


class Workspace(ConfigurableResource):  # type: ignore[type-arg]
    """What one run works on, set up when the run starts and held until it ends.

    The current files: the pipeline's warehouse, under its lock for the whole run, so only one run
    touches it at a time (docs/outputs.md §1). A release: a scratch copy of the analysts' copy in a
    hidden folder under PUBLISH/releases/, so neither the warehouse nor the analysts' copy is
    touched; the folder goes when the run ends, whatever happens.
    """

    locations: Locations
    run: RunParameters

    _settings: Settings = PrivateAttr()
    _parameters: Parameters = PrivateAttr()
    _policy: Policy = PrivateAttr()
    _scratch: Path | None = PrivateAttr(default=None)

    @contextlib.contextmanager
    def yield_for_execution(self, context: InitResourceContext) -> Iterator["Workspace"]:
        log = context.log.warning if context.log else print
        self._parameters = self.run.resolve()
        self._policy = read_policy(DBT_PROJECT.manifest_path)
        settings = self.locations.settings()
        if self._parameters.release_year is None:
            self._settings = settings
            with warehouse_lock(settings.warehouse, log):
                yield self
            return
        if not settings.analysts_copy.exists():
            raise NoAnalystsCopy(f"there is no analysts' copy at {settings.analysts_copy}: run `sinstats run` first.")
        releases = settings.publish / RELEASES_FOLDER
        releases.mkdir(parents=True, exist_ok=True)
        year = self._parameters.release_year
        # One release of a year at a time; what a killed one left is put away first (swap.py).
        with release_lock(releases, year):
            tidy(releases / str(year))
            tidy(releases / QA_FOLDER / str(year))
            with tempfile.TemporaryDirectory(prefix=f"{SCRATCH_PREFIX}{year}-", dir=releases) as scratch_name:
                self._scratch = Path(scratch_name)
                database = self._scratch / "warehouse.duckdb"
                shutil.copyfile(settings.analysts_copy, database)
                self._settings = dataclasses.replace(settings, warehouse=database)
                log(f"building reporting year {year} as at {self.as_at.isoformat()} in a scratch copy")
                yield self

    @property
    def settings(self) -> Settings:
        """The run's locations; for a release, the warehouse is the scratch copy."""
        return self._settings

    @property
    def logs(self) -> Path:
        """Where the run's logs go: beside the pipeline's warehouse (never a release's scratch copy)."""
        return self.locations.settings().logs

    @property
    def parameters(self) -> Parameters:
        return self._parameters

    @property
    def policy(self) -> Policy:
        """The policy values this run's models were parsed with (dbt_project.yml vars), read once."""
        return self._policy

    @property
    def as_at(self) -> dt.date:
        return self._parameters.as_at

    def run_key(self, connection: duckdb.DuckDBPyConnection) -> str:
        """What this run's outputs depend on besides the rows (pipelines/transform/state.py)."""
        from pipelines.reference.holidays import bank_holiday_frame
        from pipelines.transform.state import run_key

        holidays = bank_holiday_frame(self.as_at, self.policy.calendar_start)["holiday_date"].to_list()
        return run_key(connection, self.as_at, self.settings.publish, holidays)

    @property
    def scratch(self) -> Path:
        """A release's scratch folder (inside PUBLISH/releases/, so the bundle is renamed into place)."""
        if self._scratch is None:
            raise RuntimeError("only a release run has a scratch folder")
        return self._scratch


def resources_for(settings: Settings) -> dict[str, object]:
    """The resources of the code location; `run` is configured by each run's config."""
    locations = Locations.from_settings(settings)
    run = RunParameters.configure_at_launch()
    return {
        "locations": locations,
        "run": run,
        "workspace": Workspace(locations=locations, run=run),
        # The process's one dbt resource, as it is: given to every run rather than a copy made per run.
        "dbt": ResourceDefinition.hardcoded_resource(dbt_cli()),
    }
