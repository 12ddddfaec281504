"""pandera imported as it is where pandas is not installed, so that a run does not import pandas.

pandera's top-level module imports pandas, and pandera's pandas API, whenever pandas is installed
(it is, for gptables, which writes the release's spreadsheet); its polars API, which the contracts
use, needs neither. Where pandas is missing, pandera leaves its pandas API out and goes on (its
`__init__`, "No module named 'pandas'"). `pandas_hidden` makes pandas look missing while pandera
imports, which saves every run about 0.35 s; pandas itself imports as usual afterwards, for
whatever needs it. When pandas or pandera is already imported, it changes nothing.
tests/unit/test_polars_only.py checks that the contracts import without pandas and validate alike.
"""

from __future__ import annotations

import contextlib
import importlib.abc
import importlib.machinery
import sys
from collections.abc import Iterator, Sequence
from types import ModuleType


class _NoPandas(importlib.abc.MetaPathFinder):
    def find_spec(
        self, fullname: str, path: Sequence[str] | None, target: ModuleType | None = None
    ) -> importlib.machinery.ModuleSpec | None:
        if fullname == "pandas" or fullname.startswith("pandas."):
            raise ModuleNotFoundError("No module named 'pandas'", name="pandas")
        return None


@contextlib.contextmanager
def pandas_hidden() -> Iterator[None]:
    """Within: pandas cannot be imported, unless it already is or pandera already is."""
    if "pandas" in sys.modules or "pandera" in sys.modules:
        yield
        return
    finder = _NoPandas()
    sys.meta_path.insert(0, finder)
    try:
        yield
    finally:
        sys.meta_path.remove(finder)


def settle_pandera() -> None:
    """Within `pandas_hidden`, after pandera is imported: pandera looks for its pandas check backends
    once more, at the first validation (`register_checks`, GH #2387), and keeps the answer. Have it
    look now, while pandas is hidden, rather than import pandas then."""
    with contextlib.suppress(ImportError, AttributeError):
        from pandera.backends.register_checks import _load_get_backend_types_from_mro

        _load_get_backend_types_from_mro()
