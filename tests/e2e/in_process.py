"""`sinstats` commands in the test's own process, through Typer's test runner: the command's own
code, its output, its error lines and its exit status, without a new process that imports the whole
stack and asks dbt its version again (about 8 s of CPU a command). What needs a process of its own
stays one: a run that is killed, two runs at once, output to a pipe, usage mistakes, and a full
disk (tests/e2e/test_full_disk.py says why)."""

from __future__ import annotations

from dataclasses import dataclass

from typer.testing import CliRunner

from pipelines.cli import app


@dataclass(frozen=True)
class Finished:
    """What a finished command left: as `subprocess.CompletedProcess` has it."""

    returncode: int
    stdout: str
    stderr: str


def sinstats_here(*arguments: str) -> Finished:
    """`sinstats ARGUMENTS...` in this process."""
    result = CliRunner().invoke(app, list(arguments))
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception  # a traceback, which the real command would have shown
    return Finished(result.exit_code, result.stdout, result.stderr)
