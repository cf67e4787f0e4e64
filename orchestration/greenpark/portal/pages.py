"""The pages a city clerk (and, read-only, the province) uses: login, the city's home page, upload,
one version's findings and downloads, version history, the year × quarter grid, deadlines and
reminders, the template. Every handler starts from `web.session_user`; every form carries the
session's CSRF token."""

from __future__ import annotations

import tempfile
import time
from pathlib import Path
from typing import Literal

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import FileResponse, RedirectResponse
from starlette.background import BackgroundTask
from starlette.concurrency import run_in_threadpool

from ..submission.contract import submission_filename
from ..intake.warehouse import STATUS_PENDING
from ..registry import load_parks
from . import accounts, views
from .door import received_text
from .sessions import (
    LOGIN_COOKIE,
    SESSION_COOKIE,
    cookie_options,
    same_token,
)
from .web import (
    PAGE_FINDINGS,
    check,
    city_context,
    feedback_response,
    payload_of,
    portal_of,
    readable_version,
    receive_upload,
    remote,
    render,
    require_csrf,
    scope,
    session_user,
    upload_form,
)

router = APIRouter(include_in_schema=False)


# --- login and logout --------------------------------------------------------------------------
def login_page(request: Request, status: int = 200, error: str | None = None):
    cookie, token = portal_of(request).signer.login_token()
    notice = "登录已过期,请重新登录。" if request.query_params.get("expired") else None
    response = render(request, "login.html", status=status, login_csrf=token, error=error, notice=notice)
    response.set_cookie(LOGIN_COOKIE, cookie, **cookie_options(request.url.scheme == "https", 3600))
    return response


@router.get("/login")
def login_form(request: Request):
    return login_page(request)


@router.post("/login")
async def login(request: Request):
    portal = portal_of(request)
    form = await request.form(max_files=0, max_fields=5, max_part_size=4096)
    name, password = str(form.get("username", ""))[:64], str(form.get("password", ""))[:200]
    where = remote(request)
    if not same_token(portal.signer.read_login_token(request.cookies.get(LOGIN_COOKIE)), form.get("csrf")):
        accounts.audit(portal.store, name, "login", None, "csrf_refused", where)
        return login_page(request, 403, "登录表单已失效,请重新输入。")
    wait = accounts.throttled(portal.store, name, where)
    if wait > 0:
        accounts.audit(portal.store, name, "login", None, "throttled", where)
        return login_page(request, 429, f"连续输错次数过多,请 {int(wait // 60) + 1} 分钟后再试。")
    user = await run_in_threadpool(accounts.verify_password, portal.store, name, password)
    if user is None:
        accounts.record_failure(portal.store, name, where)
        accounts.audit(portal.store, name, "login", None, "failed", where)
        return login_page(request, 401, "用户名或密码错误。")
    accounts.clear_failures(portal.store, name)
    accounts.audit(portal.store, name, "login", None, "ok", where)
    cookie, _ = portal.signer.session_cookie(user.id, user.session_epoch)
    response = RedirectResponse("/", status_code=303)
    response.set_cookie(SESSION_COOKIE, cookie, **cookie_options(request.url.scheme == "https", portal.signer.session_seconds))
    response.delete_cookie(LOGIN_COOKIE, path="/")
    return response


@router.post("/logout")
async def logout(request: Request):
    portal = portal_of(request)
    user = session_user(request)
    form = await request.form(max_files=0, max_fields=5, max_part_size=4096)
    require_csrf(request, form.get("csrf"))
    accounts.end_sessions(portal.store, user)
    accounts.audit(portal.store, user.name, "logout", None, "ok", remote(request))
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


# --- a city's pages ----------------------------------------------------------------------------
@router.get("/")
def home(request: Request, city: str | None = None):
    portal = portal_of(request)
    user = session_user(request)
    if user.is_province and not city:
        snap = portal.snapshot()
        cities = []
        for code, name in sorted(portal.city_names().items()):
            mine = views.city_versions(snap, code, portal.door.statuses(code))
            cities.append({"code": code, "name": name, "latest": mine.iloc[0].to_dict() if len(mine) else None,
                           "n": len(mine)})
        return render(request, "province.html", cities=cities, stale=snap.stale)
    city = scope(portal, user, city)
    ctx = city_context(portal, city)
    latest = ctx["versions"].iloc[0].to_dict() if len(ctx["versions"]) else None
    payload = None
    if latest:
        upload = portal.door.upload_for_version(latest["version_id"])
        payload = payload_of(portal, upload, city, latest["version_id"])
    return render(request, "dashboard.html", latest=latest, payload=payload, limit=PAGE_FINDINGS,
                  deadlines=views.deadlines(ctx["versions"], portal.today())[:2], **ctx)


@router.get("/upload")
def upload_page(request: Request):
    user = session_user(request)
    if user.is_province:
        raise HTTPException(403, "省级用户只读,不能上传")
    return render(request, "upload.html", **upload_form(portal_of(request)))


@router.post("/upload")
async def upload(request: Request):
    portal = portal_of(request)
    user = session_user(request)
    started = time.perf_counter()
    accepted = await receive_upload(request, user, csrf=request.state.csrf)
    archived = time.perf_counter()
    accounts.audit(portal.store, user.name, "upload", f"{accepted.drop_name} sha256:{accepted.sha256[:12]}",
                   "archived", remote(request))
    checked = await check(portal, accepted)
    target = f"/submissions/{checked.version_id}" if not checked.queued else f"/uploads/{checked.id}"
    # Where the seconds went (browser dev tools and bench/portal.py read it).
    timing = f"archive;dur={(archived - started) * 1000:.0f}, rules;dur={(time.perf_counter() - archived) * 1000:.0f}"
    return RedirectResponse(target, status_code=303, headers={"Server-Timing": timing})


@router.get("/uploads/{upload_id}")
def queued_page(request: Request, upload_id: int):
    user = session_user(request)
    upload = portal_of(request).door.upload(upload_id)
    if upload is None or not user.may_read(upload.city_code):
        raise HTTPException(404, "没有这次上传")
    if not upload.queued:
        return RedirectResponse(f"/submissions/{upload.version_id}", status_code=303)
    return render(request, "queued.html", upload=upload, received=received_text(upload.received_at))


@router.get("/submissions/{version_id}")
def submission_page(request: Request, version_id: str):
    portal = portal_of(request)
    user = session_user(request)
    row, upload, city = readable_version(portal, user, version_id)
    payload = payload_of(portal, upload, city, version_id)
    return render(request, "submission.html", version_id=version_id, row=row, payload=payload, city=city,
                  limit=PAGE_FINDINGS, has_findings=bool(payload and payload["findings"]),
                  pending=(row or {}).get("status") == STATUS_PENDING)


@router.get("/submissions/{version_id}/feedback.{kind}")
def page_feedback(request: Request, version_id: str, kind: Literal["json", "html", "xlsx"]):
    return feedback_response(request, session_user(request), version_id, kind, "download")


@router.get("/history")
def history(request: Request, city: str | None = None):
    portal = portal_of(request)
    city = scope(portal, session_user(request), city)
    return render(request, "history.html", **city_context(portal, city))


@router.get("/grid")
def grid_page(request: Request, city: str | None = None):
    portal = portal_of(request)
    city = scope(portal, session_user(request), city)
    ctx = city_context(portal, city)
    today = portal.today()
    return render(request, "grid.html", grid=views.grid(ctx["versions"], views.grid_years(ctx["versions"], today), today),
                  **ctx)


@router.get("/deadlines")
def deadlines_page(request: Request, city: str | None = None):
    portal = portal_of(request)
    city = scope(portal, session_user(request), city)
    ctx = city_context(portal, city)
    return render(request, "deadlines.html", today=portal.today(),
                  deadlines=views.deadlines(ctx["versions"], portal.today()),
                  reminders=views.reminders(portal.settings.outbox_dir, city), **ctx)


@router.get("/template")
def template(request: Request, year: int | None = None, quarter: int | None = None, city: str | None = None):
    from ..workbook_template import write_template

    portal = portal_of(request)
    user = session_user(request)
    city = scope(portal, user, city)
    default = views.due_quarter(portal.today())
    year, quarter = year or default[0], quarter or default[1]
    if not (2000 <= year <= portal.today().year + 1) or quarter not in (1, 2, 3, 4):
        raise HTTPException(422, "年份或季度不正确")
    tmp = Path(tempfile.mkdtemp(prefix="greenpark-template-"))
    name = submission_filename(city, year, quarter)
    path = write_template(tmp / name, city, year, quarter, load_parks(portal.settings))
    accounts.audit(portal.store, user.name, "download", f"template {name}", "ok", remote(request))
    cleanup = BackgroundTask(lambda: (path.unlink(missing_ok=True), tmp.rmdir()))
    return FileResponse(path, filename=name, background=cleanup, content_disposition_type="attachment",
                        media_type=views.FEEDBACK_KINDS["xlsx"][1])
