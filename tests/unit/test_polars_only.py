"""The contracts import pandera without pandas and validate as they do with it (schemas/polars_only.py)."""

from __future__ import annotations

import subprocess
import sys

from pipelines.settings import PROJECT_ROOT

# Every rule of every contract, in a fresh process: pass and fail as the rules tests say, and pandas
# never imported (neither when pandera is imported nor at the first validation).
RULES_WITHOUT_PANDAS = """
import sys
import pytest

code = pytest.main(["-q", "-p", "no:cacheprovider", "tests/unit/test_rules.py"])
print("pandas imported:", "pandas" in sys.modules)
sys.exit(code)
"""


def test_the_rules_hold_and_pandas_is_never_imported():
    done = subprocess.run(
        [sys.executable, "-c", RULES_WITHOUT_PANDAS], cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "pandas imported: False" in done.stdout, done.stdout


def test_pandas_still_imports_after_pandera_has():
    """Hidden only while pandera imports: what needs pandas afterwards (the release's workbook) gets it."""
    script = "import schemas.contract, pandas; print(pandas.DataFrame({'a': [1]}).shape)"
    done = subprocess.run([sys.executable, "-c", script], cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0 and done.stdout.strip() == "(1, 1)", done.stdout + done.stderr
