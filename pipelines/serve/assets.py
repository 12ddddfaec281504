"""The analysts' read-only copy of the warehouse, replaced whole at the end of a good run."""

import os
import shutil

import duckdb
from dagster import AssetExecutionContext, AssetKey, asset

from pipelines.publish.assets import OPEN_DATA_FILES
from pipelines.resources import SinstatsSettings


@asset(
    key=AssetKey(["serve", "analysts_copy"]),
    group_name="serve",
    deps=[AssetKey(["open_data", name]) for name in OPEN_DATA_FILES],
    description="<warehouse>_analysts.duckdb: what `sinstats sql` and analysts read",
)
def analysts_copy(context: AssetExecutionContext, sinstats: SinstatsSettings) -> None:
    """Checkpoint the warehouse, copy it beside itself, and rename the copy into place."""
    settings = sinstats.settings()
    with duckdb.connect(str(settings.warehouse)) as connection:
        connection.execute("checkpoint")
    partial = settings.analysts_copy.with_name(settings.analysts_copy.name + ".partial")
    shutil.copyfile(settings.warehouse, partial)
    os.replace(partial, settings.analysts_copy)
    context.log.info(f"analysts' copy replaced: {settings.analysts_copy}")
