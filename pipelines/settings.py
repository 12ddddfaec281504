"""Where things are, in one frozen object: an option wins over a variable, a variable over the default.

The as-at date is not here: it is a parameter of each run (pipelines/parameters.py).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[1]
DBT_PROJECT_DIR = PROJECT_ROOT / "dbt"
SAMPLE_LANDING = PROJECT_ROOT / "data" / "sample"
DEFAULT_WAREHOUSE = PROJECT_ROOT / "data" / "warehouse" / "sin.duckdb"
DEFAULT_PUBLISH = PROJECT_ROOT / "data" / "publish"

ENV_LANDING = "SINSTATS_LANDING"
ENV_WAREHOUSE = "SINSTATS_WAREHOUSE"
ENV_PUBLISH = "SINSTATS_PUBLISH"
ENV_AS_AT = "SINSTATS_AS_AT"  # read by `sinstats run` as the default of --as-at
RUN_VARIABLES = (ENV_LANDING, ENV_WAREHOUSE, ENV_PUBLISH, ENV_AS_AT)  # the run's, not dbt's


@dataclass(frozen=True)
class Settings:
    landing: Path
    warehouse: Path
    publish: Path

    @property
    def analysts_copy(self) -> Path:
        """The analysts' read-only copy, beside the pipeline's own file."""
        return self.warehouse.with_name(f"{self.warehouse.stem}_analysts{self.warehouse.suffix}")

    @property
    def dagster_home(self) -> Path:
        """Run history lives beside the warehouse."""
        return self.warehouse.parent / "dagster_home"

    @property
    def dbt_target(self) -> Path:
        """dbt's target folder for this warehouse: its manifest, run results and parse state, which the
        next run reuses (one folder, overwritten each run; the lock keeps runs apart)."""
        return self.warehouse.parent / f"{self.warehouse.stem}_dbt_target"

    @property
    def logs(self) -> Path:
        """Each run's full log (`<run id>.log`, and dbt's node by node `<run id>.dbt.log`), beside the warehouse."""
        return self.warehouse.parent / "logs"

    @property
    def current(self) -> Path:
        return self.publish / "current"

    @property
    def internal(self) -> Path:
        return self.publish / "internal"

    def as_env(self) -> dict[str, str]:
        return {ENV_LANDING: str(self.landing), ENV_WAREHOUSE: str(self.warehouse), ENV_PUBLISH: str(self.publish)}


def _pick(option: str | Path | None, variable: str, default: Path) -> Path:
    chosen = option if option is not None else os.environ.get(variable) or default
    return Path(chosen).expanduser().resolve()


def load_settings(
    landing: str | Path | None = None,
    warehouse: str | Path | None = None,
    publish: str | Path | None = None,
) -> Settings:
    """Settings from options, then `SINSTATS_*` variables, then the local defaults."""
    return Settings(
        landing=_pick(landing, ENV_LANDING, SAMPLE_LANDING),
        warehouse=_pick(warehouse, ENV_WAREHOUSE, DEFAULT_WAREHOUSE),
        publish=_pick(publish, ENV_PUBLISH, DEFAULT_PUBLISH),
    )
