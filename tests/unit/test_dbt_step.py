"""The dbt step hands on each dbt command's events with dagster-dbt's echo of them in the run's dbt
log (pipelines/transform/assets.py, `handed_on`). When Dagster stops in the middle and the step's
generator is collected later, under another run, standard output is left to whoever has it then,
and the dbt command, still running, is stopped."""

from __future__ import annotations

import contextlib
import gc
import io
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, cast

from pipelines.transform.assets import handed_on


@dataclass
class Command:
    """As dagster-dbt's `DbtCliInvocation` is to the step: a process, and its events, each printed to
    standard output as it is handed on. The process is a real one."""

    process: subprocess.Popen[bytes]
    count: int = 3
    termination_timeout_seconds: float = 25

    def stream(self) -> Iterator[int]:
        for number in range(self.count):
            print(f"event {number}")
            yield number


def test_every_event_is_handed_on_and_its_echo_goes_to_the_log_not_standard_output():
    finished = subprocess.Popen(["true"])
    finished.wait()
    log, screen = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(screen):
        assert list(handed_on(cast(Any, Command(finished)), log)) == [0, 1, 2]
        print("after the step")
    assert log.getvalue() == "event 0\nevent 1\nevent 2\n"
    assert screen.getvalue() == "after the step\n"
    assert finished.returncode == 0


def test_a_step_left_unfinished_gives_back_standard_output_and_stops_its_dbt_command():
    running = subprocess.Popen(["sleep", "600"])
    log, first_run, later_run = io.StringIO(), io.StringIO(), io.StringIO()
    try:
        with contextlib.redirect_stdout(first_run):  # a run in a test's process (Typer's runner captures it)
            step = handed_on(cast(Any, Command(running)), log)
            assert next(step) == 0  # Dagster holds event 0 and stops there
        first_run.close()
        assert running.poll() is None
        with contextlib.redirect_stdout(later_run):  # a later run in the same process
            del step
            gc.collect()  # the unfinished step is collected now
            assert sys.stdout is later_run  # not the first run's closed stream, nor the log
            print("the later run's line")
        assert running.poll() is not None  # stopped, not left writing to the warehouse
    finally:
        running.kill()
        running.wait()
    assert later_run.getvalue() == "the later run's line\n"
    assert log.getvalue() == "event 0\n"  # the events never read were not made
