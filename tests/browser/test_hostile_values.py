"""Values from an extract are hostile until escaped for where they land: a landing folder full of markup
and formulas, run through the real pipeline, then every page opened in Chromium and every file read."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from playwright.sync_api import sync_playwright

from pipelines.runner import run_pipeline
from pipelines.settings import Settings, load_settings
from tests.browser.test_dashboards import ARGS, CHART_PAGES, CHROMIUM, PAGES
from tests.conftest import AS_AT, VALID_LA_CONTEXT, VALID_REVIEW, notification, write_csv
from tests.once import built_once

pytestmark = pytest.mark.browser

# Each within the 50 characters quarantine keeps of a value.
SCRIPT_CLOSE = "</script><script>alert(1)</script>"
SCRIPT = "<script>alert(2)</script>"
IMAGE = "<img src=x onerror=alert(3)>"
SVG = '"><svg onload=alert(4)>'
FORMULAS = ("=1+1", "+SUM(A1)", "-2+3", "@SUM(A1)")


@pytest.fixture(scope="module")
def hostile_run(tmp_path_factory):
    """A run over a landing folder of hostile values, once for every worker (tests/once.py)."""

    def build(root: Path) -> Settings:
        landing = root / "landing"
        landing.mkdir()
        good = [notification(notification_id=f"SIN-{n:06d}") for n in range(1, 6)]
        bad = [
            notification(notification_id="SIN-000901", la_code=SCRIPT_CLOSE),
            notification(notification_id="SIN-000902", la_code=SCRIPT),
            notification(notification_id="SIN-000903", la_code=IMAGE, nature=SVG),
            notification(notification_id=IMAGE, child_ethnicity=SCRIPT_CLOSE),
            *(notification(notification_id=f"SIN-00091{i}", la_code=f) for i, f in enumerate(FORMULAS)),
        ]
        write_csv(landing / "notifications_20240405.csv", good + bad)
        write_csv(
            landing / "reviews_20240405.csv",
            [VALID_REVIEW, {**VALID_REVIEW, "notification_id": SCRIPT_CLOSE, "rapid_review_outcome": SCRIPT}],
        )
        write_csv(landing / "la_context_2024.csv", [VALID_LA_CONTEXT, {**VALID_LA_CONTEXT, "la_code": SCRIPT_CLOSE}])
        (landing / f"notifications_20240406_{IMAGE}.csv").write_bytes(b"")  # rejected, and named on a page
        (landing / f"notes {IMAGE}.txt").write_text("not an extract")  # not recognised, and listed on a page
        write_csv(landing / "notifications_20240407.csv", [{"notification_id": SCRIPT_CLOSE, SCRIPT: "x"}])
        settings = load_settings(landing, root / "warehouse" / "sin.duckdb", root / "publish")
        outcome = run_pipeline(settings, AS_AT, progress=lambda _line: None)
        assert outcome.success, outcome.failures
        return settings

    return built_once(tmp_path_factory, "hostile", build)


def test_the_hostile_rows_were_quarantined_not_lost(hostile_run):
    import duckdb

    with duckdb.connect(str(hostile_run.analysts_copy), read_only=True) as connection:
        values = {row[0] for row in connection.execute("select value from quarantine.rows").fetchall()}
    assert {SCRIPT_CLOSE, SCRIPT, IMAGE} <= values


def test_no_page_runs_a_value_from_an_extract(hostile_run):
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        try:
            for relative in PAGES:
                page = browser.new_page()
                dialogs: list[str] = []
                errors: list[str] = []
                page.on("dialog", lambda dialog, seen=dialogs: (seen.append(dialog.message), dialog.dismiss()))
                page.on("pageerror", lambda error, seen=errors: seen.append(str(error)))
                page.goto((hostile_run.publish / relative).as_uri())
                page.wait_for_load_state("load")
                page.wait_for_timeout(300)
                assert dialogs == [], relative
                assert errors == [], relative
                if relative in CHART_PAGES:
                    drawn = page.eval_on_selector_all(".plot", "plots => plots.map(p => !!p.querySelector('svg'))")
                    assert drawn and all(drawn), relative
                page.close()
        finally:
            browser.close()


def test_the_data_quality_page_shows_unreadable_codes_as_such_and_file_names_as_text(hostile_run):
    text = (hostile_run.publish / "internal" / "data_quality.html").read_text(encoding="utf-8")
    script = text[text.index("const FIGURES") :]
    for value in (SCRIPT_CLOSE, SCRIPT, IMAGE):
        assert value not in text
    assert "unreadable code" in script
    assert "&lt;img src=x onerror=alert(3)&gt;" in text  # the rejected file's name, as text
    assert "<li>notes &lt;img src=x onerror=alert(3)&gt;.txt</li>" in text  # the unrecognised file, listed


def _cells(folder: Path) -> list[str]:
    cells = []
    for path in sorted(folder.rglob("*.csv")):
        with path.open(encoding="utf-8", newline="") as handle:
            cells += [cell for row in csv.reader(handle) for cell in row]
    return cells


def test_no_csv_cell_starts_a_formula(hostile_run):
    cells = _cells(hostile_run.publish / "current")
    assert cells
    assert [
        c for c in cells if c[:1] in ("=", "+", "@") or (c.startswith("-") and not c[1:].replace(".", "").isdigit())
    ] == []


def _open_and_watch(path: Path) -> tuple[list[str], list[str], list[bool]]:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        try:
            page = browser.new_page()
            dialogs: list[str] = []
            errors: list[str] = []
            page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
            page.on("pageerror", lambda error: errors.append(str(error)))
            page.goto(path.as_uri())
            page.wait_for_load_state("load")
            page.wait_for_timeout(300)
            drawn = page.eval_on_selector_all(".plot", "plots => plots.map(p => !!p.querySelector('svg'))")
            return dialogs, errors, drawn
        finally:
            browser.close()


def test_a_page_embeds_any_value_in_its_script_block_without_running_it(tmp_path):
    """The page assembly on its own: labels and data straight from an extract, with no label cleaning."""
    from dashboards.figures import bars
    from dashboards.page import render_page, write_page

    labels = [SCRIPT_CLOSE, SCRIPT, IMAGE, SVG]
    chart = bars("hostile", SCRIPT_CLOSE, SCRIPT, "Label", "Rows", labels, [1, 2, 3, 4])
    page = render_page(SCRIPT_CLOSE, [SCRIPT], [chart], data={"values": labels})
    dialogs, errors, drawn = _open_and_watch(write_page(tmp_path, "hostile.html", page))
    assert dialogs == []
    assert errors == []
    assert drawn == [True]
