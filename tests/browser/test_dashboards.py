"""The dashboards in a real browser: headless Chromium (Debian's package) driven by Playwright."""

from __future__ import annotations

import csv
import re
from pathlib import Path

import duckdb
import pytest
import yaml
from playwright.sync_api import sync_playwright

from dashboards.theme import NOT_A_PERFORMANCE_MEASURE, PALETTE
from pipelines.settings import DBT_PROJECT_DIR
from tests.conftest import AS_AT

pytestmark = pytest.mark.browser
CHROMIUM = Path("/usr/bin/chromium")
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
CHART_PAGES = ("current/release.html", "internal/timeliness.html", "internal/data_quality.html")
DOCS = "internal/dbt_docs.html"
PAGES = ("index.html", *CHART_PAGES, DOCS)


@pytest.fixture(scope="module")
def browser():
    assert CHROMIUM.exists(), "Chromium is missing: `apt-get install -y chromium` (.ci/run does this)"
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield launched
        launched.close()


@pytest.fixture
def open_page(browser, sample_run):
    """Open a page of the publish folder, recording console errors and every request made."""
    settings, _ = sample_run
    pages = []

    def opener(relative: str):
        page = browser.new_page(viewport={"width": 1200, "height": 900})
        page.errors, page.requests = [], []
        page.on("console", lambda message: page.errors.append(message.text) if message.type == "error" else None)
        page.on("pageerror", lambda error: page.errors.append(str(error)))
        page.on("request", lambda request: page.requests.append(request.url))
        page.goto((settings.publish / relative).as_uri())
        page.wait_for_load_state("load")
        pages.append(page)
        return page

    yield opener
    for page in pages:
        page.close()


def csv_rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def table(page, chart_id: str) -> list[list[str]]:
    return page.eval_on_selector_all(
        f"#table-{chart_id} tbody tr", "rows => rows.map(r => [...r.children].map(c => c.textContent))"
    )


@pytest.mark.parametrize("relative", PAGES)
def test_every_page_loads_offline_with_no_console_error(open_page, sample_run, relative):
    settings, _ = sample_run
    page = open_page(relative)
    assert page.errors == []
    publish = settings.publish.as_uri()
    assert page.requests and all(url.startswith(publish) for url in page.requests), page.requests


@pytest.mark.parametrize("relative", CHART_PAGES)
def test_every_chart_draws_and_is_described(open_page, relative):
    page = open_page(relative)
    charts = page.eval_on_selector_all(
        ".plot",
        """divs => divs.map(d => ({id: d.id, drawn: !!d.querySelector('svg.main-svg'),
            traces: (d.data || []).length,
            label: d.closest('figure').getAttribute('aria-labelledby') === 'alt-' + d.id
                ? document.getElementById('alt-' + d.id).textContent : '',
            title: (d.layout && d.layout.title && d.layout.title.text) || '',
            x: (d.layout && d.layout.xaxis && d.layout.xaxis.title && d.layout.xaxis.title.text) || '',
            y: (d.layout && d.layout.yaxis && d.layout.yaxis.title && d.layout.yaxis.title.text) || '',
            colours: (d.data || []).flatMap(t => [t.marker && t.marker.color, t.line && t.line.color]).filter(Boolean),
            caption: document.getElementById('caption-' + d.id).textContent,
            table: !!document.getElementById('table-' + d.id)}))""",
    )
    assert charts
    for chart in charts:
        assert chart["drawn"] and chart["traces"] > 0, chart["id"]
        assert chart["label"] and chart["title"] and chart["x"] and chart["y"] and chart["caption"], chart["id"]
        assert chart["table"], chart["id"]
        assert set(chart["colours"]) <= set(PALETTE), chart["id"]


def test_the_index_links_every_page_and_shows_the_as_at_date(open_page):
    page = open_page("index.html")
    links = page.eval_on_selector_all("a", "links => links.map(a => a.getAttribute('href'))")
    assert set(links) == set(PAGES[1:])
    assert page.inner_text("#as-at") == AS_AT.isoformat()


def test_release_page_figures_equal_the_published_files(open_page, sample_run):
    settings, _ = sample_run
    page = open_page("current/release.html")
    year = "2026"  # the latest reporting year ended by the as-at date, 1 October 2026
    totals = {
        (r["time_period"], r["nature_of_notification"]): r["number_notifications"]
        for r in csv_rows(settings.current / "sin_total_notifications.csv")
    }
    assert page.inner_text("#headline-total strong") == totals[(year, "Total")]
    assert page.inner_text("#headline-child-death strong") == totals[(year, "Child death")]
    series = table(page, "series")
    assert [row[:2] for row in series] == [[y, totals[(y, "Total")]] for y in sorted({k[0] for k in totals})]
    characteristics = {
        (r["breakdown"], r["nature_of_notification"]): r["number_notifications"]
        for r in csv_rows(settings.current / "sin_nature_characteristics.csv")
        if r["time_period"] == year and r["quarter"] == "Total" and r["breakdown_topic"] == "Age group"
    }
    for group, total, child_death, other in table(page, "topic_age_group"):
        assert (total, child_death, other) == (
            characteristics[(group, "Total")],
            characteristics[(group, "Child death")],
            characteristics[(group, "Serious harm and other")],
        )
    regions = {
        r["region_name"]: r["number_notifications"]
        for r in csv_rows(settings.current / "sin_subnational.csv")
        if r["time_period"] == year and r["geographic_level"] == "Regional"
    }
    assert {row[0]: row[1] for row in table(page, "regions")} == regions


def test_la_charts_carry_the_warning(open_page):
    page = open_page("current/release.html")
    warning = page.inner_text("#title-local_authorities ~ .warning")
    assert warning == NOT_A_PERFORMANCE_MEASURE


def test_the_release_page_shows_no_figure_that_is_not_published(open_page, sample_run):
    settings, _ = sample_run
    page = open_page("current/release.html")
    shown = {
        cell
        for chart in ("topic_sex", "topic_ethnicity", "topic_placement_type")
        for row in table(page, chart)
        for cell in row[1:]
    }
    published = {r["number_notifications"] for r in csv_rows(settings.current / "sin_nature_characteristics.csv")}
    assert shown <= published
    assert not {"1", "2"} & shown


def _mart_timeliness(settings, measure: str, region: str | None) -> dict[str, tuple[int, int]]:
    with duckdb.connect(str(settings.analysts_copy), read_only=True) as connection:
        result = connection.execute(
            """
            select reporting_year || ' ' || reporting_quarter,
                   count(*) filter (where is_complete or is_open_overdue), count(*) filter (where is_on_time)
            from marts.fct_timeliness
            where is_measured and measure = ? and (? is null or region_name = ?)
            group by 1 having count(*) filter (where is_complete or is_open_overdue) > 0
            """,
            [measure, region, region],
        ).fetchall()
    return {period: (due, on_time) for period, due, on_time in result}


def test_timeliness_filters_change_the_charts_and_match_the_mart(open_page, sample_run):
    settings, _ = sample_run
    page = open_page("internal/timeliness.html")
    assert page.errors == []
    measure = "Rapid review within 15 working days"
    overdue_before = page.evaluate("document.getElementById('overdue').data[0].x")
    page.select_option("#filter-measure", measure)
    shown = {row[0]: (int(row[2]), int(row[3])) for row in table(page, "on_time")}
    assert shown == _mart_timeliness(settings, measure, None)
    assert page.evaluate("document.getElementById('on_time').data.length") == 1
    page.select_option("#filter-region", "North West")
    shown = {row[0]: (int(row[2]), int(row[3])) for row in table(page, "on_time")}
    assert shown == _mart_timeliness(settings, measure, "North West")
    overdue_after = page.evaluate("document.getElementById('overdue').data[0].x")
    assert overdue_after != overdue_before  # regions, then the LAs of the North West
    las = page.eval_on_selector_all("#filter-la option", "options => options.map(o => o.value)")
    assert "Manchester" in las and "Leeds" not in las
    assert "North West" in page.inner_text("#view")


def test_data_quality_page_counts_equal_the_warehouse(open_page, sample_run):
    settings, _ = sample_run
    page = open_page("internal/data_quality.html")
    with duckdb.connect(str(settings.analysts_copy), read_only=True) as connection:
        loaded = dict(connection.execute("select kind, sum(rows_loaded) from raw.loaded_files group by 1").fetchall())
        quarantined = dict(
            connection.execute("select kind, sum(rows_quarantined) from raw.loaded_files group by 1").fetchall()
        )
    assert {row[0]: int(row[1]) for row in table(page, "rows_loaded")} == loaded
    assert {row[0]: int(row[1]) for row in table(page, "rows_quarantined")} == quarantined
    assert sum(int(row[1]) for row in table(page, "by_la")) <= sum(quarantined.values())


def test_no_page_holds_a_record_level_identifier(sample_run):
    settings, _ = sample_run
    for relative in PAGES:
        text = (settings.publish / relative).read_text(encoding="utf-8")
        assert "SIN-0" not in text, relative


@pytest.mark.parametrize("relative", PAGES)
def test_every_page_meets_wcag_2_2_aa_as_axe_core_checks_it(open_page, relative):
    from axe_playwright_python.sync_playwright import Axe

    page = open_page(relative)
    page.wait_for_timeout(300)  # the charts drawn
    tags = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
    result = Axe().run(page, options={"runOnly": {"type": "tag", "values": tags}})
    violations = [(v["id"], v["impact"], len(v["nodes"])) for v in result.response["violations"]]
    assert violations == [], relative


def test_a_hidden_figure_is_marked_c_where_its_bar_would_be(open_page, sample_run):
    settings, _ = sample_run
    page = open_page("current/release.html")
    charts = page.eval_on_selector_all(
        ".plot[id^='topic_']",
        "divs => divs.map(d => ({id: d.id, traces: d.data.map(t => ({name: t.name, x: t.x, y: t.y, text: t.text}))}))",
    )
    published = csv_rows(settings.current / "sin_nature_characteristics.csv")
    hidden = {
        (r["breakdown_topic"], r["breakdown"], r["nature_of_notification"])
        for r in published
        if r["number_notifications"] == "c"
        and r["quarter"] == "Total"
        and r["time_period"] == page.title()[-4:]
        # The charts draw an item's natures, not its Total (a hidden Total has no bar to mark).
        and r["nature_of_notification"] != "Total"
    }
    assert hidden, "the sample has suppressed figures in the year shown"
    marked = set()
    for chart in charts:
        topic = next(
            r["breakdown_topic"]
            for r in published
            if chart["id"] == "topic_" + r["breakdown_topic"].lower().replace(" ", "_")
        )
        for trace in chart["traces"]:
            for group, height, text in zip(trace["x"], trace["y"], trace["text"], strict=True):
                if text == "c":
                    assert height == 0
                    marked.add((topic, group, trace["name"]))
    assert marked == hidden


def test_the_warehouse_documentation_shows_every_mart_with_its_columns_tests_and_lineage(open_page):
    """Read against the project's own YAML (not the manifest the page is made from): every mart with
    its description and each of its columns, its tests, and what it reads and is read by as links
    that land on a table of the page."""
    page = open_page(DOCS)
    documented = {}
    for path in sorted((DBT_PROJECT_DIR / "models" / "marts").glob("*.yml")):
        documented |= {model["name"]: model for model in yaml.safe_load(path.read_text())["models"]}
    assert "fct_notifications" in documented
    for name, model in documented.items():
        section = page.locator(f"#node-model-sinstats-{name}")
        assert section.locator("h3").inner_text() == f"marts.{name}"
        text = " ".join(section.inner_text().split())
        if "{{" not in model["description"]:  # a doc() block is rendered by dbt
            assert " ".join(model["description"].split()) in text, name
        shown = section.locator("tbody th").all_inner_texts()
        assert shown == [column["name"] for column in model.get("columns", [])], name
    fct = page.locator("#node-model-sinstats-fct_notifications")
    assert "primary_key on notification_id" in " ".join(fct.inner_text().split())
    sql = (DBT_PROJECT_DIR / "models" / "marts" / "fct_notifications.sql").read_text()
    read = set(re.findall(r"ref\('(\w+)'\)", sql)) | set(re.findall(r"source\('\w+', *'(\w+)'\)", sql))
    links = fct.locator("dd").nth(1).locator("a")
    assert {text.split(".")[-1] for text in links.all_inner_texts()} == read
    for href in links.evaluate_all("links => links.map(a => a.getAttribute('href'))"):
        assert page.locator(href).count() == 1, href


def test_the_timeliness_page_starts_on_one_measure_and_never_mixes_them(open_page):
    page = open_page("internal/timeliness.html")
    options = page.eval_on_selector_all("#filter-measure option", "options => options.map(o => o.value)")
    assert "All" not in options
    assert page.input_value("#filter-measure") == "Notification within 5 working days"
    assert page.evaluate("document.getElementById('on_time').data.length") == 1


def test_the_qa_report_meets_wcag_2_2_aa_with_no_console_error(browser, sample_run, tmp_path):
    """The QA report of a release, written from the sample's published files as `sinstats release` writes
    it (with one failing check, so both kinds of row are drawn), in the browser with axe-core."""
    import shutil

    from axe_playwright_python.sync_playwright import Axe

    from pipelines.publish.assets import OPEN_DATA_FILES
    from pipelines.release import qa
    from pipelines.release.bundle import write_manifest
    from pipelines.release.compare import write_changes
    from schemas.policy import policy

    settings, _ = sample_run
    bundle = tmp_path / "2026"
    shutil.copytree(settings.current, bundle)
    write_changes([], bundle / "revisions.csv")
    write_manifest(bundle, {})
    with duckdb.connect(str(settings.analysts_copy), read_only=True) as connection:
        checks = qa.qa_checks(bundle, OPEN_DATA_FILES, 2026, AS_AT, None, None, connection, policy())
    checks.append(qa.Check("National totals", "a failed check <script>alert(1)</script>", False, "1 != 2"))
    qa.write_qa(tmp_path / "qa", checks, 2026, AS_AT, bundle)
    page = browser.new_page()
    errors: list[str] = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("dialog", lambda dialog: (errors.append(dialog.message), dialog.dismiss()))
    page.goto((tmp_path / "qa" / qa.REPORT).as_uri())
    tags = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
    result = Axe().run(page, options={"runOnly": {"type": "tag", "values": tags}})
    assert [(v["id"], len(v["nodes"])) for v in result.response["violations"]] == []
    assert errors == []
    assert f"1 of {len(checks)} checks failed" in page.inner_text("main")
    page.close()
