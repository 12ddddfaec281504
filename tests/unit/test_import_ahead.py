"""What a run imports before it starts, and what it imports while dbt runs (pipelines/ahead.py)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from pipelines.ahead import import_ahead
from pipelines.settings import PROJECT_ROOT


def test_modules_are_imported_in_the_background_and_a_broken_one_is_left_to_fail_where_used(
    tmp_path: Path, monkeypatch
) -> None:
    (tmp_path / "ahead_fine.py").write_text("VALUE = 41 + 1\n", encoding="utf-8")
    (tmp_path / "ahead_broken.py").write_text("raise RuntimeError('broken on import')\n", encoding="utf-8")
    monkeypatch.syspath_prepend(str(tmp_path))
    thread = import_ahead(["ahead_broken", "ahead_fine"])
    thread.join(timeout=30)
    assert not thread.is_alive()
    assert sys.modules["ahead_fine"].VALUE == 42  # after the broken one: each is tried
    assert "ahead_broken" not in sys.modules


def test_the_run_imports_the_solver_only_once_dbt_has_started() -> None:
    """Loading the code location (what every run does before its first step) leaves scipy.optimize
    out; the dbt step names it to import while it waits."""
    script = (
        "import sys, pipelines.definitions\n"
        "from pipelines.transform.assets import IMPORTED_DURING_DBT\n"
        "print('scipy.optimize' in sys.modules, IMPORTED_DURING_DBT)\n"
    )
    done = subprocess.run([sys.executable, "-c", script], cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "False ('scipy.optimize',)"
