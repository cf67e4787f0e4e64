"""Authorization on every route of the portal, and its defences: CSRF, expiring sessions, the
login throttle, hostile file names, content that is not a workbook, API tokens, the audit trail.

The route matrix is built from the app's own route table: a route added without an entry in
ROUTE_ACCESS, or that lets city A see city B, fails here."""

from __future__ import annotations

import re
import time
from dataclasses import dataclass

import pytest
from portal_fixtures import CITY_A, CITY_B, PASSWORD
from starlette.routing import Mount

NOT_A_WORKBOOK = b"<!DOCTYPE html><html><body><table><tr><td>1</td></tr></table></body></html>"


@dataclass
class Session:
    cookie: str
    csrf: str

    @property
    def headers(self) -> dict:
        return {"cookie": f"gp_session={self.cookie}"}


def login(client, name: str, password: str = PASSWORD):
    client.cookies.clear()
    token = re.search(r'name="csrf" value="([^"]+)"', client.get("/login").text).group(1)
    response = client.post("/login", data={"username": name, "password": password, "csrf": token})
    client.cookies.clear()
    return response


def session(client, name: str) -> Session:
    response = login(client, name)
    assert response.status_code == 303, response.text
    cookie = response.cookies["gp_session"]
    page = client.get("/deadlines" if name != "prov" else "/", headers={"cookie": f"gp_session={cookie}"})
    return Session(cookie, re.search(r'name="csrf" value="([^"]+)"', page.text).group(1))


def bearer(token: str) -> dict:
    return {"authorization": f"Bearer {token}"}


@pytest.fixture(scope="module")
def city_b_version(app_client):
    """City B's own upload through the API: its version and upload ids are what A must never reach."""
    client, accounts, _ = app_client
    response = client.post("/api/v1/submissions", headers=bearer(accounts.tokens["nb"]),
                           files={"file": (f"{CITY_B}_2025Q2.xlsx", NOT_A_WORKBOOK)})
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["status"] == "无法读取" and body["version_id"] == f"{CITY_B}-2025Q2-v1"
    return body


def _routes(app):
    """(method, path) of every route the app serves, routers included (FastAPI's own walk)."""
    from fastapi.routing import iter_route_contexts
    from greenpark.portal.app import ROUTE_ACCESS

    found = {}
    for route in iter_route_contexts(app.routes):
        if isinstance(route.original_route, Mount):
            found[("GET", route.path)] = route
            continue
        for method in sorted((route.methods or set()) - {"HEAD"}):
            found[(method, route.path)] = route
    return found, ROUTE_ACCESS


def test_every_route_has_an_access_rule(app_client):
    _, _, app = app_client
    found, access = _routes(app)
    assert set(found) == set(access), "路由表与 ROUTE_ACCESS 不一致:新路由须声明访问规则并在此受测"


def _target(path: str, b: dict) -> str:
    return (path.replace("{version_id}", b["version_id"]).replace("{upload_id}", str(b["upload_id"]))
            .replace("{kind}", "json").replace("{city}", CITY_B).replace("{year}", "2025")
            .replace("{quarter}", "2").replace("{name}", "催报_2025年_2025-08-10.json"))


def _leaks(response, b: dict) -> bool:
    body = response.content.decode("utf-8", "replace")
    return b["version_id"] in body or b["version"]["sha256"] in body or "宁波" in body


def test_city_a_cannot_reach_city_b_on_any_route(app_client, city_b_version):
    client, accounts, app = app_client
    a = session(client, "hz")
    b = city_b_version
    _, access = _routes(app)
    checked = 0
    for (method, path), kind in sorted(access.items()):
        if kind == "public":
            continue
        url = _target(path, b)
        query = {"city": CITY_B}
        if kind == "province":  # the province console: a city user is refused on every route, GET or POST
            anonymous = client.request(method, url, params=query)
            assert anonymous.status_code == 303 and anonymous.headers["location"].startswith("/login"), (method, path)
            response = client.request(method, url, headers=a.headers, params=query,
                                      data={"csrf": a.csrf, "city": CITY_B, "year": "2025"} if method == "POST" else None)
            assert response.status_code == 403 and "仅限省级用户" in response.text, (method, path, response.status_code)
        elif kind == "session":
            anonymous = client.request(method, url, params=query)
            assert anonymous.status_code == 303 and anonymous.headers["location"].startswith("/login"), (method, path)
            if method == "POST":
                response = client.request(method, url, headers=a.headers, data={"city": CITY_B})
            else:
                response = client.request(method, url, headers=a.headers, params=query)
        else:
            anonymous = client.request(method, url, params=query)
            assert anonymous.status_code == 401, (method, path)
            wrong = client.request(method, url, params=query, headers=bearer("gpk_not-a-real-token"))
            assert wrong.status_code == 401, (method, path)
            if method == "POST":
                response = client.request(method, url, headers=bearer(accounts.tokens["hz"]), data={"city": CITY_B})
            else:
                response = client.request(method, url, headers=bearer(accounts.tokens["hz"]), params=query)
        assert response.status_code < 500, (method, path, response.text[:300])
        assert not _leaks(response, b), (method, path, response.status_code)
        if method == "GET" and path not in ("/upload",):
            assert response.status_code in (403, 404), (method, path, response.status_code)
        checked += 1
    assert checked == sum(k != "public" for k in access.values())
    # What city B itself and the province (read-only) see of the same version.
    nb = session(client, "nb")
    assert client.get(f"/submissions/{b['version_id']}", headers=nb.headers).status_code == 200
    prov = session(client, "prov")
    page = client.get(f"/submissions/{b['version_id']}", headers=prov.headers)
    assert page.status_code == 200 and "无法读取" in page.text
    assert client.get(f"/history?city={CITY_B}", headers=prov.headers).status_code == 200
    assert client.get("/upload", headers=prov.headers).status_code == 403
    refused = client.post("/api/v1/submissions", headers=bearer(accounts.tokens["prov"]),
                          files={"file": (f"{CITY_B}_2025Q2.xlsx", NOT_A_WORKBOOK)})
    assert refused.status_code == 403


def test_upload_lands_in_the_users_own_city_only(app_client, portal_workdir, city_b_version):
    client, _, _ = app_client
    a = session(client, "hz")
    b_drop = portal_workdir / "sources" / "inbox" / CITY_B
    before = sorted(p.name for p in b_drop.iterdir())
    response = client.post("/upload", headers=a.headers, data={"csrf": a.csrf, "city": CITY_B, "year": "2025", "quarter": "1"},
                           files={"file": (f"{CITY_B}_2025Q1.xlsx", NOT_A_WORKBOOK)})
    assert response.status_code == 303
    assert response.headers["location"].startswith(f"/submissions/{CITY_A}-2025Q1-")
    assert sorted(p.name for p in b_drop.iterdir()) == before
    assert (portal_workdir / "sources" / "inbox" / CITY_A / f"{CITY_A}_2025Q1.xlsx").read_bytes() == NOT_A_WORKBOOK


def test_csrf_token_missing_or_wrong_is_refused(app_client, portal_workdir):
    client, _, _ = app_client
    a = session(client, "hz")
    archive = portal_workdir / "sources" / "archive"
    before = sorted(archive.rglob("*")) if archive.exists() else []
    for data in ({}, {"csrf": "forged"}):
        response = client.post("/upload", headers=a.headers, data={"year": "2025", "quarter": "2", **data},
                               files={"file": ("x.xlsx", b"PK\x03\x04 not archived")})
        assert response.status_code == 403 and "CSRF" in response.text
    assert (sorted(archive.rglob("*")) if archive.exists() else []) == before
    assert client.post("/logout", headers=a.headers, data={}).status_code == 403
    # The login form has its own token (login CSRF).
    client.cookies.clear()
    assert client.post("/login", data={"username": "hz", "password": PASSWORD}).status_code == 403
    # The session survived the forged requests; logging out with the token ends it.
    assert client.get("/history", headers=a.headers).status_code == 200
    assert client.post("/logout", headers=a.headers, data={"csrf": a.csrf}).status_code == 303
    assert client.get("/history", headers=a.headers).status_code == 303


def test_expired_session_goes_back_to_login(app_client, monkeypatch):
    import itsdangerous.timed

    client, _, app = app_client
    user = __import__("greenpark.portal.accounts", fromlist=["get_user"]).get_user(app.state.portal.store, "hz")
    real = time.time
    monkeypatch.setattr(itsdangerous.timed.time, "time", lambda: real() - 9 * 3600)  # signed 9 h ago
    old, _ = app.state.portal.signer.session_cookie(user.id, user.session_epoch)
    monkeypatch.undo()
    fresh, _ = app.state.portal.signer.session_cookie(user.id, user.session_epoch)
    assert client.get("/history", headers={"cookie": f"gp_session={fresh}"}).status_code == 200
    response = client.get("/history", headers={"cookie": f"gp_session={old}"})
    assert response.status_code == 303 and response.headers["location"] == "/login?expired=1"
    assert "登录已过期" in client.get("/login?expired=1").text
    tampered = fresh[:-2] + ("AA" if not fresh.endswith("AA") else "BB")
    assert client.get("/history", headers={"cookie": f"gp_session={tampered}"}).status_code == 303


def test_wrong_passwords_are_throttled(app_client):
    from greenpark.portal.accounts import THROTTLE_FAILURES, audit_rows

    client, _, app = app_client
    for _ in range(THROTTLE_FAILURES):
        assert login(client, "prov", "wrong-password").status_code == 401
    response = login(client, "prov", PASSWORD)  # the right password no longer helps
    assert response.status_code == 429 and "次数过多" in response.text
    assert login(client, "no-such-user", "x").status_code == 429  # the address is throttled too
    outcomes = [r["outcome"] for r in audit_rows(app.state.portal.store) if r["action"] == "login"]
    assert outcomes.count("throttled") >= 2 and outcomes.count("failed") >= THROTTLE_FAILURES
    with app.state.portal.store.connect() as con:
        con.execute("DELETE FROM login_failures")


ODD_NAMES = [
    "../../escaped.xlsx",
    "..\\..\\escaped.xlsx",
    "/etc/passwd.xlsx",
    "<script>alert(1)</script>.xlsx",
    "报表\u202egpj.xlsx",
    "a" * 300 + ".xlsx",
    "330200_2025Q2.xlsx",
]


@pytest.mark.parametrize("name", ODD_NAMES, ids=range(len(ODD_NAMES)))
def test_odd_file_names_never_build_a_path(app_client, portal_workdir, name):
    client, _, _ = app_client
    a = session(client, "hz")
    response = client.post("/upload", headers=a.headers, data={"csrf": a.csrf, "year": "2025", "quarter": "3"},
                           files={"file": (name, NOT_A_WORKBOOK)})
    assert response.status_code == 303, response.text[:300]
    page = client.get(response.headers["location"], headers=a.headers)
    assert page.status_code == 200
    assert "<script>alert" not in page.text and "\u202e" not in page.text
    assert not (portal_workdir.parent / "escaped.xlsx").exists() and not (portal_workdir / "escaped.xlsx").exists()
    drop = portal_workdir / "sources" / "inbox" / CITY_A
    assert {p.name for p in drop.iterdir()} <= {f"{CITY_A}_2025Q1.xlsx", f"{CITY_A}_2025Q2.xlsx", f"{CITY_A}_2025Q3.xlsx"}


def test_content_that_is_not_a_workbook(app_client):
    client, _, _ = app_client
    a = session(client, "hz")
    response = client.post("/upload", headers=a.headers, data={"csrf": a.csrf, "year": "2025", "quarter": "2"},
                           files={"file": ("季度报表.xlsx", NOT_A_WORKBOOK)})
    page = client.get(response.headers["location"], headers=a.headers)
    assert "无法读取" in page.text and "不是工作簿" in page.text and "网页 HTML" in page.text
    wrong_type = client.post("/upload", headers=a.headers, data={"csrf": a.csrf, "year": "2025", "quarter": "2"},
                             files={"file": ("季度报表.csv", b"a,b\n1,2\n")})
    assert wrong_type.status_code == 415 and "只接受" in wrong_type.text


def test_api_tokens_are_revocable_and_hashed(app_client):
    from greenpark.portal import accounts

    client, _, app = app_client
    store = app.state.portal.store
    accounts.add_user(store, "hz-system", PASSWORD, city_code=CITY_A, province=False)  # the other tests keep hz's token
    token = accounts.issue_token(store, "hz-system")
    assert client.get("/api/v1/submissions", headers=bearer(token)).status_code == 200
    with store.connect() as con:
        stored = [r[0] for r in con.execute("SELECT token_sha256 FROM api_tokens").fetchall()]
    assert token not in stored and all(len(s) == 64 for s in stored)
    accounts.revoke_tokens(store, "hz-system")
    assert client.get("/api/v1/submissions", headers=bearer(token)).status_code == 401
    schema = client.get("/api/v1/openapi.json").json()
    assert {"/api/v1/submissions", "/api/v1/submissions/{version_id}/feedback.{kind}"} <= set(schema["paths"])


def test_every_login_upload_and_download_is_audited(app_client, city_b_version):
    from greenpark.portal.accounts import audit_rows

    client, _, app = app_client
    nb = session(client, "nb")
    assert client.get(f"/submissions/{city_b_version['version_id']}/feedback.json", headers=nb.headers).status_code == 200
    rows = audit_rows(app.state.portal.store, 500)
    actions = {(r["user_name"], r["action"], r["outcome"]) for r in rows}
    assert ("nb", "login", "ok") in actions
    assert ("nb", "api_upload", "archived") in actions
    assert ("nb", "download", "ok") in actions
    assert all(r["at"] and r["remote"] for r in rows)


def test_template_download_has_the_citys_parks(app_client):
    import io

    from fixtures.workbooks import registry
    from openpyxl import load_workbook

    client, _, _ = app_client
    a = session(client, "hz")
    response = client.get("/template?year=2025&quarter=3", headers=a.headers)
    assert response.status_code == 200 and f"{CITY_A}_2025Q3.xlsx" in response.headers["content-disposition"]
    text = " ".join(str(c.value) for ws in load_workbook(io.BytesIO(response.content)) for row in ws.iter_rows()
                    for c in row if c.value is not None)
    assert all(code in text for code in registry(CITY_A).park_code)
    assert not any(code in text for code in registry(CITY_B).park_code)


def test_upload_while_a_run_holds_the_warehouse_is_archived_then_registered(app_client, portal_workdir, monkeypatch):
    """A pipeline run holds the warehouse: the upload is still archived and answered (202, queued),
    then registered by the portal's background thread once the run lets go."""
    from greenpark.intake.warehouse import exclusive_run
    from greenpark.settings import get_settings

    client, accounts, app = app_client
    door = app.state.portal.door  # settings are read when the portal starts: give its door a short wait
    monkeypatch.setattr(door, "settings", door.settings.model_copy(update={"portal_wait_s": 0.3}))
    body = NOT_A_WORKBOOK + b"<!-- queued -->"
    with exclusive_run(get_settings().warehouse_path, wait_seconds=5):
        response = client.post("/api/v1/submissions", headers=bearer(accounts.tokens["hz"]),
                               files={"file": (f"{CITY_A}_2025Q4.xlsx", body)})
        assert response.status_code == 202, response.text
        queued = response.json()
        assert (portal_workdir / "sources" / "inbox" / CITY_A / f"{CITY_A}_2025Q4.xlsx").read_bytes() == body
        archived = {p.read_bytes() for p in (portal_workdir / "sources" / "archive").rglob("*.xlsx")}
        assert body in archived
        assert client.get(f"/api/v1/uploads/{queued['upload_id']}", headers=bearer(accounts.tokens["hz"])).status_code == 202
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        done = client.get(f"/api/v1/uploads/{queued['upload_id']}", headers=bearer(accounts.tokens["hz"]))
        if done.status_code == 200:
            break
        time.sleep(0.3)
    assert done.status_code == 200, done.text
    assert done.json()["version_id"] == f"{CITY_A}-2025Q4-v1" and done.json()["status"] == "无法读取"
