"""A real browser (Debian chromium, headless) opens the built site from file://, offline.

CI installs chromium in the test command; a missing browser is a failure, not a skip."""

from __future__ import annotations

import subprocess
from pathlib import Path
from urllib.parse import quote

import pytest
from greenpark.publish.site import publish_site
from greenpark.settings import REPO_ROOT, Settings
from publish_fixtures import build_fixture_warehouse

CHROMIUM = Path("/usr/bin/chromium")


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


def _chromium(tmp_path: Path, *args: str) -> subprocess.CompletedProcess:
    flags = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
             "--disable-component-update", "--disable-sync", f"--user-data-dir={tmp_path / 'profile'}",
             "--hide-scrollbars", "--virtual-time-budget=8000"]
    return subprocess.run([str(CHROMIUM), *flags, *args], capture_output=True, text=True, timeout=120, check=False)


def test_report_renders_from_file_url(public, tmp_path):
    report = public / "parks" / "3301-03" / "2025.html"
    shot = tmp_path / "report.png"
    result = _chromium(tmp_path, "--window-size=1280,2400", f"--screenshot={shot}", report.as_uri())
    assert shot.exists(), result.stderr[-2000:]
    assert shot.stat().st_size > 50_000  # a blank page is a few KB
    dom = _chromium(tmp_path, "--dump-dom", report.as_uri()).stdout
    assert 'class="js' in dom  # the theme's JavaScript ran (it swaps no-js for js)
    assert "杭州余杭经济技术开发区 2025 年度绿色低碳发展报告" in dom
    assert "示例数据" in dom and "<svg" in dom


def test_chinese_search_works_offline_from_file_url(public, tmp_path):
    """Search runs in a Web Worker, which file:// pages cannot start; the site's shim makes it work."""
    page = (public / "index.html").as_uri() + "?q=" + quote("萧山")
    dom = _chromium(tmp_path, "--dump-dom", page).stdout
    assert "md-search-result__item" in dom, "搜索没有返回结果"
    assert "parks/3301-02/2025.html" in dom  # 萧山经济技术开发区's report
