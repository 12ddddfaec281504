"""Every dbt unit test (the counting, versioning and working-day rules in the SQL production runs),
run on an empty warehouse: the models are built with no rows (`dbt build --empty`), which runs each
model's unit tests before it."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path


def test_every_dbt_unit_test_passes(empty_build: tuple[Path, Path, subprocess.CompletedProcess[str]]) -> None:
    _, work, result = empty_build
    assert result.returncode == 0, result.stdout[-3000:]
    results = json.loads((work / "target" / "run_results.json").read_text(encoding="utf-8"))["results"]
    unit_tests = {r["unique_id"]: r["status"] for r in results if r["unique_id"].startswith("unit_test.")}
    assert len(unit_tests) >= 8
    assert set(unit_tests.values()) == {"pass"}, unit_tests
