"""A run that fails says why: the root cause of every failed step and check, and where the full log is."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from dagster import (
    AssetCheckResult,
    AssetCheckSeverity,
    AssetSelection,
    Definitions,
    asset,
    asset_check,
    define_asset_job,
)

from pipelines.display import Lines
from pipelines.runner import _run_logger, _RunHandler
from tests.conftest import AS_AT, notification, write_csv
from tests.dbt_command import last_invocation
from tests.e2e.in_process import sinstats_here

SINSTATS = str(Path(sys.executable).with_name("sinstats"))
HOLD = """
import sys, time
from pathlib import Path
from pipelines.lock import warehouse_lock
with warehouse_lock(Path(sys.argv[1]), print):
    print("holding", flush=True)
    time.sleep(60)
"""


def _arguments(folder: Path) -> list[str]:
    """`sinstats run` on one good notification, under `folder`."""
    landing = folder / "landing"
    landing.mkdir(exist_ok=True)
    write_csv(landing / "notifications_20240405.csv", [notification()])
    options = ["--landing", str(landing), "--warehouse", str(folder / "w" / "sin.duckdb")]
    return ["run", *options, "--publish", str(folder / "publish"), "--as-at", AS_AT.isoformat()]


def _run(folder: Path) -> subprocess.CompletedProcess[str]:
    """The run as a process of its own, its output to a pipe."""
    return subprocess.run([SINSTATS, *_arguments(folder)], capture_output=True, text=True, timeout=600)


def test_a_run_that_waited_for_the_lock_and_gave_up_says_so_and_changes_nothing(tmp_path, monkeypatch):
    warehouse = tmp_path / "w" / "sin.duckdb"
    holder = subprocess.Popen([sys.executable, "-c", HOLD, str(warehouse)], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "holding"
        monkeypatch.setenv("SINSTATS_LOCK_WAIT_SECONDS", "1")
        result = sinstats_here(*_arguments(tmp_path))
    finally:
        holder.kill()
        holder.wait()
    assert result.returncode == 1
    said = f"another run (pid {holder.pid}) held the warehouse for more than 1 s; nothing was changed"
    assert f"WarehouseBusy: {said}" in result.stdout
    assert "Traceback" not in result.stdout + result.stderr
    assert not warehouse.exists() and not (tmp_path / "publish" / "current").exists()


def test_a_failed_step_is_named_with_its_root_cause_and_the_log_holds_the_rest(run_folder):
    # A file where the run's versions folder must go: every page and file written fails.
    (run_folder / "publish").mkdir()
    (run_folder / "publish" / ".versions").write_text("not a folder")
    result = sinstats_here(*_arguments(run_folder))  # in this process (tests/e2e/in_process.py)
    assert result.returncode == 1
    assert "Run FAILED" in result.stdout
    failed = [line.strip() for line in result.stdout.splitlines() if " failed: " in line]
    assert failed
    assert all("failed: NotADirectoryError: [Errno 20] Not a directory:" in line for line in failed)
    assert any(line.startswith("write the open-data files (open_data_files) failed: ") for line in failed)
    assert "Dependencies for step" not in result.stdout
    assert "Traceback" not in result.stdout + result.stderr
    log_line = next(line for line in result.stdout.splitlines() if "full log:" in line)
    log = Path(log_line.split("full log:")[1].strip())
    # The whole story, down to the line of code, is in the log rather than on the screen.
    assert 'pipelines/publish/assets.py", line' in log.read_text(encoding="utf-8")


def test_a_run_on_a_pipe_shows_one_line_per_stage_and_no_control_codes(run_folder):
    result = _run(run_folder)
    assert result.returncode == 0, result.stdout
    assert "\x1b[" not in result.stdout + result.stderr
    stages = [line for line in result.stdout.splitlines() if ": done in " in line]
    assert stages[0].startswith("read, validate and load the extracts: done in ")
    assert any(line.startswith("build and test the models (dbt): done in ") for line in stages)
    assert "START" not in result.stdout and " of " not in " ".join(stages)  # no dbt node-by-node lines
    logs = run_folder / "w" / "logs"
    dbt_log = next(logs.glob("*.dbt.log")).read_text(encoding="utf-8")
    assert "OK created sql table model publish.sin_total_notifications" in dbt_log
    build = last_invocation(run_folder / "w" / "sin_dbt_target" / "dbt.log")
    assert any(event["info"]["name"] == "CommandCompleted" and " build` " in event["info"]["msg"] for event in build)
    tail = result.stdout.splitlines()
    pages = tail[tail.index("  pages:") + 1 : -1]
    assert [Path(p.strip()).relative_to(run_folder / "publish").as_posix() for p in pages] == [
        "index.html",
        "current/release.html",
        "internal/timeliness.html",
        "internal/data_quality.html",
        "internal/dbt_docs.html",
    ]
    assert tail[-1] == "Run succeeded."


def test_a_failed_blocking_check_is_reported_with_its_message(tmp_path):
    """A real Dagster run through the run handler: an asset whose blocking check fails."""

    @asset
    def figures() -> None:
        return None

    @asset_check(asset=figures, blocking=True)
    def adds_up() -> AssetCheckResult:
        return AssetCheckResult(passed=False, severity=AssetCheckSeverity.ERROR, description="row 7 is 3, not 4")

    lines: list[str] = []
    failures: list[str] = []
    handler = _RunHandler(Lines(lines.append), failures, tmp_path / "logs", 0)
    definitions = Definitions(
        assets=[figures],
        asset_checks=[adds_up],
        jobs=[define_asset_job("job", AssetSelection.assets(figures))],
        loggers={"console": _run_logger(handler)},
    )
    definitions.resolve_job_def("job").execute_in_process(raise_on_error=False, run_config={"loggers": {"console": {}}})
    handler.close()
    assert failures == ["check adds_up of figures failed: row 7 is 3, not 4"]
    assert handler.path is not None and "row 7 is 3, not 4" not in lines
