"""A real browser (Debian chromium driven by Playwright, headless, offline) on the built site:
it renders from file://, search works, axe-core finds no serious or critical WCAG 2.1 AA
violation on any page type at desktop and phone widths, tables fit a 390 px screen, reports print
to A4 with every column, and the all-parks table sorts, filters and downloads the rows it shows.

The site is built once and one browser serves every test of this module. CI installs chromium
and poppler-utils in the test command; a missing browser is a failure, not a skip."""

from __future__ import annotations

import csv
import functools
import io
import re
import subprocess
import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import quote

import pytest
from axe_playwright_python.sync_playwright import Axe
from greenpark.publish.site import publish_site
from greenpark.settings import REPO_ROOT, Settings
from playwright.sync_api import sync_playwright
from publish_fixtures import HOSTILE_PARK_CODE, build_fixture_warehouse

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]
DESKTOP, PHONE = {"width": 1366, "height": 900}, {"width": 390, "height": 844}
# Reports printed to A4: revisions, a 缺报 indicator and failed B2, the hostile name with 3 quarters.
PRINTED_REPORTS = ("3301-03/2025", "3302-02/2025", f"{HOSTILE_PARK_CODE}/2025")


@pytest.fixture(scope="module")
def public(tmp_path_factory) -> Path:
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} 不存在：浏览器测试需要 Debian chromium（apt-get install -y chromium）")
    workdir = tmp_path_factory.mktemp("publish_browser")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("GREENPARK_WORKDIR", str(workdir))
        mp.setenv("GREENPARK_DEMO_DATA", "1")
        mp.delenv("GREENPARK_WAREHOUSE", raising=False)
        mp.delenv("GREENPARK_SITE_DIR", raising=False)
        settings = Settings(repo_root=REPO_ROOT, workdir=workdir)
        build_fixture_warehouse(settings.warehouse_path)
        publish_site(settings)
    return settings.site_public_dir


@pytest.fixture(scope="module")
def browser():
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:
        pass


@pytest.fixture(scope="module")
def server(public):
    """The site on a local web server, as on the LAN: the 404 page links its assets from the root."""
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_QuietHandler, directory=str(public)))
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def _search(page, public: Path, query: str) -> list[str]:
    page.goto((public / "index.html").as_uri() + "?q=" + quote(query))
    page.wait_for_selector(".md-search-result__item", timeout=15_000)
    return page.eval_on_selector_all(".md-search-result__item > a", "els => els.map(e => e.getAttribute('href'))")


def test_report_renders_from_file_url(public, browser):
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto((public / "parks" / "3301-03" / "2025.html").as_uri())
    assert page.evaluate("document.documentElement.classList.contains('js')")  # the theme's JavaScript ran
    assert page.evaluate("document.documentElement.lang") == "zh-CN"
    assert page.inner_text("h1") == "杭州余杭经济技术开发区 2025 年度绿色低碳发展报告"
    assert "示例数据" in page.content() and page.locator("svg").count() > 4
    assert len(page.screenshot(full_page=True)) > 50_000  # a blank page is a few KB
    page.close()


def test_chinese_search_works_offline_from_file_url(public, browser):
    """Search runs in a Web Worker, which file:// pages cannot start; the site's shim makes it work.
    A park's name, its first characters or its code finds its latest report first."""
    page = browser.new_page()
    assert any("parks/3301-02/2025.html" in href for href in _search(page, public, "萧山"))
    for query, report in (("宁波经济", "3302-01"), ("宁波经济技术开发区", "3302-01"), ("宁波大榭", "3302-02"),
                          ("3302-02", "3302-02"), ("杭州余杭", "3301-03")):
        assert f"parks/{report}/2025.html" in _search(page, public, query)[0], query
    page.close()


def _page_types(public: Path, server: str) -> dict[str, str]:
    return {
        "首页": (public / "index.html").as_uri(),
        "城市": (public / "cities" / "330100.html").as_uri(),
        "报告": (public / "parks" / "3301-03" / "2025.html").as_uri(),
        "公告": (public / "bulletin" / "2025.html").as_uri(),
        "方法说明": (public / "methodology.html").as_uri(),
        "开放数据": (public / "open-data" / "index.html").as_uri(),
        "全部园区": (public / "all-parks" / "2025.html").as_uri(),
        "搜索结果": (public / "index.html").as_uri() + "?q=" + quote("开发区"),
        "404": f"{server}/404.html",
    }


def test_axe_finds_no_serious_or_critical_violation_on_any_page_type(public, server, browser):
    axe = Axe()
    found = []
    for viewport in (DESKTOP, PHONE):
        page = browser.new_page(viewport=viewport)
        for name, url in _page_types(public, server).items():
            page.goto(url)
            if "?q=" in url:
                page.wait_for_selector(".md-search-result__item", timeout=15_000)
            # colours are measured as the reader sees them, not half-way through the theme's fades
            page.wait_for_function("() => document.getAnimations().length === 0", timeout=5_000)
            violations = axe.run(page).response["violations"]
            found += [(viewport["width"], name, v["id"], len(v["nodes"]), v["nodes"][0]["target"])
                      for v in violations if v["impact"] in ("serious", "critical")]
        page.close()
    assert found == []


# Element boxes of every table cell, and any cell whose content overflows it (cut text).
_OUTSIDE = """() => {
  const width = document.documentElement.clientWidth, out = [];
  for (const cell of document.querySelectorAll('.md-content table.gp-table tbody td')) {
    const box = cell.getBoundingClientRect();
    if (box.width === 0) continue;
    if (box.left < -0.5 || box.right > width + 0.5 || cell.scrollWidth > cell.clientWidth + 1)
      out.push([cell.dataset.label, cell.textContent.slice(0, 30), Math.round(box.left), Math.round(box.right)]);
  }
  const cells = document.querySelectorAll('.md-content table.gp-table tbody td').length;
  return {width, page: document.scrollingElement.scrollWidth, cells, out};
}"""


def test_tables_fit_a_phone_screen(public, browser):
    page = browser.new_page(viewport=PHONE)
    pages = ["index.html", "cities/330100.html", "parks/3301-03/2025.html", "parks/index.html", "bulletin/2025.html",
             "methodology.html", "all-parks/2025.html", f"parks/{HOSTILE_PARK_CODE}/2025.html"]
    for rel in pages:
        page.goto((public / rel).as_uri())
        result = page.evaluate(_OUTSIDE)
        assert result["cells"] > 0, rel
        assert result["out"] == [], rel
        assert result["page"] <= result["width"], rel  # no sideways scrolling of the page
    page.close()


def test_reports_print_to_a4_with_every_column(public, browser, tmp_path):
    for report in PRINTED_REPORTS:
        page = browser.new_page()  # page.pdf prints with print media unless screen media is emulated
        page.goto((public / "parks" / f"{report}.html").as_uri())
        pdf = tmp_path / f"{report.replace('/', '_')}.pdf"
        page.pdf(path=str(pdf), format="A4", prefer_css_page_size=True)
        headers = page.eval_on_selector_all(".md-content table.gp-table thead th", "els => els.map(e => e.textContent)")
        assert "全省中位数" in headers and any("一般工业固体废物产生量" in h for h in headers)
        text = subprocess.run(["pdftotext", "-layout", "-enc", "UTF-8", str(pdf), "-"], capture_output=True,
                              text=True, check=True).stdout
        flat = re.sub(r"\s+", "", text)
        # a header may wrap before its （unit）: the name and the unit must each be there whole
        parts = {p for h in headers for p in re.sub(r"\s+", "", h).replace("（", "\n（").split("\n")}
        missing = sorted(p for p in parts if p not in flat)
        assert missing == [], report
        # nothing beyond the printable area of the page (A4 is 595 pt wide, 12 mm margins)
        bbox = subprocess.run(["pdftotext", "-bbox", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
        right = max(float(x) for x in re.findall(r'xMax="([\d.]+)"', bbox))
        assert right <= 595.3 - 12 / 25.4 * 72 + 1, (report, right)
        page.emulate_media(media="print")
        overflow = page.eval_on_selector_all(".gp-table-wrap", "els => els.map(e => getComputedStyle(e).overflowX)")
        assert set(overflow) == {"visible"}, report  # no scrollbar on paper
        page.close()


def _shown(page) -> list[list[str]]:
    return page.evaluate("""() => Array.from(document.querySelectorAll('#gp-all-parks tbody tr'))
        .filter(r => !r.hidden).map(r => Array.from(r.cells).map(c => c.dataset.v))""")


def test_all_parks_table_sorts_filters_and_downloads_the_rows_shown(public, browser):
    page = browser.new_page(accept_downloads=True)
    page.goto((public / "all-parks" / "2025.html").as_uri())
    assert page.is_visible("form.gp-controls")
    everything = _shown(page)
    headers = page.eval_on_selector_all("#gp-all-parks thead th", "els => els.map(e => e.textContent)")
    assert len(everything) == 6 and len(headers) == len(everything[0])
    score = headers.index("综合评价得分（分）")

    page.get_by_role("button", name="综合评价得分（分）").click()
    ascending = [float(r[score]) for r in _shown(page)]
    assert ascending == sorted(ascending)
    page.get_by_role("button", name="综合评价得分（分）").click()
    assert [float(r[score]) for r in _shown(page)] == sorted(ascending, reverse=True)

    page.select_option("select[data-filter=city]", "杭州市")
    shown = _shown(page)
    assert 0 < len(shown) < len(everything) and {r[headers.index("城市")] for r in shown} == {"杭州市"}
    page.select_option("select[data-filter=ok]", "未达标")
    shown = _shown(page)
    assert {r[headers.index("是否达标")] for r in shown} <= {"未达标"}
    with page.expect_download() as download:
        page.click("[data-csv]")
    rows = list(csv.reader(io.StringIO(Path(download.value.path()).read_text(encoding="utf-8-sig"))))
    assert rows[0] == headers
    # exactly the rows shown, text that a spreadsheet would run as a formula prefixed with '
    assert rows[1:] == [[f"'{v}" if v[:1] in "=+-@" and not re.fullmatch(r"-?[\d.]+", v) else v for v in r]
                        for r in shown]
    assert any(r[0].startswith("'=") for r in rows[1:])  # the fixture's hostile park name is among them
    page.close()
