"""The landing folder hashed ahead (pipelines/ingest/landing.py): a digest made ahead is used only
for a file still as it was when it was hashed; every other file is read again. Expected digests come
from hashlib over the bytes written here."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pytest

from pipelines.ingest import landing


@pytest.fixture
def folder(tmp_path: Path, monkeypatch) -> Path:
    monkeypatch.setattr(landing, "_ahead", {})
    monkeypatch.setattr(landing, "_hashing", [])
    (tmp_path / "notifications_20250101.csv").write_bytes(b"a,b\n1,2\n")
    (tmp_path / "reviews_20250101.csv").write_bytes(b"c,d\n3,4\n")
    (tmp_path / "notes.txt").write_bytes(b"not an extract")
    return tmp_path


def digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def test_a_file_hashed_ahead_and_unchanged_is_not_read_again(folder: Path, monkeypatch) -> None:
    monkeypatch.setattr(landing, "RECENT_NS", 0)  # the files were just written
    landing.hash_ahead(folder)
    assert landing.sha256(folder / "notifications_20250101.csv") == digest(b"a,b\n1,2\n")
    assert set(landing._ahead) == {folder / "reviews_20250101.csv"}  # only extracts; each used once

    def unreadable(path: Path) -> str:
        raise AssertionError(f"{path.name} read again")

    monkeypatch.setattr(landing, "_read_digest", unreadable)
    assert landing.sha256(folder / "reviews_20250101.csv") == digest(b"c,d\n3,4\n")


def test_a_file_written_again_after_it_was_hashed_is_read_again(folder: Path, monkeypatch) -> None:
    monkeypatch.setattr(landing, "RECENT_NS", 0)
    landing.hash_ahead(folder)
    landing.sha256(folder / "notes.txt")  # (waits for the hashing)
    path = folder / "notifications_20250101.csv"
    before = path.stat()
    path.write_bytes(b"a,b\n9,9\n")  # the same size, and the modification time put back
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert landing.sha256(path) == digest(b"a,b\n9,9\n")


def test_a_file_changed_in_the_last_seconds_before_it_was_hashed_is_read_again(folder: Path, monkeypatch) -> None:
    landing.hash_ahead(folder)  # the files were written just now: within RECENT_NS
    landing.sha256(folder / "notes.txt")
    assert landing._ahead == {}
    assert landing.sha256(folder / "reviews_20250101.csv") == digest(b"c,d\n3,4\n")


def test_a_landing_folder_that_is_not_there_is_left_to_the_ingest(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(landing, "_hashing", [])
    landing.hash_ahead(tmp_path / "missing")
    assert landing._hashing == []
