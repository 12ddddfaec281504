"""What a person sees while a run works: one compact line per stage with its seconds, and on a terminal a
live bar for the long stages. Everything else (each file, each dbt node) goes to the run's log file."""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TaskID, TextColumn, TimeElapsedColumn

# The Dagster steps a person is shown, by step key, with the words they are shown as. The asset checks'
# own steps are not shown unless they fail: their result is in the summary.
STAGES = {
    "landing_extracts": "read, validate and load the extracts",
    "reference__bank_holidays": "bank holidays",
    "sinstats_dbt": "build and test the models (dbt)",
    "suppressed_tables": "disclosure control",
    "disclosure_holds": "check disclosure control",
    "open_data_files": "write the open-data files",
    "pages__release_page": "release page",
    "pages__timeliness_page": "timeliness page",
    "pages__data_quality_page": "data quality page",
    "pages__dbt_docs": "warehouse documentation page",
    "pages__feedback_files": "feedback files for local authorities",
    "pages__panel_lists": "the Panel's lists",
    "serve__publication": "publish",
    "serve__analysts_copy": "analysts' copy",
    "release__bundle": "release bundle",
}
LONG_STAGES = {"landing_extracts", "sinstats_dbt"}


class Display(Protocol):
    def started(self, step: str, total: int | None) -> None: ...
    def advanced(self, step: str) -> None: ...
    def finished(self, step: str, seconds: float) -> None: ...
    def failed(self, step: str, seconds: float, cause: str) -> None: ...
    def note(self, text: str) -> None: ...
    def close(self) -> None: ...


class Lines:
    """One plain line per stage, to any callable: for files, pipes and tests."""

    def __init__(self, write: Callable[[str], None]):
        self.write = write

    def started(self, step: str, total: int | None) -> None:
        # Without a live bar, a long stage says when it starts, so a pipe or log shows it working.
        if step in LONG_STAGES:
            self.write(f"{STAGES[step]}: started")

    def advanced(self, step: str) -> None:
        return None

    def finished(self, step: str, seconds: float) -> None:
        if step in STAGES:
            self.write(f"{STAGES[step]}: done in {seconds:.1f} s")

    def failed(self, step: str, seconds: float, cause: str) -> None:
        self.write(f"{STAGES.get(step, step)}: FAILED after {seconds:.1f} s: {cause}")

    def note(self, text: str) -> None:
        self.write(text)

    def close(self) -> None:
        return None


class Bars(Lines):
    """On a terminal: the same lines, with a live bar (or spinner) while a long stage works."""

    def __init__(self, console: Console):
        super().__init__(lambda line: self.progress.console.print(line, markup=False, highlight=False))
        self.progress = Progress(
            SpinnerColumn(),
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=console,
            transient=True,
        )
        self.tasks: dict[str, TaskID] = {}
        self.progress.start()

    def started(self, step: str, total: int | None) -> None:
        if step in LONG_STAGES:
            self.tasks[step] = self.progress.add_task(STAGES[step], total=total)

    def advanced(self, step: str) -> None:
        if step in self.tasks:
            self.progress.advance(self.tasks[step])

    def _end(self, step: str) -> None:
        if step in self.tasks:
            self.progress.remove_task(self.tasks.pop(step))

    def finished(self, step: str, seconds: float) -> None:
        self._end(step)
        super().finished(step, seconds)

    def failed(self, step: str, seconds: float, cause: str) -> None:
        self._end(step)
        super().failed(step, seconds, cause)

    def close(self) -> None:
        self.progress.stop()


def display_for(console: Console) -> Display:
    """Bars on a terminal; plain lines (no colour, no control codes) anywhere else."""
    if console.is_terminal:
        return Bars(console)
    return Lines(lambda line: console.print(line, markup=False, highlight=False))
