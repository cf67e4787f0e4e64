"""The portal as operators run it (`greenpark portal`, uvicorn on loopback): a real browser
uploads a workbook with a planted error, the guard limit refuses big uploads before reading them,
the API answers with the `greenpark validate --json` document, and a burst is answered in full."""

from __future__ import annotations

import base64
import json
import re
import socket
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
from portal_fixtures import CHROMIUM, CHROMIUM_ARGS, CITY_A, PLANTED_ROW, log_in, planted_workbook


def test_browser_upload_shows_the_finding_and_the_grid(live_portal, tmp_path):
    from openpyxl import load_workbook
    from playwright.sync_api import expect, sync_playwright

    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} 不存在:浏览器测试需要 Debian chromium(apt-get install -y chromium)")
    portal, _ = live_portal
    workbook = planted_workbook(tmp_path)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        page = browser.new_page(accept_downloads=True)
        log_in(page, portal.url, "hz")
        expect(page.locator("h1")).to_contain_text("杭州市")
        page.click("nav >> text=上传报送")
        page.wait_for_load_state("load")  # upload.js has attached its drop handler
        # Drag and drop, as a clerk does: a DataTransfer holding the workbook dropped on the zone.
        transfer = page.evaluate_handle(
            """([b64, name]) => { const bytes = Uint8Array.from(atob(b64), c => c.charCodeAt(0));
                 const dt = new DataTransfer(); dt.items.add(new File([bytes], name)); return dt; }""",
            [base64.b64encode(workbook.read_bytes()).decode(), "杭州 二季度 报表.xlsx"])
        page.select_option("#year", "2025")
        page.select_option("#quarter", "2")
        page.dispatch_event("#drop", "drop", {"dataTransfer": transfer})
        page.wait_for_url(re.compile(rf"/submissions/{CITY_A}-2025Q2-v\d+$"), timeout=60_000)
        expect(page.locator(".lead .status").first).to_have_text("退回")
        finding = page.locator("table.findings tbody tr", has_text="value.nonnegative")
        expect(finding).to_have_count(1)
        cells = finding.locator("td").all_inner_texts()
        assert cells[1:5] == ["园区季度指标", str(PLANTED_ROW), "C · 工业总产值(万元)", "-5"], cells
        assert "不能为负数" in cells[5]
        with page.expect_download() as download:
            page.click("text=下载标注工作簿")
        saved = tmp_path / "annotated.xlsx"
        download.value.save_as(saved)
        book = load_workbook(saved)
        assert book.sheetnames[0] == "审核结果"
        assert "value.nonnegative" in book["园区季度指标"][f"C{PLANTED_ROW}"].comment.text
        page.click("nav >> text=报送情况")
        cell = page.locator("#grid tbody tr", has_text="2025").locator("td").nth(1)
        expect(cell).to_have_class(re.compile("k-rejected"))
        expect(cell).to_contain_text("退回")
        expect(page.locator("#grid tbody tr", has_text="2025").locator("td").nth(0)).to_contain_text("未报送")
        # Accessibility (axe-core, WCAG 2.1 AA): no serious or critical violation on the grid and findings pages.
        from axe_playwright_python.sync_playwright import Axe

        for url in (page.url, page.url.replace("/grid", f"/submissions/{CITY_A}-2025Q2-v1")):
            page.goto(url)
            results = Axe().run(page, options={"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21aa"]}})
            bad = [v["id"] for v in results.response["violations"] if v["impact"] in ("serious", "critical")]
            assert not bad, (url, bad)
        browser.close()


def _raw(portal, head: str) -> socket.socket:
    sock = socket.create_connection(("127.0.0.1", portal.port), timeout=10)
    sock.sendall(head.encode())
    return sock


def _status(sock: socket.socket) -> int:
    data = b""
    while b"\r\n" not in data:
        chunk = sock.recv(4096)
        if not chunk:
            break
        data += chunk
    return int(data.split(b" ", 2)[1])


def _drop_and_archive(workdir: Path) -> set:
    """Files (archived, dropped or part files) under the drop folders and the archive; a folder the
    portal made for a city holds nothing by itself."""
    return {p.relative_to(workdir) for d in ("sources/inbox", "sources/archive") if (workdir / d).exists()
            for p in (workdir / d).rglob("*") if not p.is_dir()}


def test_upload_above_the_guard_limit_is_refused_before_it_is_read(live_portal):
    portal, accounts = live_portal
    token = accounts.tokens["hz"]
    before = _drop_and_archive(portal.log.parent)
    # Declared size above the limit (2 MB here): refused on the headers alone, no body sent.
    sock = _raw(portal, f"POST /api/v1/submissions HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {token}\r\n"
                        "Content-Type: multipart/form-data; boundary=b\r\nContent-Length: 52428800\r\n\r\n")
    assert _status(sock) == 413
    sock.close()
    # No declared size (chunked): refused once the streamed count passes the limit.
    sock = _raw(portal, f"POST /api/v1/submissions HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {token}\r\n"
                        "Content-Type: multipart/form-data; boundary=b\r\nTransfer-Encoding: chunked\r\n\r\n")
    preamble = (b'--b\r\nContent-Disposition: form-data; name="file"; filename="330100_2025Q2.xlsx"\r\n'
                b"Content-Type: application/octet-stream\r\n\r\nPK\x03\x04")
    sent = 0
    try:
        for piece in [preamble] + [b"\0" * 262_144] * 40:  # 10 MB offered
            sock.sendall(b"%x\r\n%s\r\n" % (len(piece), piece))
            sent += len(piece)
    except (BrokenPipeError, ConnectionResetError):
        pass
    assert _status(sock) == 413
    sock.close()
    assert _drop_and_archive(portal.log.parent) == before  # nothing archived, no temp file left


def test_api_answers_with_the_validate_json_document(live_portal, tmp_path):
    portal, accounts = live_portal
    workbook = planted_workbook(tmp_path, ext="xls")
    response = httpx.post(f"{portal.url}/api/v1/submissions", headers={"authorization": f"Bearer {accounts.tokens['hz']}"},
                          files={"file": (workbook.name, workbook.read_bytes())}, timeout=120)
    assert response.status_code == 201, response.text
    body = response.json()
    # What `greenpark validate --json --city 330100 FILE` prints (cli.validate), with the test
    # session's shared warm validator (same rules, same fixed today) instead of a second GX import.
    from fixtures.validation import shared_validator
    from greenpark.intake.workbook import parse_workbook
    from greenpark.quality.feedback import findings_payload

    parsed = parse_workbook(workbook)
    findings = shared_validator().validate(parsed, expected_city=CITY_A)
    expected = json.loads(json.dumps(findings_payload({"city_code": CITY_A}, findings), ensure_ascii=False))
    assert set(body) == set(expected) | {"version_id", "upload_id"}
    assert body["version_id"] == body["version"]["version_id"] and re.fullmatch(rf"{CITY_A}-2025Q2-v\d+", body["version_id"])
    # The portal knows when the file arrived, so it adds the deadline rule (period.late) the offline check cannot.
    portal_findings = [f for f in body["findings"] if f["rule_id"] != "period.late"]
    assert portal_findings == expected["findings"] and body["status"] == expected["status"] == "退回"
    listed = httpx.get(f"{portal.url}/api/v1/submissions", headers={"authorization": f"Bearer {accounts.tokens['hz']}"}).json()
    assert body["version_id"] in {v["version_id"] for v in listed["versions"]}
    feedback = httpx.get(f"{portal.url}/api/v1/submissions/{body['version_id']}/feedback.json",
                         headers={"authorization": f"Bearer {accounts.tokens['hz']}"}, timeout=60)
    assert feedback.status_code == 200 and feedback.json()["findings"] == body["findings"]


def test_a_burst_of_api_requests_is_answered_in_full_with_bounded_memory(live_portal):
    portal, accounts = live_portal
    headers = {"authorization": f"Bearer {accounts.tokens['hz']}"}
    with httpx.Client(headers=headers) as warm:
        assert warm.get(f"{portal.url}/api/v1/submissions").status_code == 200
    rss_before = portal.rss_kib()

    def worker(n: int) -> list[int]:
        with httpx.Client(headers=headers, timeout=30) as client:
            return [client.get(f"{portal.url}/api/v1/submissions").status_code for _ in range(n)]

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=20) as pool:
        statuses = [s for batch in pool.map(worker, [50] * 20) for s in batch]
    seconds = time.perf_counter() - started
    grown_mib = (portal.rss_kib() - rss_before) / 1024
    print(f"burst: {len(statuses)} requests in {seconds:.2f} s, RSS {rss_before / 1024:.0f} MiB, +{grown_mib:.1f} MiB")
    assert len(statuses) == 1000 and set(statuses) == {200}
    assert grown_mib < 64
