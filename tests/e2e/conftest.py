"""The end-to-end runs shared by several test modules (each takes about 20 s)."""

from __future__ import annotations

import datetime as dt

import pytest

from pipelines.runner import run_pipeline
from pipelines.settings import SAMPLE_LANDING, load_settings

AS_AT = dt.date(2026, 10, 1)


@pytest.fixture(scope="session")
def sample_run(tmp_path_factory):
    """`sinstats run` on the committed sample, as `make run` does. Tests must not change it."""
    root = tmp_path_factory.mktemp("sample_run")
    settings = load_settings(SAMPLE_LANDING, root / "warehouse" / "sin.duckdb", root / "publish", AS_AT)
    outcome = run_pipeline(settings, progress=lambda _line: None)
    return settings, outcome
