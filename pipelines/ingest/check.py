"""`sinstats validate`: every problem of a file against the input contract, loading nothing."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from pipelines.ingest.landing import classify
from pipelines.ingest.readers import FileRejected, read_extract
from pipelines.ingest.validate import validate
from schemas.contract import FileContext
from schemas.contracts import CONTRACTS


@dataclass
class FileCheck:
    """What `sinstats validate` found in one file: problems, notes that are not problems, and a summary."""

    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    summary: str = ""

    def lines(self) -> list[str]:
        """What to print: nothing for a file without problems, else its notes, problems and summary."""
        if not self.problems:
            return []
        return [*self.notes, *self.problems, *([self.summary] if self.summary else [])]


def check_file(path: Path) -> FileCheck:
    """Every problem of one file: the file, and for a row problem its row, column, rule and value."""
    landed = classify(path)
    if landed is None:
        return FileCheck([f"{path.name}: the name does not start with notifications_, reviews_ or la_context_"])
    if landed.problem:
        return FileCheck([f"{path.name}: rejected, the file {landed.problem}"])
    contract = CONTRACTS[landed.kind]
    try:
        extract = read_extract(path, contract)
    except FileRejected as rejection:
        return FileCheck([f"{path.name}: rejected, the file {rejection}"])
    check = FileCheck()
    if extract.dropped_identifying:
        check.notes.append(
            f"{path.name}: note, identifying column(s) would be dropped unread: "
            f"{', '.join(extract.dropped_identifying)}"
        )
    if extract.extra_columns:
        check.notes.append(
            f"{path.name}: note, extra column(s) would not be stored: {', '.join(extract.extra_columns)}"
        )
    context = FileContext(file_date=landed.file_date, reporting_year=landed.reporting_year)
    result = validate(contract, extract.frame, context)
    for row in result.quarantine.iter_rows(named=True):
        value = "blank" if row["value"] is None else f"'{row['value']}'"
        check.problems.append(
            f"{path.name}: row {row['row_number']}, column {row['column_name']}: "
            f"{row['rule_description']} (value {value}; rule {row['rule']})"
        )
    check.summary = (
        f"{path.name}: {result.rows_read} rows, {result.rows_loaded} would load, "
        f"{result.rows_quarantined} would be quarantined"
    )
    return check
