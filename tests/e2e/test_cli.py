"""The `sinstats` command as a user meets it: exit codes, one-line errors, never a traceback."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import notification, write_csv

SINSTATS = str(Path(sys.executable).with_name("sinstats"))


def sinstats(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([SINSTATS, *args], capture_output=True, text=True, timeout=300, env=env)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["run", "--landing", "/no/such/folder"], "the landing folder /no/such/folder does not exist"),
        (["run", "--as-at", "31/12/2024"], "--as-at must be a date as YYYY-MM-DD"),
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
        "notifications_20220630.csv: row 3, column child_sex: must be one of the codes of its code list "
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
