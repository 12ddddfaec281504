"""The Dagster resource that carries the run's settings (paths and as-at date) to every asset."""

import datetime as dt

from dagster import ConfigurableResource

from pipelines.settings import Settings, load_settings


class SinstatsSettings(ConfigurableResource):
    """Where the landing folder, warehouse and publish folder are, and the run's as-at date."""

    landing: str
    warehouse: str
    publish: str
    as_at: str = ""

    @classmethod
    def from_settings(cls, settings: Settings) -> "SinstatsSettings":
        return cls(
            landing=str(settings.landing),
            warehouse=str(settings.warehouse),
            publish=str(settings.publish),
            as_at=settings.as_at.isoformat(),
        )

    def settings(self) -> Settings:
        as_at = dt.date.fromisoformat(self.as_at) if self.as_at else dt.date.today()
        return load_settings(self.landing, self.warehouse, self.publish, as_at)
