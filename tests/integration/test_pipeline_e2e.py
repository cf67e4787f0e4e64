"""End to end: demo workbooks in city drop folders → one Dagster run → feedback, marts, public site.

One small demo province (four cities, one year, with the generator's injected errors, late file,
peer outlier and 示例 decisions) is built once for the module; every test reads what that real run
produced, the province console included.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

import duckdb
import pytest
from fixtures.workdirs import isolate_workdir

from greenpark.dagster_home import ensure_dagster_home, open_instance
from greenpark.definitions import build_definitions
from greenpark.demo.decisions import record_demo_decisions
from greenpark.demo.generator import generate
from greenpark.runner import run_pipeline
from greenpark.settings import get_settings

pytestmark = pytest.mark.e2e
YEAR = 2025
QUIET = {"loggers": {"console": {"config": {"log_level": "CRITICAL"}}}}


def _site_digest(root: Path) -> dict[str, str]:
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


@pytest.fixture(scope="module")
def province(tmp_path_factory: pytest.TempPathFactory):
    workdir = tmp_path_factory.mktemp("province")
    with pytest.MonkeyPatch.context() as mp:
        isolate_workdir(mp, workdir)
        settings = get_settings()
        manifest = generate(settings.inbox_dir, size="demo", years=(YEAR,), settings=settings)
        injected = [e for e in manifest["injected_errors"] if f"_{YEAR}Q" in e["file"]]
        keep = {e["file"].split("/")[0] for e in injected} | {"330900"}  # + 舟山市, a clean small city
        for city_dir in settings.inbox_dir.iterdir():
            if city_dir.name not in keep:
                for f in city_dir.iterdir():
                    f.unlink()
                city_dir.rmdir()
        record_demo_decisions(settings)  # as `greenpark demo` does
        ensure_dagster_home(settings)
        defs = build_definitions(settings)
        with open_instance(settings) as instance:
            first = run_pipeline(defs, settings, instance, run_config=QUIET)
            site_first = _site_digest(settings.site_public_dir)
            # Nothing new: no slice to process; the forced republish must give the same bytes.
            second = run_pipeline(defs, settings, instance, run_config=QUIET)
        yield {
            "settings": settings,
            "manifest": manifest,
            "injected": injected,
            "cities": sorted(keep),
            "first": first,
            "second": second,
            "site_first": site_first,
        }


def _warehouse(settings):
    return duckdb.connect(str(settings.warehouse_path), read_only=True)


def test_dbt_writes_its_log_beside_its_run_artifacts_and_nowhere_else(province):
    """dagster-dbt points dbt's log at the target path of the invocation (data/dbt_target/dbt.log);
    nothing in greenpark may claim another place (the README once said data/dbt_logs)."""
    settings = province["settings"]
    # dbt rotates its log at 10 MB (dbt.log.1, ...): two province builds pass that.
    logs = sorted(settings.dbt_run_target_dir.glob("dbt.log*"))
    assert logs[0].name == "dbt.log"
    assert any("fct_park_evaluation" in log.read_text(encoding="utf-8", errors="replace") for log in logs)
    assert os.environ.get("DBT_LOG_PATH") in (None, str(settings.dbt_run_target_dir))
    assert not (settings.workdir / "data" / "dbt_logs").exists()


def test_the_dagster_runs_succeed_and_a_rerun_is_idempotent(province):
    assert province["first"].success and province["second"].success, province["first"].failures
    assert [r["job"] for r in province["second"].runs] == ["pull", "publish"]
    with _warehouse(province["settings"]) as con:
        n_files = sum(1 for _ in province["settings"].inbox_dir.rglob("*.*"))
        # The second run found the same bytes: no new versions.
        assert con.execute("SELECT count(*) FROM submission_versions").fetchall()[0][0] == n_files


def test_feedback_names_the_exact_cell_of_every_injected_error(province):
    settings = province["settings"]
    assert province["injected"], "the demo must inject errors into the year under test"
    for err in province["injected"]:
        city = err["file"].split("/")[0]
        filename = err["file"].split("/")[-1]
        packages = [json.loads(p.read_text(encoding="utf-8")) for p in (settings.outbox_dir / city).glob("*.json")]
        (package,) = [p for p in packages if p["version"]["filename"] == filename]
        cells = {(f["sheet"], f["excel_row"], f["column_header"]) for f in package["findings"]}
        assert (err["sheet"], err["excel_row"], err["column_header"]) in cells, err
        html = (settings.outbox_dir / city / f"{package['version']['version_id']}.html").read_text(encoding="utf-8")
        assert err["sheet"] in html and str(err["excel_row"]) in html


def test_rejected_versions_load_nothing_and_accepted_ones_are_in_force(province):
    with _warehouse(province["settings"]) as con:
        rejected = con.execute("SELECT version_id FROM submission_versions WHERE n_error > 0 OR n_fatal > 0").fetchall()
        expected_rejections = {e["file"] for e in province["injected"] if e["severity"] == "error"}
        assert len(rejected) == len(expected_rejections) > 0
        leaked = con.execute(
            "SELECT count(*) FROM raw_park_quarter JOIN submission_versions USING (version_id) "
            "WHERE submission_versions.n_error > 0 OR submission_versions.n_fatal > 0"
        ).fetchall()[0][0]
        assert leaked == 0
        not_in_force = con.execute(
            "SELECT count(*) FROM submission_versions WHERE status IN ('已接收', '已接收但有警告') AND NOT in_force"
        ).fetchall()[0][0]
        assert not_in_force == 0
    # Each rejected file's slice was stopped by its blocking rules check, and only those.
    expected_slices = {
        f"{e['city_code']}|{e['year']}Q{e['quarter']}" for e in province["injected"] if e["severity"] == "error"
    }
    assert set(province["first"].rejected_slices) == expected_slices


def test_marts_cover_every_park_of_the_cities(province):
    settings = province["settings"]
    with _warehouse(settings) as con:
        parks = con.execute(
            "SELECT count(*) FROM dim_park WHERE city_code IN (SELECT unnest(?))", [province["cities"]]
        ).fetchall()[0][0]
        evaluated = con.execute("SELECT count(*) FROM fct_park_evaluation WHERE year = ?", [YEAR]).fetchall()[0][0]
        indicators = con.execute("SELECT count(DISTINCT indicator_id) FROM fct_park_indicators").fetchall()[0][0]
    assert evaluated == parks > 0
    assert indicators == 35


def test_site_has_a_report_per_park_year_says_demo_and_rebuilds_byte_identical(province):
    settings = province["settings"]
    with _warehouse(settings) as con:
        codes = [r[0] for r in con.execute("SELECT park_code FROM fct_park_evaluation WHERE year = ?", [YEAR]).fetchall()]
    html = {p: p.read_text(encoding="utf-8") for p in settings.site_public_dir.rglob("*.html")}
    for code in codes:
        reports = [t for p, t in html.items() if code in str(p) and str(YEAR) in str(p)]
        assert reports, f"no report page for {code} {YEAR}"
        assert "示例数据" in reports[0]
    assert province["site_first"] == _site_digest(settings.site_public_dir)


def test_no_withheld_enterprise_count_can_be_derived_from_the_site(province):
    """The outsider's attack (pages + open data) on the site the real pipeline built."""
    from fixtures.disclosure_attack import attack

    result = attack(province["settings"].site_public_dir)
    with _warehouse(province["settings"]) as con:
        small = con.execute("SELECT count(*) FROM fct_park_mujun_public WHERE is_suppressed").fetchone()[0]
    assert small > 0 and result["hidden_cells"] >= small
    assert result["unhandled_tables"] == []
    assert result["recoverable"] == [] and result["narrowed"] == [], (result["recoverable"] + result["narrowed"])[:5]


@pytest.fixture(scope="module")
def console(province):
    """The portal on the demo run's work dir, logged in as a province user."""
    import re

    from fastapi.testclient import TestClient
    from greenpark.portal import accounts
    from greenpark.portal.app import create_app

    with pytest.MonkeyPatch.context() as mp:
        isolate_workdir(mp, province["settings"].workdir)
        app = create_app(get_settings(), warm=False)
        accounts.add_user(app.state.portal.store, "prov", "e2e-password-1", city_code=None, province=True)
        with TestClient(app, base_url="http://testserver") as client:
            token = re.search(r'name="csrf" value="([^"]+)"', client.get("/login").text).group(1)
            client.post("/login", data={"username": "prov", "password": "e2e-password-1", "csrf": token})
            yield client


def test_the_console_grid_of_the_demo_run_shows_every_kind_of_cell(console, province):
    """Demo calibration: accepted, accepted with warnings, late, rejected and missing quarters."""
    import re

    page = console.get(f"/console?year={YEAR}")
    assert page.status_code == 200
    kinds = set(re.findall(r'data-kind="(\w+)"', page.text))
    assert {"accepted", "warnings", "late", "rejected", "missing"} <= kinds, kinds
    late = [f for f in province["manifest"]["files"] if f["late_days"]]
    assert len(late) == 1 and f"已接收但有警告(逾期 {late[0]['late_days']} 天)" in page.text


def test_the_peer_outlier_warning_reaches_the_feedback_and_the_console(console, province):
    """Demo calibration: one enterprise an order of magnitude off its industry peers."""
    settings = province["settings"]
    (planted,) = [e for e in province["manifest"]["injected_errors"] if e["rule"] == "intensity_outlier"]
    city, filename = planted["file"].split("/")
    packages = [json.loads(p.read_text(encoding="utf-8")) for p in (settings.outbox_dir / city).glob("*.json")]
    (package,) = [p for p in packages if p.get("version", {}).get("filename") == filename]
    assert package["version"]["status"] == "已接收但有警告"
    (finding,) = [f for f in package["findings"] if f["rule_id"] == "peer.intensity_outlier"]
    assert (finding["sheet"], finding["excel_row"]) == (planted["sheet"], planted["excel_row"])
    assert "peer.intensity_outlier" in console.get("/console/trends").text
    cell = console.get(f"/console/cells/{city}/{planted['year']}/{planted['quarter']}").text
    assert "同行业" in cell


def test_every_decision_type_is_in_the_bulletin_and_the_console(console, province):
    """Demo calibration: 认定, 复查, 现场核查, 撤销认定 (with its reason) and 恢复认定."""
    bulletin = (province["settings"].site_public_dir / "bulletin" / f"{YEAR}.html").read_text(encoding="utf-8")
    decisions = bulletin.split('id="decisions"', 1)[1].split('id="registry"', 1)[0]
    for text in ("认定为 2025 年批次", "复查,结论", "现场核查,结论", "撤销认定(原因类别", "环境污染", "恢复认定。依据"):
        assert text in decisions, text
    page = console.get("/console/decisions").text
    for kind in ("认定", "复查", "现场核查", "撤销认定", "恢复认定"):
        assert f'<td data-label="类型">{kind}' in page, kind
