"""Releases, for real: three publishes of the fixture warehouse (mkdocs builds, registry on disk).

1. first publish → release 2026.1; 2. the same marts again → no release, the same bytes;
3. one park's indicator revised by a new submission version → release 2026.2 whose notes name the
version, the park, the indicator, the year and the revision, and whose 历史版本 page offers
2026.1's open data and site zip.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import html
import json
import re
import zipfile
from pathlib import Path
from urllib.parse import unquote

import duckdb
import pytest
from click.testing import CliRunner
from greenpark.cli import main
from greenpark.intake.warehouse import INTAKE_DDL
from greenpark.publish.releases import (REGISTRY_FILE, load_registry, next_release_id, site_zip_name,
                                        write_site_zip)
from greenpark.publish.site import publish_site
from greenpark.settings import REPO_ROOT, Settings
from publish_fixtures import build_fixture_warehouse

REVISED_PARK, REVISED_YEAR, REVISED_INDICATOR = "3301-02", 2025, "EG01"
NEW_VERSION = "330100-2025Q3-v2"
ISSUER, CONTACT, LICENCE = "测试发布机关", "测试联系电话 0571-00000000", "CC BY-SA 4.0"


def _hashes(root: Path) -> dict[str, str]:
    return {p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file()}


def _revise(warehouse: Path) -> None:
    """A city resubmits 2025 Q3: one park's EG01 rises 30 % and is recorded as a revision."""
    con = duckdb.connect(str(warehouse))
    try:
        old = con.execute("SELECT value FROM fct_park_indicators WHERE park_code = ? AND year = ? AND indicator_id = ?",
                          [REVISED_PARK, REVISED_YEAR, REVISED_INDICATOR]).fetchone()[0]
        for table in ("fct_park_indicators", "fct_park_evaluation"):
            con.execute(f"UPDATE {table} SET source_version_ids = replace(source_version_ids, "
                        f"'330100-2025Q3-v1', '{NEW_VERSION}') WHERE park_code = ? AND year = ?",
                        [REVISED_PARK, REVISED_YEAR])
        con.execute("UPDATE fct_park_indicators SET value = value * 1.3 WHERE park_code = ? AND year = ? "
                    "AND indicator_id = ?", [REVISED_PARK, REVISED_YEAR, REVISED_INDICATOR])
        # as the marts do: every park's provincial median of that indicator moves with it
        con.execute("UPDATE fct_park_indicators SET peer_median_value = peer_median_value + 0.01 "
                    "WHERE year = ? AND indicator_id = ?", [REVISED_YEAR, REVISED_INDICATOR])
        con.execute("INSERT INTO fct_revisions (park_code, year, indicator_id, old_value, new_value, change_pct, "
                    "city_code, revised_quarter, superseded_version_id, replacing_version_id) "
                    "VALUES (?, ?, ?, ?, ?, 30.0, '330100', 3, '330100-2025Q3-v1', ?)",
                    [REVISED_PARK, REVISED_YEAR, REVISED_INDICATOR, old, old * 1.3, NEW_VERSION])
        for ddl in INTAKE_DDL[:1]:  # submission_versions: where the notes read when a version arrived
            con.execute(ddl)
        con.execute("INSERT INTO submission_versions (version_id, city_code, year, quarter, version_no, sha256, "
                    "filename, size_bytes, received_at, archive_path, status, in_force) VALUES "
                    "(?, '330100', 2025, 3, 2, 'x', '330100_2025Q3.xlsx', 1, TIMESTAMP '2026-03-30 09:15:00', "
                    "'-', '已接收', true)", [NEW_VERSION])
    finally:
        con.close()


@pytest.fixture(scope="module")
def releases(tmp_path_factory):
    workdir = tmp_path_factory.mktemp("releases")
    out = {}
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("GREENPARK_WORKDIR", str(workdir))
        mp.setenv("GREENPARK_DEMO_DATA", "1")
        for var in ("GREENPARK_WAREHOUSE", "GREENPARK_SITE_DIR", "GREENPARK_ISSUER", "GREENPARK_CONTACT",
                    "GREENPARK_LICENCE_NAME", "GREENPARK_LICENCE_URL"):
            mp.delenv(var, raising=False)
        mp.setenv("GREENPARK_TODAY", "2026-03-15")
        settings = Settings(repo_root=REPO_ROOT, workdir=workdir)
        public = settings.site_public_dir
        build_fixture_warehouse(settings.warehouse_path)
        out["first"] = publish_site(settings)
        out["first_hashes"] = _hashes(public)
        out["first_home"] = (public / "index.html").read_text(encoding="utf-8")
        mp.setenv("GREENPARK_TODAY", "2026-03-20")  # a rebuild later keeps the release's own date
        out["again"] = publish_site(Settings(repo_root=REPO_ROOT, workdir=workdir))
        out["again_hashes"] = _hashes(public)
        out["again_registry"] = load_registry(settings.releases_dir)
        # the site zipped at another time, from the second build: must equal the archived zip
        out["rezip"] = workdir / "rezip.zip"
        write_site_zip(public, out["rezip"], "greenpark-site-2026.1")

        _revise(settings.warehouse_path)
        mp.setenv("GREENPARK_TODAY", "2026-04-01")
        mp.setenv("GREENPARK_ISSUER", ISSUER)
        mp.setenv("GREENPARK_CONTACT", CONTACT)
        mp.setenv("GREENPARK_LICENCE_NAME", LICENCE)
        out["second"] = publish_site(Settings(repo_root=REPO_ROOT, workdir=workdir))
    out["settings"] = settings
    return out


def test_unchanged_marts_make_no_new_release_and_the_same_bytes(releases):
    first, again = releases["first"], releases["again"]
    assert (first["release_id"], first["release_date"], first["new_release"]) == ("2026.1", "2026-03-15", True)
    assert (again["release_id"], again["release_date"], again["new_release"]) == ("2026.1", "2026-03-15", False)
    assert [e["release_id"] for e in releases["again_registry"]] == ["2026.1"]
    a, b = releases["first_hashes"], releases["again_hashes"]
    assert a.keys() == b.keys() and [k for k in a if a[k] != b[k]] == []


def test_changed_marts_make_the_next_release_with_notes_from_the_warehouse(releases):
    second = releases["second"]
    assert (second["release_id"], second["release_date"], second["new_release"]) == ("2026.2", "2026-04-01", True)
    registry = load_registry(releases["settings"].releases_dir)
    assert [e["release_id"] for e in registry] == ["2026.1", "2026.2"]
    notes = registry[1]["notes"]
    assert notes["versions"] == [{"version_id": NEW_VERSION, "city_name": "杭州市", "received": "2026-03-30"}]
    assert [p["park_code"] for p in notes["parks"]] == [REVISED_PARK]
    assert [i["indicator_id"] for i in notes["indicators"]] == [REVISED_INDICATOR]
    assert notes["years"] == [REVISED_YEAR]
    assert notes["recomputed"] == ["全省同年度中位数"]  # named once, not as a change of every park
    assert [(r["park_code"], r["indicator_id"], r["change_pct"]) for r in notes["revisions"]] == [
        (REVISED_PARK, REVISED_INDICATOR, 30.0)]
    page = (releases["settings"].site_public_dir / "releases" / "index.html").read_text(encoding="utf-8")
    section = page.split('id="v2026-2"', 1)[1].split('id="v2026-1"', 1)[0]
    park_name = notes["parks"][0]["park_name"]
    for expected in (NEW_VERSION, "2026-03-30 接收", park_name, f"{REVISED_INDICATOR} 单位工业增加值综合能耗",
                     f"{REVISED_YEAR} 年", "+30.0 %", "2026 年 4 月 1 日", "随之重新计算</strong>：全省同年度中位数"):
        assert expected in section, expected


def test_history_page_offers_the_earlier_release_open_data_and_site_zip(releases):
    public = releases["settings"].site_public_dir
    page = (public / "releases" / "index.html").read_text(encoding="utf-8")
    earlier = page.split('id="v2026-1"', 1)[1]
    # the href as a browser reads it: entities decoded (the site escapes every value it prints), then URL-decoded
    links = [unquote(html.unescape(h)) for h in re.findall(r'href="(2026\.1/[^"]+)"', earlier)]
    first = releases["first_hashes"]
    open_data = {f"2026.1/{k}": v for k, v in first.items() if k.startswith("open-data/") and not k.endswith(".html")}
    zip_link = f"2026.1/{site_zip_name('2026.1')}"
    assert open_data and sorted(links) == sorted([*open_data, zip_link])
    for link in links:  # relative to releases/index.html, as file:// and a LAN server resolve it
        assert (public / "releases" / link).is_file(), link
    for link, digest in open_data.items():  # the files as 2026.1 published them
        assert hashlib.sha256((public / "releases" / link).read_bytes()).hexdigest() == digest, link
    assert any(first[k] != v for k, v in _hashes(public).items() if k in first and k.startswith("open-data/"))

    archived = (public / "releases" / zip_link).read_bytes()
    assert archived == releases["rezip"].read_bytes()  # reproducible: zipped later from a rebuild
    with zipfile.ZipFile(public / "releases" / zip_link) as z:
        infos = z.infolist()
        names = [i.filename for i in infos]
        assert names == sorted(names) and all(i.date_time == (1980, 1, 1, 0, 0, 0) for i in infos)
        assert {n.split("/", 1)[1] for n in names} == {k for k in first if not k.startswith("releases/2026")}
        home = z.read("greenpark-site-2026.1/index.html").decode("utf-8")
        assert home == releases["first_home"]


FOOTER = re.compile(r'<footer class="gp-provenance".*?</footer>', re.DOTALL)


def test_every_page_carries_issuer_release_date_contact_and_licence(releases):
    public = releases["settings"].site_public_dir
    pages = sorted(public.glob("**/*.html"))
    assert len(pages) > 20
    for path in pages:
        footers = FOOTER.findall(path.read_text(encoding="utf-8"))
        assert len(footers) == 1, path
        footer = footers[0]
        for expected in (f"{ISSUER}（示例）", "2026.2", "2026 年 4 月 1 日", CONTACT, LICENCE,
                         "https://creativecommons.org/licenses/by/4.0/"):
            assert expected in footer, (path, expected)
        link = re.search(r'<dt>版本</dt><dd><a href="([^"]+)"', footer).group(1)
        if path.name != "404.html":  # the 404 page is served at any URL: the theme links it from the root
            assert (path.parent / link).resolve() == (public / "releases" / "index.html").resolve(), path
    default = FOOTER.search(releases["first_home"]).group(0)
    assert "浙江省经济和信息化厅（示例）" in default and "CC BY 4.0" in default and "2026 年 3 月 15 日" in default


def test_cli_lists_releases_and_reports_an_unchanged_build(releases, monkeypatch):
    monkeypatch.setenv("GREENPARK_WORKDIR", str(releases["settings"].workdir))
    monkeypatch.setenv("GREENPARK_TODAY", "2026-05-01")
    for var, value in (("GREENPARK_ISSUER", ISSUER), ("GREENPARK_CONTACT", CONTACT), ("GREENPARK_LICENCE_NAME", LICENCE)):
        monkeypatch.setenv(var, value)
    runner = CliRunner()
    listed = runner.invoke(main, ["site", "releases", "--json"])
    assert listed.exit_code == 0, listed.output
    assert [e["release_id"] for e in json.loads(listed.output)] == ["2026.1", "2026.2"]
    text = runner.invoke(main, ["site", "releases"]).output
    assert text.index("2026.2") < text.index("2026.1") and "首次发布" in text
    before = _hashes(releases["settings"].site_public_dir)
    built = runner.invoke(main, ["site", "build"])
    assert built.exit_code == 0, built.output
    assert "无变化，未生成新版本" in built.output and "2026.2" in built.output
    assert _hashes(releases["settings"].site_public_dir) == before
    assert len(json.loads((releases["settings"].releases_dir / REGISTRY_FILE).read_text(encoding="utf-8"))["releases"]) == 2


def test_release_ids_count_per_year():
    entries = [{"published": "2025-12-30"}, {"published": "2026-01-05"}, {"published": "2026-02-01"}]
    assert next_release_id([], dt.date(2026, 3, 1)) == "2026.1"
    assert next_release_id(entries, dt.date(2026, 3, 1)) == "2026.3"
    assert next_release_id(entries, dt.date(2027, 1, 2)) == "2027.1"


def _luminance(hex_colour: str) -> float:
    channels = [int(hex_colour[i:i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def _contrast(a: str, b: str) -> float:
    hi, lo = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def test_footer_colours_meet_wcag_aa():
    css = (REPO_ROOT / "site" / "overrides" / "assets" / "stylesheets" / "gp-provenance.css").read_text(encoding="utf-8")
    screen = css.split("@media print", 1)[0]
    background = re.search(r"\.gp-provenance \{[^}]*background: (#[0-9a-f]{6})", screen).group(1)
    colours = re.findall(r"(?<![-\w])color: (#[0-9a-f]{6})", screen)
    assert len(colours) >= 3  # text, link, link on hover
    for colour in colours:
        assert _contrast(colour, background) >= 4.5, colour



def test_footer_passes_axe_fits_a_phone_and_prints(releases):
    """Debian chromium (no browser download): axe on the footer at 1366 and 390 px, the footer's
    boxes inside a 390 px viewport, and the footer kept (in black) when printed."""
    from axe_playwright_python.sync_playwright import Axe
    from playwright.sync_api import sync_playwright

    page_url = (releases["settings"].site_public_dir / "parks" / REVISED_PARK / f"{REVISED_YEAR}.html").as_uri()
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=[
            "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
            "--disable-sync", "--no-first-run"])
        try:
            for width in (1366, 390):
                page = browser.new_page(viewport={"width": width, "height": 800})
                page.goto(page_url)
                violations = Axe().run(page, context=".gp-provenance").response["violations"]
                assert [v["id"] for v in violations] == [], (width, violations)
                boxes = page.eval_on_selector_all(
                    ".gp-provenance dt, .gp-provenance dd",
                    "els => els.map(e => { const r = e.getBoundingClientRect(); return [r.left, r.right, r.width]; })")
                assert len(boxes) == 10 and all(0 <= left and right <= width and w > 0 for left, right, w in boxes), boxes
                page.emulate_media(media="print")
                shown = page.eval_on_selector(".gp-provenance", "e => [getComputedStyle(e).display, getComputedStyle(e).color]")
                assert shown == ["block", "rgb(0, 0, 0)"], shown
                page.close()
        finally:
            browser.close()
