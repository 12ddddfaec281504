"""The Dagster resource that carries the run's settings (paths and as-at date) to every asset."""

import contextlib
import datetime as dt

from dagster import ConfigurableResource, InitResourceContext

from pipelines.serve.lock import warehouse_lock
from pipelines.settings import Settings, load_settings


class SinstatsSettings(ConfigurableResource):
    """Where the landing folder, warehouse and publish folder are, and the run's as-at date."""

    landing: str
    warehouse: str
    publish: str
    as_at: str = ""

    @classmethod
    def from_settings(cls, settings: Settings):
        return cls(
            landing=str(settings.landing),
            warehouse=str(settings.warehouse),
            publish=str(settings.publish),
            as_at=settings.as_at.isoformat(),
        )

    def settings(self) -> Settings:
        as_at = dt.date.fromisoformat(self.as_at) if self.as_at else dt.date.today()
        return load_settings(self.landing, self.warehouse, self.publish, as_at)


class LockedSettings(SinstatsSettings):
    """The settings of a run that writes the warehouse: holds the warehouse's lock while the run lasts.

    Every asset of the pipeline takes this resource (as `sinstats`), and an in-process run sets
    a resource up once, so the lock is held from the first step to the last: only one run
    touches a warehouse at a time (outputs.md §1). Sensors and the release job, which only read,
    take plain SinstatsSettings (as `paths`).
    """

    @contextlib.contextmanager
    def yield_for_execution(self, context: InitResourceContext):
        with warehouse_lock(self.settings().warehouse, context.log.info if context.log else print):
            yield self
