"""Modules imported in the background, while the run's process waits (for dbt, say), so that the
step that needs one finds it imported. Python's import lock makes that step wait for an import
still under way, and never run one twice; a module that fails here is imported again, and fails
with its own message, where it is used."""

from __future__ import annotations

import contextlib
import importlib
import threading
from collections.abc import Iterable


def import_ahead(modules: Iterable[str]) -> threading.Thread:
    """Start importing `modules`, one after another, in a daemon thread; return the thread."""
    names = list(modules)

    def load() -> None:
        for name in names:
            with contextlib.suppress(Exception):
                importlib.import_module(name)

    thread = threading.Thread(target=load, name="import-ahead", daemon=True)
    thread.start()
    return thread
