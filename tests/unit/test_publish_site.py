"""The public site built for real (generate pages + mkdocs build + swap) from the fixture warehouse."""

from __future__ import annotations

import hashlib
import html
import io
import json
import re
import shutil
import zipfile
from pathlib import Path
from types import SimpleNamespace

import duckdb
import jieba
import openpyxl
import pandas as pd
import pyarrow.parquet as pq
import pytest
import yaml
from greenpark import uscc
from greenpark.publish import site as site_module
from greenpark.publish.markup import num
from greenpark.publish.marts import load_marts
from greenpark.publish.open_data import file_name
from greenpark.publish.pages import generate_pages
from greenpark.publish.site import PublishError, publish_site
from greenpark.settings import REPO_ROOT, Settings
from publish_fixtures import (
    HOSTILE_PARK_CODE,
    HOSTILE_PARK_NAME,
    SCHEMA,
    build_fixture_warehouse,
    confidential_strings,
)


def _settings(workdir: Path, repo_root: Path = REPO_ROOT) -> Settings:
    return Settings(repo_root=repo_root, workdir=workdir)


def _hashes(root: Path) -> dict[str, str]:
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file()}


RELEASE = SimpleNamespace(release_id="2026.1")  # GREENPARK_TODAY=2026-03-01: the first release of 2026


def _od(file: str) -> str:
    """'park_scores.csv' -> its name in the fixture sites' release, greenpark_park_scores_2026.1.csv."""
    name, fmt = file.rsplit(".", 1)
    return file_name(name, fmt, RELEASE)

@pytest.fixture(scope="module")
def builds(tmp_path_factory):
    """Two independent publishes (work dirs A and B) from identical fixture warehouses."""
    out = {}
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("GREENPARK_DEMO_DATA", "1")
        mp.setenv("GREENPARK_TODAY", "2026-03-01")  # the release date on every page
        mp.delenv("GREENPARK_WAREHOUSE", raising=False)
        mp.delenv("GREENPARK_SITE_DIR", raising=False)
        for key in ("a", "b"):
            workdir = tmp_path_factory.mktemp(f"publish_{key}")
            mp.setenv("GREENPARK_WORKDIR", str(workdir))
            settings = _settings(workdir)
            build_fixture_warehouse(settings.warehouse_path)
            out[key] = (settings, publish_site(settings))
    return out


@pytest.fixture(scope="module")
def built(builds):
    settings, stats = builds["a"]
    return settings, stats, settings.site_public_dir


@pytest.fixture(scope="module")
def warehouse(built):
    con = duckdb.connect(str(built[0].warehouse_path), read_only=True)
    yield con
    con.close()


def _html_pages(public: Path) -> list[Path]:
    return sorted(public.rglob("*.html"))


def test_one_report_per_park_year_with_every_indicator_and_unit(built, warehouse):
    _, stats, public = built
    park_years = warehouse.execute("SELECT park_code, year FROM fct_park_evaluation ORDER BY 1, 2").fetchall()
    indicators = warehouse.execute("SELECT indicator_name, unit FROM dim_indicator").fetchall()
    assert stats["park_reports"] == len(park_years) > 0
    assert sorted(public.glob("parks/*/*.html")) == sorted(public / "parks" / c / f"{y}.html" for c, y in park_years)
    for code, year in park_years:
        page = (public / "parks" / code / f"{year}.html").read_text(encoding="utf-8")
        assert f"{year} 年度绿色低碳发展报告" in page
        for name, unit in indicators:
            assert name in page, (code, year, name)
            if unit != "是/否":  # every measured value is printed with its unit
                assert re.search(r"\d " + re.escape(unit), page), (code, year, unit)
        assert "<svg" in page and "六个维度得分" in page
        assert "综合评价得分" in page and "全省排名" in page


def test_missing_indicators_are_marked(built, warehouse):
    public = built[2]
    missing = warehouse.execute(
        "SELECT park_code, year FROM fct_park_indicators WHERE is_missing ORDER BY 1, 2 LIMIT 1").fetchone()
    assert missing, "fixture should hold a 缺报 indicator"
    page = (public / "parks" / missing[0] / f"{missing[1]}.html").read_text(encoding="utf-8")
    assert '<span class="gp-missing">缺报</span>' in page


def test_every_page_says_demo_data(built):
    public = built[2]
    pages = _html_pages(public)
    assert len(pages) > 20
    for page in pages:
        assert "示例数据" in page.read_text(encoding="utf-8"), page


def test_suppressed_mujun_cells_are_not_published(built, warehouse):
    public = built[2]
    code, year = warehouse.execute("SELECT park_code, year FROM fct_park_mujun_public WHERE is_suppressed "
                                   "ORDER BY 1, 2 LIMIT 1").fetchone()
    page = (public / "parks" / code / f"{year}.html").read_text(encoding="utf-8")
    assert "&lt;3 家" in page


def test_names_from_data_are_html_escaped(built):
    public = built[2]
    for page in _html_pages(public):
        assert "<script>alert" not in page.read_text(encoding="utf-8"), page
    report = (public / "parks" / HOSTILE_PARK_CODE / "2024.html").read_text(encoding="utf-8")
    assert "&lt;script&gt;alert(" in report


def test_builds_are_byte_identical(builds):
    a, b = (builds[k][0].site_public_dir for k in ("a", "b"))
    ha, hb = _hashes(a), _hashes(b)
    assert ha.keys() == hb.keys()
    assert [k for k in ha if ha[k] != hb[k]] == []
    for name in ("sitemap.xml", "sitemap.xml.gz", "search/search_index.json", "search/search_index.js",
                 f"open-data/{_od('park_scores.xlsx')}", f"open-data/{_od('park_indicators.parquet')}"):
        assert name in ha


# URLs in the theme's JavaScript code (comments stripped) that this site never fetches, and why.
THEME_JS_URLS = {
    "https://api.github.com/": "repository widget, off: no repo_url",
    "https://${": "GitLab repository widget, off: no repo_url",
    "https://unpkg.com/mermaid": "loaded only for mermaid diagrams (none on this site)",
    "https://unpkg.com/resize-observer-polyfill": "loaded only by browsers without ResizeObserver",
    "https://bit.ly/": "text of a console warning",
}
# Theme files that are copied but never loaded with search language zh.
UNUSED_JS = {"tinyseg.js": "Japanese segmenter (lang ja)", "wordcut.js": "Thai/Hindi segmenter (lang th/hi)"}


def test_site_loads_nothing_from_the_network(built):
    public = built[2]
    loaded = re.compile(r"""(?:src|href|srcset|action|poster|data)\s*=\s*["']?\s*(?:https?:)?//|url\(\s*["']?\s*(?:https?:)?//""",
                        re.IGNORECASE)
    for path in sorted(public.rglob("*")):
        if path.suffix in (".html", ".css"):
            content = path.read_text(encoding="utf-8")
            assert not loaded.search(content), (path, loaded.search(content).group(0))
        if path.suffix == ".js" and path.name not in UNUSED_JS:
            code = re.sub(r"/\*.*?\*/", "", path.read_text(encoding="utf-8"), flags=re.DOTALL)
            for url in re.findall(r"https?://[^\s\"'`)<>]*", code):
                assert any(url.startswith(p) for p in THEME_JS_URLS), (path, url)
    pages = "".join(p.read_text(encoding="utf-8") for p in _html_pages(public))
    assert 'class="mermaid"' not in pages and "md-source" not in pages  # conditions of the allow-list
    assert "fonts.googleapis" not in pages and "unpkg.com" not in pages


def test_search_index_holds_segmented_chinese_park_names(built, warehouse):
    public = built[2]
    index = json.loads((public / "search" / "search_index.json").read_text(encoding="utf-8"))
    assert index["config"]["lang"] == ["zh"]
    docs = "\n".join(d["title"] + "\n" + d["text"] for d in index["docs"])
    name = warehouse.execute("SELECT p.park_name FROM dim_park p JOIN fct_park_evaluation e USING (park_code) "
                             "WHERE p.park_code = '3301-02' LIMIT 1").fetchone()[0]
    segments = [s for s in jieba.cut(name) if s.strip()]
    assert len(segments) > 1
    assert "\u200b".join(segments) in docs  # words separated by zero-width spaces, as lunr splits them
    assert (public / "search" / "search_index.js").read_text(encoding="utf-8").startswith("var __index = ")


def test_no_confidential_enterprise_data_anywhere(built):
    settings, _, public = built
    secrets = confidential_strings(settings.warehouse_path)
    assert secrets
    uscc_like = re.compile(r"(?<![0-9A-Z])[0-9A-HJ-NP-RTUWXY]{2}\d{6}[0-9A-HJ-NP-RTUWXY]{10}(?![0-9A-Z])")
    texts = []
    for path in sorted(public.rglob("*")):
        if path.suffix in (".html", ".js", ".json", ".csv", ".xml", ".css", ".md"):
            texts.append(path.read_text(encoding="utf-8-sig"))
        elif path.suffix == ".xlsx":
            with zipfile.ZipFile(path) as z:
                texts += [z.read(n).decode("utf-8") for n in z.namelist() if n.endswith(".xml")]
        elif path.suffix == ".parquet":
            texts.append(pq.read_table(path).to_pandas().to_csv())
    blob = "\n".join(texts)
    for secret in secrets:
        assert secret not in blob
    assert [m for m in uscc_like.findall(blob) if uscc.is_valid(m)] == []


def test_open_data_files(built, warehouse):
    public = built[2]
    n_park_years = warehouse.execute("SELECT count(*) FROM fct_park_evaluation").fetchone()[0]
    n_indicators = warehouse.execute("SELECT count(*) FROM fct_park_indicators").fetchone()[0]
    csv_bytes = (public / "open-data" / _od("park_scores.csv")).read_bytes()
    assert csv_bytes.startswith(b"\xef\xbb\xbf")
    lines = csv_bytes.decode("utf-8-sig").splitlines()
    assert len(lines) == n_park_years + 1
    hostile = [line for line in lines if line.startswith(HOSTILE_PARK_CODE)]
    assert hostile and all(f",'{HOSTILE_PARK_NAME}," in line for line in hostile)  # formula neutralised
    wb = openpyxl.load_workbook(io.BytesIO((public / "open-data" / _od("park_scores.xlsx")).read_bytes()))
    names = [row[1] for row in wb.worksheets[0].iter_rows(min_row=2, values_only=True)]
    assert f"'{HOSTILE_PARK_NAME}" in names and HOSTILE_PARK_NAME not in names
    table = pq.read_table(public / "open-data" / _od("park_indicators.parquet"))
    assert table.num_rows == n_indicators
    package = json.loads((public / "open-data" / "datapackage.json").read_text(encoding="utf-8"))
    paths = {r["path"] for r in package["resources"]}
    assert {_od(n) for n in ("park_scores.csv", "park_scores.xlsx", "park_scores.parquet",
                                   "park_indicators.csv")} <= paths
    for resource in (r for r in package["resources"] if "schema" in r):
        fields = {f["machineName"]: f for f in resource["schema"]["fields"]}
        assert not {"uscc", "enterprise_name"} & fields.keys()
        numeric = [f for k, f in fields.items() if f["type"] in ("number", "integer") and k not in ("year", "quarter")
                   and not k.endswith("_year")]
        # every number has a unit, either its own or the row's `unit` column (or the factor's in its title)
        assert all("unit" in f or "unit" in fields or "/" in f["title"] for f in numeric), resource["name"]


def test_methodology_is_generated_from_the_tables(built, warehouse):
    page = html.unescape((built[2] / "methodology.html").read_text(encoding="utf-8"))
    for indicator_id, formula in warehouse.execute("SELECT indicator_id, formula_text FROM dim_indicator").fetchall():
        row = _row(page, indicator_id)
        assert formula is None or f">{formula}</td>" in row, (indicator_id, formula)
    for carrier_zh, source in warehouse.execute("SELECT carrier_zh, source FROM energy_factors").fetchall():
        assert re.search(rf">{re.escape(carrier_zh)}</td>.*?>{re.escape(source)}</td>", page), carrier_zh
    years = [r[0] for r in warehouse.execute("SELECT DISTINCT year FROM fct_park_evaluation").fetchall()]
    grid_years = {r[0] for r in warehouse.execute("SELECT year FROM grid_emission_factors").fetchall()}
    for year in set(years) - grid_years:  # a year without its own grid factor says which one it used
        assert f"{year} 年尚无公布的电网排放因子" in page


def test_failed_build_leaves_the_published_site_intact(builds, tmp_path, monkeypatch):
    reference = _hashes(builds["a"][0].site_public_dir)
    settings = builds["b"][0]
    monkeypatch.setenv("GREENPARK_WORKDIR", str(settings.workdir))
    assert _hashes(settings.site_public_dir) == reference

    # 1. A broken page (a link to a page that does not exist) fails the strict mkdocs build.
    project = tmp_path / "repo"
    shutil.copytree(REPO_ROOT / "site", project / "site", ignore=shutil.ignore_patterns("generated", "public", "releases", "build-cache", ".build*"))
    (project / "dbt_project" / "seeds").mkdir(parents=True)
    (project / "site" / "docs" / "broken.md").write_text("# 坏页面\n\n[不存在](does-not-exist.md)\n", encoding="utf-8")
    broken = Settings(repo_root=project, workdir=settings.workdir)
    with pytest.raises(PublishError):
        publish_site(broken)
    assert _hashes(settings.site_public_dir) == reference

    # 2. A crash half-way through writing the new site.
    def crash(cfg):
        Path(cfg.site_dir, "index.html").write_text("half-written", encoding="utf-8")
        raise OSError("disk full")

    monkeypatch.setattr(site_module, "build", crash)
    with pytest.raises(OSError):
        publish_site(settings)
    assert _hashes(settings.site_public_dir) == reference
    leftovers = [p.name for p in settings.site_public_dir.parent.iterdir() if p.name.startswith(".build")]
    assert leftovers == []


def test_incremental_build_is_byte_identical_to_a_full_build(builds, tmp_path, monkeypatch):
    """A publish after a change reuses the earlier build's per-page work (publish.build_cache), and
    gives exactly the bytes of a build from scratch: site, search index, sitemap and release zip."""
    inc = tmp_path / "incremental"
    shutil.copytree(builds["a"][0].workdir, inc, symlinks=True)
    assert (inc / "site" / site_module.BUILD_CACHE_DIR).is_dir()
    with duckdb.connect(str(inc / "data" / "warehouse.duckdb")) as con:  # one park's figures change
        code = con.execute("select min(park_code) from fct_park_evaluation").fetchone()[0]
        con.execute("update fct_park_evaluation set total_score = total_score + 1.5 where park_code = ?", [code])
    full = tmp_path / "full"
    shutil.copytree(inc, full, symlinks=True)
    shutil.rmtree(full / "site" / site_module.BUILD_CACHE_DIR)
    stats = {}
    for key, workdir in (("inc", inc), ("full", full)):
        monkeypatch.setenv("GREENPARK_WORKDIR", str(workdir))
        stats[key] = publish_site(_settings(workdir))
    assert stats["inc"]["new_release"] and stats["inc"]["release_id"] == stats["full"]["release_id"] == "2026.2"
    assert stats["full"]["render_hits"] == stats["full"]["search_hits"] == 0
    assert 0 < stats["inc"]["render_misses"] < stats["inc"]["render_hits"]  # the changed pages, rendered again
    assert 0 < stats["inc"]["search_misses"] < stats["inc"]["search_hits"]
    for part in ("public", "releases"):
        a, b = _hashes(inc / "site" / part), _hashes(full / "site" / part)
        assert a.keys() == b.keys()
        assert [k for k in a if a[k] != b[k]] == []
    # the cache holds this build's entries only, and the next identical build uses every one
    entries = sorted(p.name for p in (inc / "site" / site_module.BUILD_CACHE_DIR).iterdir())
    assert entries == sorted(p.name for p in (full / "site" / site_module.BUILD_CACHE_DIR).iterdir())
    monkeypatch.setenv("GREENPARK_WORKDIR", str(full))
    again = publish_site(_settings(full))
    assert again["render_misses"] == again["search_misses"] == 0
    assert _hashes(full / "site" / "public") == _hashes(inc / "site" / "public")


def test_cached_page_whose_link_target_is_gone_still_fails_the_build(tmp_path, caplog):
    """A page whose Markdown did not change is taken from the cache only while its links resolve as
    before: a removed target fails the strict build as it would from scratch."""
    docs = tmp_path / "docs"
    for rel, text in {"index.md": "# 首页\n\n[目标页](target.md)\n", "target.md": "# 目标\n",
                      "help.md": "# 说明\n", "releases/index.md": "# 历史版本\n",
                      ".nav.yml": "- 首页: index.md\n"}.items():
        (docs / rel).parent.mkdir(parents=True, exist_ok=True)
        (docs / rel).write_text(text, encoding="utf-8")
    build = dict(mkdocs_yml=REPO_ROOT / "site" / "mkdocs.yml", docs_dir=docs, demo_data=True,
                 source_date_epoch=0, cache_dir=tmp_path / "cache")
    assert site_module.build_site(site_dir=tmp_path / "one", **build)["render_misses"] == 4
    assert site_module.build_site(site_dir=tmp_path / "two", **build)["render_hits"] == 4
    (docs / "target.md").unlink()
    with pytest.raises(PublishError):
        site_module.build_site(site_dir=tmp_path / "three", **build)
    assert "Doc file 'index.md' contains a link 'target.md', but the target is not found" in caplog.text


def test_a_cache_that_cannot_be_written_never_fails_the_publish(tmp_path, caplog):
    from greenpark.publish.build_cache import BuildCache

    blocked = tmp_path / "build-cache"
    blocked.write_text("a file where the cache folder should be", encoding="utf-8")
    cache = BuildCache(blocked)
    cache._stash("render", "0" * 64, {"content": "<p>页</p>"})
    cache.save()
    assert "网站构建缓存未能写入" in caplog.text


def _documented_columns() -> dict[str, list[str]]:
    """Column names of every mart and seed as the dbt project documents them."""
    dbt = REPO_ROOT / "dbt_project"
    models = yaml.safe_load((dbt / "models" / "marts" / "_marts__models.yml").read_text(encoding="utf-8"))["models"]
    seeds = yaml.safe_load((dbt / "seeds" / "_seeds.yml").read_text(encoding="utf-8"))["seeds"]
    out = {m["name"]: [c["name"] for c in m.get("columns", [])] for m in models}
    for seed in seeds:
        types = (seed.get("config") or {}).get("column_types") or {}
        out[seed["name"]] = list(types) or [c["name"] for c in seed.get("columns", [])]
    return out


def test_fixture_has_the_documented_columns_of_the_real_marts(warehouse):
    documented = _documented_columns()
    for table, columns in SCHEMA.items():
        assert [c for c, _ in columns] == documented[table], table
        built = [(r[0], r[1]) for r in warehouse.execute(f'DESCRIBE "{table}"').fetchall()]
        assert built == list(columns), table


def _row(page: str, indicator_id: str) -> str:
    match = re.search(rf"<tr>\s*<td[^>]*>{indicator_id}</td>(.*?)</tr>", page, re.DOTALL)
    assert match, indicator_id
    return match.group(1)


def test_report_shows_baselines_and_the_city_ranking(built, warehouse):
    public = built[2]
    code, year, city = warehouse.execute("SELECT park_code, year, city_code FROM fct_park_evaluation "
                                         "ORDER BY year DESC, park_code LIMIT 1").fetchone()
    page = (public / "parks" / code / f"{year}.html").read_text(encoding="utf-8")
    rows = warehouse.execute('SELECT indicator_id, unit, baseline, "leading" FROM fct_park_indicators '
                             "WHERE park_code = ? AND year = ? AND NOT is_missing AND unit <> '是/否'",
                             [code, year]).fetchall()
    assert rows
    for indicator_id, unit, baseline, leading in rows:
        row = _row(page, indicator_id)
        assert num(baseline, unit) in row and num(leading, unit) in row, (indicator_id, row)
    n_city = warehouse.execute("SELECT count(*) FROM fct_park_evaluation WHERE year = ? AND city_code = ?",
                               [year, city]).fetchone()[0]
    assert f"共 {n_city} 个园区" in page


def test_designation_in_a_past_year_follows_the_decisions_of_a_revoked_then_restored_park(built):
    """3301-02 (fixture): designated 2023, revoked 2024, restored 2025. dim_park says only where it
    stands today; the 2024 report and bulletin must read 已撤销 (revoked in 2024, listed under
    已撤销认定), the 2025 ones 已认定 with no revocation year."""
    public = built[2]

    def bulletin(year: int) -> str:
        return (public / "bulletin" / f"{year}.html").read_text(encoding="utf-8")

    def registry_status(year: int) -> tuple[str, str]:
        registry = bulletin(year).split('id="registry"', 1)[1]
        row = re.search(r"<tr>(?:(?!</tr>).)*?<td[^>]*>3301-02</td>(.*?)</tr>", registry, re.DOTALL)
        cells = re.findall(r"<td[^>]*>(.*?)</td>", row.group(1))
        return cells[2], cells[4]

    def revoked_section(year: int) -> str:
        return bulletin(year).split('<h2 id="revoked"', 1)[1].split("<h2", 1)[0]

    def report_status(year: int) -> str:
        page = (public / "parks" / "3301-02" / f"{year}.html").read_text(encoding="utf-8")
        return re.search(r'<span class="gp-k">认定状态</span><span class="gp-v">(.*?)</span>', page).group(1)

    assert (registry_status(2024), report_status(2024)) == (("已撤销", "2024 年"), "已撤销")
    assert (registry_status(2025), report_status(2025)) == (("已认定", "—"), "已认定")
    assert "3301-02" in revoked_section(2024) and "3301-02" not in revoked_section(2025)


def test_quarter_without_accepted_data_is_shown_not_dropped(built, warehouse):
    public = built[2]
    code, year, n = warehouse.execute("SELECT park_code, year, quarters_accepted FROM fct_park_evaluation "
                                      "WHERE quarters_accepted < 4 ORDER BY 1, 2 LIMIT 1").fetchone()
    page = (public / "parks" / code / f"{year}.html").read_text(encoding="utf-8")
    assert ">未接收</text>" in page
    assert f"{year} 年（{n} 季度）" in page and "不宜与其他年度直接比较" in page


def test_targets_province_on_home_and_city_on_city_pages(built, warehouse):
    public = built[2]
    year = warehouse.execute("SELECT max(year) FROM fct_park_evaluation").fetchone()[0]
    home = (public / "index.html").read_text(encoding="utf-8")
    targets = home.split('id="targets"', 1)[1].split("</table>", 1)[0]
    province = warehouse.execute("SELECT target_name, target_value FROM fct_targets WHERE year = ? AND city_code IS NULL",
                                 [year]).fetchall()
    assert targets.count("<tr>") == len(province) + 1  # header + one row per province target
    assert any(v is None for _, v in province) and "未设定量化目标" in targets
    city, name = warehouse.execute("SELECT city_code, target_name FROM fct_targets WHERE year = ? "
                                   "AND city_code IS NOT NULL ORDER BY 1, 2 LIMIT 1", [year]).fetchone()
    city_page = (public / "cities" / f"{city}.html").read_text(encoding="utf-8")
    assert name in city_page.split('id="targets"', 1)[1]


def test_open_data_carries_city_codes(built, warehouse):
    public = built[2]
    city_of = dict(warehouse.execute("SELECT park_code, city_code FROM dim_park").fetchall())
    for name in ("park_scores", "park_indicators"):
        frame = pq.read_table(public / "open-data" / _od(f"{name}.parquet")).to_pandas()
        assert frame.city_code.notna().all(), name
        assert (frame.city_code == frame.park_code.map(city_of)).all(), name


def test_methodology_states_the_thresholds_of_the_seed(built, tmp_path):
    warehouse_copy = tmp_path / "warehouse.duckdb"
    shutil.copy(built[0].warehouse_path, warehouse_copy)
    con = duckdb.connect(str(warehouse_copy))
    con.execute("UPDATE evaluation_thresholds SET value = 85 WHERE threshold_id = 'compliant_min_score'")
    con.execute("UPDATE evaluation_thresholds SET value = 72.5 WHERE threshold_id = 'warning_below_score'")
    con.close()
    generate_pages(load_marts(warehouse_copy), tmp_path / "docs", demo_data=True)
    page = (tmp_path / "docs" / "methodology.md").read_text(encoding="utf-8")
    assert "综合评价得分 ≥ 85 分" in page and "低于 72.50 分为预警" in page
    assert "综合评价得分 ≥ 80 分" not in page


def test_methodology_states_the_edition_of_each_year(built):
    """Each year is scored under its own 评价导则 edition: the page names the editions, their years,
    the published years scored under each, and what changed."""
    page = html.unescape((built[2] / "methodology.html").read_text(encoding="utf-8"))
    editions = pd.read_csv(REPO_ROOT / "dbt_project" / "seeds" / "evaluation_editions.csv", dtype={"edition_id": str})
    rows = {e.edition_id: _row(page, re.escape(e.edition_name)) for e in editions.itertuples()}
    assert "2022–2023 年" in rows["2022"] and "2024 年起" in rows["2024"]
    assert "2024、2025 年" in rows["2024"] and "2024、2025" not in rows["2022"]
    assert editions.set_index("edition_id").changes_zh["2024"] in rows["2024"]


def test_every_link_resolves(built):
    """Links inside HTML blocks are written to the built pages (MkDocs checks only Markdown links)."""
    public = built[2]
    broken = []
    for page in _html_pages(public):
        for href in re.findall(r'<a [^>]*href="([^"]+)"', page.read_text(encoding="utf-8")):
            if html.unescape(href).startswith(("http:", "https:", "mailto:", "#", "javascript:")):
                continue
            path = html.unescape(href).split("#")[0].split("?")[0]
            # 404.html links from the site root: a server serves it for any missing URL
            target = (public / path[1:] if path.startswith("/") else page.parent / path).resolve()
            if not target.exists():
                broken.append((str(page.relative_to(public)), href))
    assert broken == []


def test_every_page_says_it_is_chinese_as_used_in_china(built):
    for page in _html_pages(built[2]):
        assert '<html lang="zh-CN"' in page.read_text(encoding="utf-8"), page


def test_charts_keep_their_values_in_accessible_text(built):
    """Each chart is an image to assistive technology; its values are in visually hidden text."""
    report = (built[2] / "parks" / "3301-03" / "2025.html").read_text(encoding="utf-8")
    figures = re.findall(r'<figure class="gp-chart".*?</figure>', report, re.DOTALL)
    assert len(figures) == 9  # six dimensions, four quarterly and four yearly trends
    for figure in figures:
        svg, hidden = figure.split("</svg>", 1)
        values = re.findall(r'<text class="gp-(?:value|missing)"[^>]*>([^<]+)</text>', svg)
        text = hidden.split('<p class="gp-sr">', 1)[1].split("</p>", 1)[0]
        period = r'<text class="gp-(?:axis" [^>]*text-anchor="middle|label" [^>]*text-anchor="end)"[^>]*>([^<]+)</text>'
        labels = re.findall(period, svg)
        assert values and len(labels) == len(values), figure[:200]
        said = "；".join(f"{k} {v}" for k, v in zip(labels, values, strict=True)) + "。"
        assert text.split("数据：", 1)[1] == said, figure[:200]


def test_b2_names_the_case_from_the_data(built, warehouse):
    public = built[2]
    report = (public / "parks" / "3302-02" / "2025.html").read_text(encoding="utf-8")
    assert "2025 年突发环境污染事件 1 起" in report
    other = (public / "parks" / "3301-01" / "2025.html").read_text(encoding="utf-8")
    assert "2023–2025 年无" in other
    for page in _html_pages(public):
        assert "或未填报" not in page.read_text(encoding="utf-8"), page


def test_revisions_list_changed_values_largest_first_with_the_versions_once(built):
    report = html.unescape((built[2] / "parks" / "3301-03" / "2025.html").read_text(encoding="utf-8"))
    section = report.split('id="sources"', 1)[1]
    rows = re.findall(r"<tr><td[^>]*>([A-Z]{2}\d\d)</td>.*?</tr>", section)
    assert rows == ["EG01", "RG01"]  # CG01 changed by 0.025 %: shown as 0.0 %, so not listed
    assert not re.search(r"(?<![\d.])[+-]?0\.0 %", section) and "+25.8 %" in section and "-5.0 %" in section
    assert section.count("330100-2025Q2-v1") == 1 and section.count("330100-2025Q1-v1") == 1  # sources line only


def test_methodology_states_formulas_years_and_the_mujun_method(built, warehouse):
    page = html.unescape((built[2] / "methodology.html").read_text(encoding="utf-8"))
    assert not re.search(r"\d,\d{3} 年", page)  # years are never written 2,024
    first = warehouse.execute("SELECT min(valid_from_year) FROM energy_factors").fetchone()[0]
    assert f">{first} 年起" in page
    formulas = [f for (f,) in warehouse.execute(
        "SELECT formula_text FROM dim_indicator WHERE formula_text IS NOT NULL").fetchall()]
    assert formulas and all(f in page for f in formulas)
    assert not re.search(r"[a-z]+_[a-z]+", page.split('id="indicators"', 1)[1].split('id="factors"', 1)[0])
    assert "综合能耗(tce) ÷ 工业增加值(万元)" in page and "energy_tce" not in page
    for name, weight in warehouse.execute("SELECT mujun_indicator_name, weight FROM mujun_weights").fetchall():
        assert re.search(rf">{name}</td>.*?>{weight:g}</td>", page), name
    for name in ("A类(优先支持)", "第 80 百分位及以上", "低于第 5 百分位", "少于 10 家", "min(指标值 ÷ 基准值, 2)"):
        assert name in page, name


def test_all_parks_table_holds_every_park_with_its_scores(built, warehouse):
    public = built[2]
    for (year,) in warehouse.execute("SELECT DISTINCT year FROM fct_park_evaluation").fetchall():
        page = (public / "all-parks" / f"{year}.html").read_text(encoding="utf-8")
        rows = re.findall(r'<tr data-city="[^"]*" data-level="[^"]*" data-ok="[^"]*">(.*?)</tr>', page)
        expected = warehouse.execute("SELECT park_code, total_score, score_eg, is_compliant FROM fct_park_evaluation "
                                     "WHERE year = ? ORDER BY rank_in_province, park_code", [year]).fetchall()
        assert len(rows) == len(expected)
        for row, (code, total, eg, ok) in zip(rows, expected, strict=True):
            values = re.findall(r'data-v="([^"]*)"', row)
            assert values[1] == code and values[4] == f"{total:.1f}" and values[7] == f"{eg:.1f}"
            assert values[5] == ("达标" if ok else "未达标")
        assert '<script src="../assets/javascripts/gp-table.js"' in page


def test_warm_up_loads_the_dictionary_and_compiles_every_page_template():
    """`warm_up` (run in a thread while dbt builds the marts) leaves nothing for the build to load:
    in a fresh process, jieba's dictionary is not loaded before and is after, and every template
    is compiled and cached. A failure is logged, never raised."""
    import subprocess
    import sys

    code = (
        "import jieba\n"
        "from greenpark.publish import markup, site\n"
        "assert not jieba.dt.initialized and len(markup.environment().cache) == 0\n"
        "site.warm_up()\n"
        "env = markup.environment()\n"
        "assert jieba.dt.initialized and len(env.list_templates()) > 10\n"
        "assert all(env.get_template(n) is env.get_template(n) for n in env.list_templates())\n"
        "assert len(env.cache) >= len(env.list_templates())\n"
        "site.environment = lambda: 1 / 0\n"
        "site.warm_up()  # a failure: logged, not raised\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
