"""The province console on a warehouse with known versions and findings: the city × quarter grid
(every kind of cell, the version in force, the drill-down), quality trends, 催报 to the city's
inbox, outbox and mail, the XLSX export, 动态管理 decisions recorded through the forms, and a real
browser with axe on every console screen at 1366 and 390 px.

The warehouse rows are written with the warehouse's own schema (intake.warehouse.connect); the
pipeline that normally writes them is covered by the e2e tests, which also check the console on
a real demo run (tests/integration/test_pipeline_e2e.py)."""

from __future__ import annotations

import io
import json
import re
import socket
import threading
from pathlib import Path

import pytest
from fixtures.workdirs import isolate_workdir
from portal_fixtures import CHROMIUM, CHROMIUM_ARGS, CITY_A, CITY_B, PortalProcess, log_in, make_accounts
from test_portal_security import session

TODAY = "2025-08-10"
VERSIONS = [  # version_id, year, quarter, no, received (China time), status, in force, fatal/error/warning
    (f"{CITY_A}-2025Q1-v1", 2025, 1, 1, "2025-04-15 10:00", "已接收", True, 0, 0, 0),
    (f"{CITY_A}-2025Q2-v1", 2025, 2, 1, "2025-07-10 10:00", "退回", False, 0, 2, 0),
    (f"{CITY_A}-2025Q2-v2", 2025, 2, 2, "2025-07-25 09:00", "已接收但有警告", True, 0, 0, 1),
    (f"{CITY_B}-2025Q1-v1", 2025, 1, 1, "2025-04-18 10:00", "已接收但有警告", True, 0, 0, 1),
    (f"{CITY_B}-2025Q2-v1", 2025, 2, 1, "2025-07-15 10:00", "退回", False, 1, 0, 0),
]
FINDINGS = [  # version_id, rule, severity, sheet, row, header, value, message
    (f"{CITY_A}-2025Q2-v1", "value.nonnegative", "error", "园区季度指标", 4, "天然气(万立方米)", "-3", "天然气不能为负数"),
    (f"{CITY_A}-2025Q2-v1", "value.nonnegative", "error", "园区季度指标", 5, "天然气(万立方米)", "-8", "天然气不能为负数"),
    (f"{CITY_A}-2025Q2-v2", "period.late", "warning", None, None, None, "2025Q2", "报送期 2025Q2 已逾期"),
    (f"{CITY_B}-2025Q1-v1", "peer.intensity_outlier", "warning", "企业季度数据", 9, "综合能耗(吨标准煤)", "9000",
     "企业单位增加值能耗是同行业中位数的 20 倍"),
    (f"{CITY_B}-2025Q2-v1", "sheet.missing", "fatal", "企业季度数据", None, None, None, "缺少工作表“企业季度数据”"),
]
B_PARKS_IN_Q1 = ("3302-01", "3302-02")  # the only parks in city B's Q1 version in force


def populate(workdir: Path) -> None:
    """Versions, findings and two parks' rows in a fresh warehouse under `workdir`."""
    from greenpark.intake.warehouse import connect
    from greenpark.settings import get_settings

    with connect(get_settings().warehouse_path) as con:
        for vid, year, quarter, no, received, status, in_force, fatal, error, warning in VERSIONS:
            con.execute(
                "INSERT INTO submission_versions (version_id, city_code, year, quarter, version_no, sha256, filename, "
                "size_bytes, received_at, archive_path, status, in_force, n_fatal, n_error, n_warning) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, 1000, ?, 'archive', ?, ?, ?, ?, ?)",
                [vid, vid[:6], year, quarter, no, vid, f"{vid[:6]}_{year}Q{quarter}.xlsx", received, status, in_force,
                 fatal, error, warning])
        for row in FINDINGS:
            con.execute("INSERT INTO validation_findings (version_id, rule_id, severity, sheet, excel_row, column_header, "
                        "value_seen, message_zh) VALUES (?, ?, ?, ?, ?, ?, ?, ?)", list(row))
        for park in B_PARKS_IN_Q1:
            con.execute("INSERT INTO raw_park_quarter (version_id, park_code) VALUES (?, ?)", [f"{CITY_B}-2025Q1-v1", park])


@pytest.fixture(scope="module")
def console(tmp_path_factory):
    """(TestClient, app, workdir) on a populated warehouse."""
    from fastapi.testclient import TestClient
    from greenpark.portal.app import create_app
    from greenpark.settings import get_settings

    workdir = tmp_path_factory.mktemp("console")
    with pytest.MonkeyPatch.context() as mp:
        isolate_workdir(mp, workdir, today=TODAY)
        populate(workdir)
        app = create_app(get_settings(), warm=False)
        make_accounts(app.state.portal.store)
        with TestClient(app, base_url="http://testserver", follow_redirects=False) as client:
            yield client, app, workdir


def _audit(app, action: str) -> list[dict]:
    from greenpark.portal.accounts import audit_rows

    return [r for r in audit_rows(app.state.portal.store, 500) if r["action"] == action]


def _kinds(html: str, table_id: str) -> dict[str, str]:
    """{'<city> Q<n>': kind} of one grid table."""
    table = html.split(f'id="{table_id}"', 1)[1].split("</table>", 1)[0]
    out = {}
    for row in table.split("<tr>")[2:]:
        city = re.search(r'<th scope="row">(\S+)', row).group(1)
        for q, kind in enumerate(re.findall(r'data-kind="(\w+)"', row), start=1):
            out[f"{city} Q{q}"] = kind
    return out


def test_grid_shows_every_kind_of_cell_and_the_version_in_force(console):
    client, _, _ = console
    prov = session(client, "prov")
    page = client.get("/console", headers=prov.headers)
    assert page.status_code == 200
    assert 'id="grid-2025"' in page.text and 'id="grid-2024"' in page.text  # this year and the last by default
    kinds = _kinds(page.text, "grid-2025")
    assert kinds["杭州市 Q1"] == "accepted"
    assert kinds["杭州市 Q2"] == "late"  # v2 accepted (with warnings) five days after 20 July
    assert kinds["宁波市 Q1"] == "warnings"
    assert kinds["宁波市 Q2"] == "rejected"
    assert kinds["温州市 Q1"] == "missing" and kinds["温州市 Q3"] == "future"
    assert "已接收但有警告(逾期 5 天)" in page.text and "未报送(已逾期 112 天)" in page.text
    assert f"有效版本 {CITY_A}-2025Q2-v2" in page.text
    only = client.get("/console?year=2025", headers=prov.headers)
    assert 'id="grid-2024"' not in only.text
    assert client.get("/console?year=2031", headers=prov.headers).status_code == 422


def test_drill_down_lists_a_city_quarters_versions_and_their_findings(console):
    client, _, _ = console
    prov = session(client, "prov")
    page = client.get(f"/console/cells/{CITY_A}/2025/2", headers=prov.headers)
    assert page.status_code == 200
    assert page.text.index(f"<h2>{CITY_A}-2025Q2-v1") < page.text.index(f"<h2>{CITY_A}-2025Q2-v2")
    assert page.text.count("天然气不能为负数") == 2 and "报送期 2025Q2 已逾期" in page.text
    assert "有效版本" in page.text and "逾期 5 天" in page.text
    empty = client.get("/console/cells/330300/2025/1", headers=prov.headers)
    assert empty.status_code == 200 and "尚无任何报送版本" in empty.text
    assert client.get("/console/cells/999999/2025/1", headers=prov.headers).status_code == 404
    assert client.get(f"/console/cells/{CITY_A}/2025/5", headers=prov.headers).status_code == 404


def test_trends_count_findings_by_rule_city_and_quarter_with_rejection_and_lateness(console):
    client, _, _ = console
    prov = session(client, "prov")
    page = client.get("/console/trends", headers=prov.headers).text
    rules = page.split('id="top-rules"', 1)[1].split("</table>", 1)[0]
    order = re.findall(r"<code class=\"wrap\">([\w.]+)</code>", rules)
    assert order[0] == "value.nonnegative" and set(order) == {r[1] for r in FINDINGS}
    assert "全部 5 项审核发现" in page
    matrix = page.split('id="by-city-quarter"', 1)[1].split("</table>", 1)[0]
    hangzhou = re.search(r"杭州市</th>(.*?)</tr>", matrix, re.DOTALL).group(1)
    assert re.findall(r">(\d+)</td>", hangzhou) == ["0", "3"]  # 2025Q1, 2025Q2
    per_city = page.split('id="per-city"', 1)[1].split("</table>", 1)[0]
    assert "33%(1/3 版)" in per_city and "50%(1/2 版)" in per_city
    assert "1 个季度(最长 5 天)" in per_city


class _SMTP(threading.Thread):
    """Just enough of an SMTP server on loopback to receive one message."""

    def __init__(self):
        super().__init__(daemon=True)
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.message = b""

    def run(self):
        conn, _ = self.sock.accept()
        with conn, conn.makefile("rb") as lines:
            conn.sendall(b"220 test\r\n")
            for line in lines:
                verb = line[:4].upper()
                if verb == b"DATA":
                    conn.sendall(b"354 go\r\n")
                    for body in lines:
                        if body == b".\r\n":
                            break
                        self.message += body
                    conn.sendall(b"250 ok\r\n")
                elif verb == b"QUIT":
                    conn.sendall(b"221 bye\r\n")
                    return
                else:
                    conn.sendall(b"250 ok\r\n")


def test_reminder_lists_missing_quarters_and_parks_and_reaches_inbox_outbox_and_mail(console, tmp_path, monkeypatch):
    from email import message_from_bytes, policy

    client, app, workdir = console
    smtp = _SMTP()
    smtp.start()
    cities = tmp_path / "cities.yaml"
    cities.write_text(f'cities:\n  - {{code: "{CITY_B}", name: 宁波市, drop: sources/inbox/{CITY_B}, email: nb@example.org}}\n',
                      encoding="utf-8")
    # Settings are read when the portal starts: this running portal is given the mail server and registry.
    portal = app.state.portal
    monkeypatch.setattr(portal, "settings", portal.settings.model_copy(
        update={"cities_yaml": cities, "smtp_host": "127.0.0.1", "smtp_port": smtp.port}))
    prov = session(client, "prov")
    assert client.post("/console/reminders", headers=prov.headers, data={"city": CITY_B, "year": "2025"}).status_code == 403
    page = client.post("/console/reminders", headers=prov.headers, data={"csrf": prov.csrf, "city": CITY_B, "year": "2025"})
    assert page.status_code == 200 and "已发送邮件至 nb@example.org" in page.text
    smtp.join(10)
    outbox = workdir / "sources" / "outbox" / CITY_B
    notice = json.loads((outbox / f"催报_2025年_{TODAY}.json").read_text(encoding="utf-8"))
    missing = {m["quarter"]: m for m in notice["missing"]}
    assert set(missing) == {1, 2}  # Q3 is not due yet
    assert missing[2]["reason"] == "已报送 1 个版本,均未通过审核" and missing[2]["days_late"] == 21
    q1_parks = {p["park_code"] for p in missing[1]["parks"]}
    assert q1_parks and not q1_parks & set(B_PARKS_IN_Q1) and missing[1]["reason"].startswith("有效版本缺少")
    assert len(missing[2]["parks"]) == len(q1_parks) + len(B_PARKS_IN_Q1)
    assert "3302-03" in (outbox / f"催报_2025年_{TODAY}.html").read_text(encoding="utf-8")
    mail = message_from_bytes(smtp.message, policy=policy.default)
    assert mail["To"] == "nb@example.org" and "催报" in mail["Subject"] and "3302-03" in mail.get_content()
    # The city's own reminders page (its portal inbox) shows it; the files download for the province.
    nb = session(client, "nb")
    assert notice["message_zh"] in client.get("/deadlines", headers=nb.headers).text
    download = client.get(f"/console/reminders/{CITY_B}/催报_2025年_{TODAY}.json", headers=prov.headers)
    assert download.status_code == 200 and download.json() == notice
    assert client.get(f"/console/reminders/{CITY_B}/..%2Fportal.json", headers=prov.headers).status_code == 404
    assert next((r["user_name"], r["target"], r["outcome"]) for r in _audit(app, "reminder")) == ("prov", f"{CITY_B} 2025", "sent")


def test_grid_exports_as_xlsx_with_chinese_headers(console):
    from python_calamine import CalamineWorkbook

    client, app, _ = console
    prov = session(client, "prov")
    response = client.get("/console/grid.xlsx?year=2025", headers=prov.headers)
    assert response.status_code == 200 and "attachment" in response.headers["content-disposition"]
    book = CalamineWorkbook.from_filelike(io.BytesIO(response.content))
    rows = book.get_sheet_by_name("2025年").to_python()
    header = rows.index(next(r for r in rows if r[0] == "城市代码"))
    assert rows[header][:5] == ["城市代码", "城市", "年份", "季度", "情况"]
    body = rows[header + 1:]
    assert len(body) == 11 * 4
    late = next(r for r in body if r[0] == CITY_A and r[3] == 2)
    assert late[4] == "已接收但有警告(逾期 5 天)" and late[5] == 5 and late[6] == f"{CITY_A}-2025Q2-v2"
    assert _audit(app, "export")[0]["outcome"] == "ok"


def _record(client, who, **fields):
    return client.post("/console/decisions", headers=who.headers, data={"csrf": who.csrf, **fields})


def test_decisions_of_every_type_are_recorded_by_the_user_listed_and_audited(console):
    from greenpark.intake.warehouse import connect
    from greenpark.settings import get_settings

    client, app, _ = console
    prov = session(client, "prov")
    day = "2025-07-01"
    entries = [
        {"decision_type": "designation", "park_code": "3302-01", "decision_date": day, "batch_year": "2025",
         "document_no": "示例〔2025〕1 号"},
        {"decision_type": "review", "park_code": "3301-01", "decision_date": day, "outcome": "通过"},
        {"decision_type": "site_inspection", "park_code": "3309-02", "decision_date": day, "inspectors": "甲、乙",
         "findings_text": "台账不全", "outcome": "建议撤销认定"},
        {"decision_type": "revocation", "park_code": "3309-02", "decision_date": day, "reason_category": "环境污染",
         "reason_text": "发生突发环境污染事件", "document_no": "示例〔2025〕2 号"},
        {"decision_type": "restoration", "park_code": "3301-10", "decision_date": day, "reason_text": "整改完成",
         "document_no": "示例〔2025〕3 号"},
        # a correction of the review (a new row naming the one it corrects)
        {"decision_type": "review", "park_code": "3301-01", "decision_date": day, "outcome": "限期整改",
         "corrects_decision_id": "2"},
    ]
    for fields in entries:
        response = _record(client, prov, **fields)
        assert response.status_code == 303, response.text[-800:]
    refused = _record(client, prov, **entries[3])  # 3309-02 is no longer designated
    assert refused.status_code == 422 and "当前不是已认定园区" in refused.text
    assert client.post("/console/decisions", headers=prov.headers, data=entries[1]).status_code == 403  # no CSRF
    page = client.get("/console/decisions", headers=prov.headers).text
    for text in ("认定", "复查", "现场核查", "撤销认定", "恢复认定", "〔环境污染〕 发生突发环境污染事件", "已被第 6 条更正"):
        assert text in page, text
    assert page.count("<td data-label=\"记录\">prov") == len(entries)
    per_park = client.get("/console/decisions?park=3309-02", headers=prov.headers).text
    assert "恢复认定" not in per_park.split('id="decisions"', 1)[1] and "撤销认定" in per_park
    with connect(get_settings().warehouse_path, read_only=True) as con:
        rows = con.execute("SELECT decision_type, recorded_by, corrects_decision_id FROM park_decisions ORDER BY decision_id").fetchall()
    assert [r[0] for r in rows] == [e["decision_type"] for e in entries]
    assert {r[1] for r in rows} == {"prov"} and rows[-1][2] == 2
    outcomes = [r["outcome"] for r in _audit(app, "decision")]
    assert outcomes.count("ok") == len(entries) and outcomes.count("refused") == 1


def test_a_decision_waits_for_a_pipeline_run_like_the_cli_and_gives_up_with_the_form_kept(console, monkeypatch):
    """The console records through the CLI's function (management.decisions.record_for): it waits
    for a run's lock, then records; past the wait it answers 503 with the CLI's message, keeps what
    was typed, audits "busy" and writes nothing."""
    from fixtures.runs import run_holding_the_warehouse
    from greenpark.intake.warehouse import connect, exclusive_run
    from greenpark.management.decisions import busy_message
    from greenpark.settings import get_settings

    client, app, _ = console
    prov = session(client, "prov")
    path = get_settings().warehouse_path
    with connect(path, read_only=True) as con:
        before = con.execute("SELECT count(*) FROM park_decisions").fetchone()[0]
    entry = {"decision_type": "review", "park_code": "3306-03", "decision_date": "2025-07-02", "outcome": "通过",
             "reason_text": "复查说明〔待重交〕"}
    monkeypatch.setattr("greenpark.management.decisions.DECISION_WAIT_S", 0.5)
    with exclusive_run(path, wait_seconds=1):
        busy = _record(client, prov, **entry)
    assert busy.status_code == 503, busy.text[-800:]
    assert f"未记录:{busy_message(0.5)}" in busy.text
    assert "复查说明〔待重交〕" in busy.text  # the form comes back as typed
    assert _audit(app, "decision")[0]["outcome"] == "busy"

    monkeypatch.setattr("greenpark.management.decisions.DECISION_WAIT_S", 10)
    with run_holding_the_warehouse(path, 0.8):
        recorded = _record(client, prov, **entry)
    assert recorded.status_code == 303, recorded.text[-800:]
    with connect(path, read_only=True) as con:
        rows = con.execute("SELECT park_code, reason_text FROM park_decisions ORDER BY decision_id").fetchall()
    assert len(rows) == before + 1 and rows[-1] == ("3306-03", "复查说明〔待重交〕")


def test_a_version_no_run_has_processed_reads_pending_once_on_every_page(console):
    """A version registered from the drop folder (no portal rules, status 待处理) reads "待入库",
    styled as pending, on the home page, the history and the console; never the warehouse's word."""
    from greenpark.intake.warehouse import connect
    from greenpark.settings import get_settings

    client, _, _ = console
    prov = session(client, "prov")
    vid = f"{CITY_B}-2025Q3-v1"
    with connect(get_settings().warehouse_path) as con:
        con.execute("INSERT INTO submission_versions (version_id, city_code, year, quarter, version_no, sha256, filename, "
                    "size_bytes, received_at, archive_path, status, in_force) VALUES (?, ?, 2025, 3, 1, ?, ?, 1000, "
                    "'2025-08-09 10:00', 'archive', '待处理', false)", [vid, CITY_B, vid, f"{CITY_B}_2025Q3.xlsx"])
    pages = {"home": client.get(f"/?city={CITY_B}", headers=prov.headers).text,
             "history": client.get(f"/history?city={CITY_B}", headers=prov.headers).text,
             "province": client.get("/", headers=prov.headers).text,
             "cell": client.get(f"/console/cells/{CITY_B}/2025/3", headers=prov.headers).text}
    for name, page in pages.items():
        assert "待处理" not in page, name
        assert '<span class="status s-pending">待入库</span>' in page, name
    latest = pages["home"].split("最近一次报送", 1)[1].split("</section>", 1)[0]
    assert latest.count("待入库") == 1


def test_cities_are_read_once_and_again_only_when_their_file_changes(console, tmp_path, monkeypatch):
    """Every heading, row and form of a page names cities: the portal reads cities.yaml once, and
    again only after the file changed."""
    import yaml

    client, app, _ = console
    prov = session(client, "prov")
    cities = tmp_path / "cities.yaml"
    cities.write_text(f"cities:\n  - code: '{CITY_A}'\n    name: 示例甲市\n", encoding="utf-8")
    portal = app.state.portal  # settings are read when the portal starts: give this one the file
    monkeypatch.setattr(portal, "settings", portal.settings.model_copy(update={"cities_yaml": cities}))
    loads, real_load = [], yaml.load

    def counting_load(text, *args, **kwargs):
        if "示例甲市" in str(text):
            loads.append(text)
        return real_load(text, *args, **kwargs)

    monkeypatch.setattr(yaml, "load", counting_load)
    assert "示例甲市" in client.get("/console", headers=prov.headers).text
    for url in ("/console", "/console/trends", "/console/reminders", "/", f"/history?city={CITY_A}"):
        assert client.get(url, headers=prov.headers).status_code == 200, url
    assert len(loads) == 1
    cities.write_text(f"cities:\n  - code: '{CITY_A}'\n    name: 示例甲市(更名)\n", encoding="utf-8")
    assert "示例甲市(更名)" in client.get("/console", headers=prov.headers).text and len(loads) == 2


def test_every_console_screen_passes_axe_at_1366_and_390_px(tmp_path_factory):
    from axe_playwright_python.sync_playwright import Axe
    from greenpark.portal.store import Store
    from playwright.sync_api import sync_playwright

    workdir = tmp_path_factory.mktemp("console_live")
    with pytest.MonkeyPatch.context() as mp:
        isolate_workdir(mp, workdir, today=TODAY)
        populate(workdir)
    make_accounts(Store(workdir / "data" / "portal.sqlite3"))
    portal = PortalProcess(workdir, env={"GREENPARK_TODAY": TODAY})
    screens = ["/console", f"/console/cells/{CITY_A}/2025/2", "/console/trends", "/console/decisions", "reminder"]
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
            page = browser.new_page(viewport={"width": 1366, "height": 800})
            log_in(page, portal.url, "prov")
            page.wait_for_url(f"{portal.url}/")
            for width in (1366, 390):
                page.set_viewport_size({"width": width, "height": 844})
                for screen in screens:
                    if screen == "reminder":  # the form, submitted: the notice as the province sees it
                        page.goto(f"{portal.url}/console/reminders")
                        page.select_option("select[name=city]", CITY_B)
                        page.click("form[action='/console/reminders'] button[type=submit]")
                        page.wait_for_selector("#notice")
                    else:
                        page.goto(f"{portal.url}{screen}")
                    if screen == "/console/decisions":
                        page.click("#form-revocation summary")
                    results = Axe().run(page, options={"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21aa"]}})
                    bad = [(v["id"], v["nodes"][0]["target"]) for v in results.response["violations"]
                           if v["impact"] in ("serious", "critical")]
                    assert not bad, (width, screen, bad)
                    assert page.evaluate("document.documentElement.scrollWidth") <= width + 1, (width, screen)
            browser.close()
    finally:
        portal.stop()


def test_city_users_never_see_the_console_in_their_navigation(console):
    client, _, _ = console
    hz = session(client, "hz")
    assert "/console" not in client.get("/", headers=hz.headers).text
    prov = session(client, "prov")
    assert 'href="/console"' in client.get("/", headers=prov.headers).text
