"""`sinstats validate`: every problem of a file against the input contract, loading nothing."""

from __future__ import annotations

from pathlib import Path

from pipelines.ingest.landing import classify
from pipelines.ingest.readers import FileRejected, read_extract
from pipelines.ingest.validate import validate
from schemas import CONTRACTS
from schemas.contract import FileContext


def check_file(path: Path) -> list[str]:
    """One line per problem: the file, and for a row problem its row, column, rule and value."""
    landed = classify(path)
    if landed is None:
        return [f"{path.name}: the name does not start with notifications_, reviews_ or la_context_"]
    if landed.problem:
        return [f"{path.name}: rejected, the file {landed.problem}"]
    contract = CONTRACTS[landed.kind]
    try:
        extract = read_extract(path, contract)
    except FileRejected as rejection:
        return [f"{path.name}: rejected, the file {rejection}"]
    lines = []
    if extract.dropped_identifying:
        lines.append(
            f"{path.name}: note, identifying column(s) would be dropped unread: "
            f"{', '.join(extract.dropped_identifying)}"
        )
    if extract.extra_columns:
        lines.append(f"{path.name}: note, extra column(s) would not be stored: {', '.join(extract.extra_columns)}")
    context = FileContext(file_date=landed.file_date, reporting_year=landed.reporting_year)
    result = validate(contract, extract.frame, context)
    for row in result.quarantine.iter_rows(named=True):
        value = "blank" if row["value"] is None else f"'{row['value']}'"
        lines.append(
            f"{path.name}: row {row['row_number']}, column {row['column_name']}: "
            f"{row['rule_description']} (value {value}; rule {row['rule']})"
        )
    problems = [line for line in lines if ": note, " not in line]
    summary = (
        f"{path.name}: {result.rows_read} rows, {result.rows_loaded} would load, "
        f"{result.rows_quarantined} would be quarantined"
    )
    return [*lines, summary] if problems else []
