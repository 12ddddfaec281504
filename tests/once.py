"""A shared fixture's work (session- or module-scoped) done once for the whole `make test`, however
many pytest-xdist workers share it.

Each xdist worker is a pytest session of its own, so a session-scoped fixture runs once per worker
(and a module-scoped one once per worker that runs a test of its module):
with two workers the sample run and the first incremental day were each built twice. pytest-xdist's
documented way ("Making session-scoped fixtures execute only once") is a folder that every worker
of the run shares, beside their own temporary folders, and a lock: the first worker to ask builds
the result there, and the others wait for it and read the same one. What is built must not be
changed by any test (they copy it first), as before; the result handed back is read from disk by
every worker alike, so each gets its own copy of the objects.
"""

from __future__ import annotations

import fcntl
import os
import pickle
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import pytest

T = TypeVar("T")
RESULT = "result.pickle"


def built_once(tmp_path_factory: pytest.TempPathFactory, name: str, build: Callable[[Path], T]) -> T:
    """`build(folder)`, run once per `make test` under the workers' shared folder (once per session
    when pytest runs without workers: `-n 0`, or `-p no:xdist`). A build that fails leaves its
    folder without a result: a worker that asks later fails too, naming it, rather than build over
    what it left."""
    if "PYTEST_XDIST_WORKER" not in os.environ:  # set by pytest-xdist in each worker ("gw0", ...)
        return build(tmp_path_factory.mktemp(name))
    shared = tmp_path_factory.getbasetemp().parent  # the run's folder, holding popen-gw0, popen-gw1, ...
    folder, result = shared / name, shared / name / RESULT
    with (shared / f"{name}.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not result.exists():
            if folder.exists():  # what a failed build left
                raise RuntimeError(f"{name}: an earlier worker's build failed (see its error)")
            folder.mkdir()
            built = build(folder)
            result.write_bytes(pickle.dumps(built))
        loaded: T = pickle.loads(result.read_bytes())
        return loaded
