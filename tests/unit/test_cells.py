"""No cell the project writes can run as a formula in a spreadsheet (pipelines/publish/cells.py)."""

from __future__ import annotations

import polars as pl
import pytest

from pipelines.publish.cells import neutralise, neutralise_frame


@pytest.mark.parametrize(
    ("text", "written"),
    [
        ("=1+1", "'=1+1"),
        ("+SUM(A1)", "'+SUM(A1)"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1", "'\t=1"),
        ("-5", "-5"),
        ("-0.5", "-0.5"),
        ("805", "805"),
        ("c", "c"),
        ("Notification within 5 working days", "Notification within 5 working days"),
    ],
)
def test_a_formula_is_written_as_text_and_anything_else_as_it_is(text, written):
    assert neutralise(text) == written
    frame = pl.DataFrame({"value": [text], "count": [1]})
    assert neutralise_frame(frame).to_dicts() == [{"value": written, "count": 1}]
