"""A release folder replaced whole or not at all (pipelines/release/swap.py): the swap stopped after
each of its file-system steps in turn, as a kill would stop it, leaves the old release or the new
one, complete; the next release then tidies up and succeeds, and no build is ever deleted."""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

import pytest

from pipelines.release import swap


class Killed(BaseException):
    """Where the process died."""


def build(root: Path, name: str, content: str) -> Path:
    folder = root / name
    folder.mkdir()
    (folder / "manifest.csv").write_text(content)
    (folder / "data.csv").write_text(content * 3)
    return folder


def complete(folder: Path) -> str | None:
    """The build's content if every file is there and agrees, else None."""
    if not (folder / "manifest.csv").exists():
        return None
    content = (folder / "manifest.csv").read_text()
    return content if (folder / "data.csv").read_text() == content * 3 else None


def steps_of_a_swap(tmp_path: Path) -> int:
    releases = tmp_path / "count" / "releases"
    releases.mkdir(parents=True)
    swap.swap_in(build(tmp_path / "count", "old", "old"), releases / "2024")
    calls = 0
    real = (os.replace, Path.rename, Path.symlink_to)

    def counted(function):
        def wrapper(*arguments, **keywords):
            nonlocal calls
            calls += 1
            return function(*arguments, **keywords)

        return wrapper

    os.replace, Path.rename, Path.symlink_to = (counted(f) for f in real)  # type: ignore[assignment]
    try:
        swap.swap_in(build(tmp_path / "count", "new", "new"), releases / "2024")
    finally:
        os.replace, Path.rename, Path.symlink_to = real  # type: ignore[assignment]
    return calls


def test_a_swap_killed_after_any_step_leaves_the_old_release_or_the_new_one(tmp_path, monkeypatch):
    steps = steps_of_a_swap(tmp_path)
    assert steps == 4  # the build moved in, the link made, the link renamed over, the old build moved out
    for killed_at in range(steps + 1):
        root = tmp_path / f"kill-{killed_at}"
        releases = root / "releases"
        releases.mkdir(parents=True)
        swap.swap_in(build(root, "old", "old"), releases / "2024")
        new = build(root, "new", "new")
        calls = 0
        real = {"replace": os.replace, "rename": Path.rename, "symlink_to": Path.symlink_to}

        def dying(function, killed_at=killed_at):
            def wrapper(*arguments, **keywords):
                nonlocal calls
                if calls == killed_at:
                    raise Killed
                calls += 1
                return function(*arguments, **keywords)

            return wrapper

        with monkeypatch.context() as patched:
            patched.setattr(os, "replace", dying(real["replace"]))
            patched.setattr(Path, "rename", dying(real["rename"]))
            patched.setattr(Path, "symlink_to", dying(real["symlink_to"]))
            with contextlib.suppress(Killed):
                swap.swap_in(new, releases / "2024")
        seen = complete(releases / "2024")
        assert seen == ("old" if killed_at < 3 else "new"), killed_at
        # The next release tidies what the killed one left, and replaces the release whole.
        swap.tidy(releases / "2024")
        swap.swap_in(build(root, "next", "next"), releases / "2024")
        assert complete(releases / "2024") == "next"
        assert [p.name for p in (releases / swap.BUILDS).iterdir()] == [(releases / "2024").resolve().name]
        kept = sorted(complete(p) for p in (releases / swap.SUPERSEDED).iterdir())
        # Nothing deleted: the old build, and the new one wherever the kill left it.
        assert kept == (["new", "old"] if killed_at >= 1 else ["old"]), killed_at
        assert not list(releases.glob(".2024.link"))


def test_a_release_folder_from_before_links_is_moved_aside_and_linked(tmp_path):
    releases = tmp_path / "releases"
    releases.mkdir()
    build(releases, "2024", "plain")
    moved = swap.swap_in(build(tmp_path, "new", "new"), releases / "2024")
    assert (releases / "2024").is_symlink() and complete(releases / "2024") == "new"
    assert moved is not None and complete(moved) == "plain" and moved.parent.name == swap.SUPERSEDED


def test_only_one_release_of_a_year_runs_at_once(tmp_path):
    import fcntl

    with swap.release_lock(tmp_path, 2024):
        handle = (tmp_path / ".2024.lock").open("w")
        with pytest.raises(BlockingIOError):
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        handle.close()
