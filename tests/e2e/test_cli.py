"""The `sinstats` command as a user meets it: exit codes, one-line errors, never a traceback."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from tests.conftest import notification, write_csv

SINSTATS = str(Path(sys.executable).with_name("sinstats"))


def sinstats(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([SINSTATS, *args], capture_output=True, text=True, timeout=300, env=env)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["run", "--landing", "/no/such/folder"], "--landing is /no/such/folder, which does not exist"),
        (["run", "--landing", "README.md"], "README.md, a file: expected the folder the extract files land in"),
        (["run", "--as-at", "31/12/2024"], "--as-at is '31/12/2024', not a date: expected YYYY-MM-DD"),
        (["run", "--as-at", "2030-01-01"], "--as-at is 2030-01-01, which is in the future: it must be from 2018-04-01"),
        (["run", "--as-at", "2018-03-31"], "--as-at is 2018-03-31, before the series starts"),
        (["run", "--warehouse", "/proc/nowhere/sin.duckdb"], "but /proc/nowhere cannot be created"),
        (["run", "--publish", "/proc/nowhere"], "--publish is /proc/nowhere, but /proc/nowhere cannot be created"),
        (["run", "--warehouse", "/tmp"], "--warehouse is /tmp, a folder: expected the path of a DuckDB file"),
        (
            ["release", "2099"],
            "YEAR is 2099, which has not ended (it ends on 31 March 2099): a release can be built for 2019 to",
        ),
        (["release", "2017"], "YEAR is 2017, before the series starts: a release can be built for 2019 to"),
        (
            ["release", "2024", "--cut-off", "2099-06-30"],
            "--cut-off is 2099-06-30, which has not passed: it must be from 2024-04-01",
        ),
        (["release", "2024", "--cut-off", "2024-03-31"], "--cut-off is 2024-03-31, before the reporting year ends"),
        (["validate", "/no/such/file.csv"], "cannot read /no/such/file.csv"),
        (["generate", "--out", "/tmp/x", "--years", "2010-2012"], "--years must be FIRST-LAST"),
        (["generate", "--out", "/tmp/x", "--bad-rows", "2"], "--bad-rows must be a fraction"),
        (["nonsense"], "No such command"),
        (["run", "--unknown-option"], "No such option"),
    ],
)
def test_a_usage_mistake_exits_2_with_a_clear_line(args, message):
    result = sinstats(*args)
    assert result.returncode == 2
    assert message in result.stderr + result.stdout
    assert "Traceback" not in result.stderr + result.stdout


@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [
        ("SINSTATS_AS_AT", "garbage", "SINSTATS_AS_AT is 'garbage', not a date: expected YYYY-MM-DD"),
        ("SINSTATS_LOCK_WAIT_SECONDS", "soon", "SINSTATS_LOCK_WAIT_SECONDS is 'soon': expected a number of seconds"),
        ("SINSTATS_DUCKDB_MEMORY_LIMIT", "lots", "SINSTATS_DUCKDB_MEMORY_LIMIT is 'lots': expected a size such as 4GB"),
        ("SINSTATS_WAREHOUSE", "/proc/nowhere/sin.duckdb", "SINSTATS_WAREHOUSE is /proc/nowhere/sin.duckdb, but"),
    ],
)
def test_a_bad_variable_exits_2_in_one_line_before_any_work(variable, value, message):
    result = sinstats("run", env={**os.environ, variable: value})
    assert result.returncode == 2
    assert result.stderr.strip() == f"sinstats: {result.stderr.strip().removeprefix('sinstats: ')}"
    assert len(result.stderr.strip().splitlines()) == 1
    assert message in result.stderr
    assert result.stdout == ""


def test_validate_names_file_row_and_column_and_exits_1(tmp_path):
    path = write_csv(
        tmp_path / "notifications_20220630.csv",
        [
            notification(child_name="Grace Hopper"),
            notification(notification_id="SIN-000102", child_sex="X", child_name="Ada Lovelace"),
        ],
    )
    result = sinstats("validate", str(path))
    assert result.returncode == 1
    assert (
        "notifications_20220630.csv: row 3, column child_sex: must be one of M, F, U "
        "(value 'X'; rule not_in_code_list)" in result.stdout
    )
    assert "identifying column(s) would be dropped unread: child_name" in result.stdout
    assert "Ada Lovelace" not in result.stdout


def test_validate_exits_0_for_good_files_and_names_a_rejected_file(tmp_path):
    good = write_csv(tmp_path / "notifications_20220630.csv", [notification()])
    assert sinstats("validate", str(good)).returncode == 0
    empty = tmp_path / "reviews_20220630.csv"
    empty.write_bytes(b"")
    result = sinstats("validate", str(empty))
    assert result.returncode == 1
    assert "reviews_20220630.csv: rejected, the file is empty (0 bytes)" in result.stdout


def test_generate_writes_a_landing_folder(tmp_path):
    result = sinstats("generate", "--out", str(tmp_path / "g"), "--years", "2024-2024", "--scale", "0.1")
    assert result.returncode == 0, result.stderr
    assert any(p.name.startswith("notifications_") for p in (tmp_path / "g").iterdir())


def test_sql_without_an_analysts_copy_says_to_run_first(tmp_path):
    result = sinstats("sql", "select 1", "--warehouse", str(tmp_path / "sin.duckdb"))
    assert result.returncode == 2
    assert "run `sinstats run` first" in result.stderr


def test_export_sources_writes_every_table_the_models_read_as_parquet(sample_run, tmp_path):
    settings, outcome = sample_run
    assert outcome.success
    result = sinstats("export-sources", "--out", str(tmp_path / "parquet"), "--warehouse", str(settings.warehouse))
    assert result.returncode == 0, result.stderr
    written = sorted(p.relative_to(tmp_path / "parquet").as_posix() for p in (tmp_path / "parquet").rglob("*.parquet"))
    assert written == sorted(Path(line).relative_to(tmp_path / "parquet").as_posix() for line in result.stdout.split())
    assert {"raw/notifications.parquet", "quarantine/rows.parquet", "reference/run_parameters.parquet"} <= set(written)
    with duckdb.connect(str(settings.analysts_copy), read_only=True) as copy:
        for name in written:
            schema, table = name.removesuffix(".parquet").split("/")
            expected = copy.sql(f'select * from "{schema}"."{table}"').fetchall()
            parquet = str(tmp_path / "parquet" / name)
            assert copy.sql("select * from read_parquet(?)", params=[parquet]).fetchall() == expected, name


def test_export_sources_without_an_analysts_copy_says_to_run_first(tmp_path):
    result = sinstats("export-sources", "--out", str(tmp_path / "out"), "--warehouse", str(tmp_path / "sin.duckdb"))
    assert result.returncode == 2
    assert "run `sinstats run` first" in result.stderr


@pytest.mark.parametrize("command", ["run", "release", "validate", "generate", "sql", "ui", "export-sources"])
def test_help_says_formats_and_defaults_without_type_placeholders(command):
    result = sinstats(command, "--help")
    assert result.returncode == 0
    for noise in ("<str>", "<bool>", "<int>", "<float>", "<path>", "list[", "TEXT", "INTEGER"):
        assert noise not in result.stdout, noise
    if command == "run":
        assert "--as-at YYYY-MM-DD" in result.stdout and "else today (London)" in result.stdout
    if command == "release":
        assert "--cut-off YYYY-MM-DD" in result.stdout and "30 June after the reporting year" in result.stdout


def test_validate_takes_a_folder_and_checks_every_extract_in_it(tmp_path):
    write_csv(tmp_path / "notifications_20240405.csv", [notification()])
    write_csv(tmp_path / "notifications_20240406.csv", [notification(la_code="999")])
    (tmp_path / "readme.txt").write_text("not an extract")
    result = sinstats("validate", str(tmp_path))
    assert result.returncode == 1
    lines = result.stdout.splitlines()
    assert "readme.txt: left alone, its name has no known prefix" in lines
    assert "notifications_20240405.csv: no problems" in lines
    assert (
        "notifications_20240406.csv: row 2, column la_code: is not a live LA code on notification_date "
        "(the local_authorities reference list) (value '999'; rule la_not_live)"
    ) in lines
