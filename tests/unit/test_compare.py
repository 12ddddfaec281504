"""The figures that moved between two builds, rows added and removed included (pipelines/release/compare.py)."""

from __future__ import annotations

from pathlib import Path

from pipelines.release.compare import figure_changes

META = "col_name,col_type,label,indicator_grouping,indicator_unit,indicator_dp,filter_hint,filter_grouping_column\n"
META += "nature_of_notification,Filter,Nature,,,,Filter by nature,\nnumber_notifications,Indicator,Number,,,0,,\n"
HEAD = "time_period,time_identifier,geographic_level,country_code,country_name,nature_of_notification,number_notifications\n"


def folder(root: Path, name: str, lines: list[str]) -> Path:
    path = root / name
    path.mkdir()
    (path / "t.csv").write_text(HEAD + "".join(f"{line}\n" for line in lines))
    (path / "t.meta.csv").write_text(META)
    return path


def row(year: str, nature: str, value: str) -> str:
    return f"{year},Reporting year,National,E92000001,England,{nature},{value}"


def test_changed_added_and_removed_rows_are_all_named(tmp_path):
    old = folder(tmp_path, "old", [row("2024", "Total", "10"), row("2024", "Other", "2"), row("2023", "Total", "9")])
    new = folder(
        tmp_path, "new", [row("2024", "Total", "11"), row("2024", "Other", "2"), row("2024", "Child death", "4")]
    )
    changes = {
        (c["time_period"], c["filters"], c["previous_value"], c["this_value"]) for c in figure_changes(old, new, ("t",))
    }
    assert changes == {
        ("2024", "nature_of_notification=Total", "10", "11"),
        ("2023", "nature_of_notification=Total", "9", ""),
        ("2024", "nature_of_notification=Child death", "", "4"),
    }


def test_only_the_years_compared_are_named(tmp_path):
    old = folder(tmp_path, "old", [row("2023", "Total", "9")])
    new = folder(tmp_path, "new", [row("2023", "Total", "8"), row("2024", "Total", "11")])
    changes = [
        (c["time_period"], c["previous_value"], c["this_value"])
        for c in figure_changes(old, new, ("t",), years={"2023"})
    ]
    assert changes == [("2023", "9", "8")]
