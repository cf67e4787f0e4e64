"""The portal's web application: pages for people (session cookie + CSRF) and a JSON API for a
city's own systems (Bearer token), over the same door (door.py) and the same read side (views.py).

Every route is listed in ROUTE_ACCESS with who may use it; the authorization tests enumerate the
app's route table against it, so a route added without an access rule fails the tests. Role-
specific pages (the province console of a later issue) add their routes and templates beside these.
"""

from __future__ import annotations

import datetime as dt
import tempfile
import time
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Literal

import pandas as pd
from fastapi import FastAPI, HTTPException, Request
from fastapi.responses import FileResponse, JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.background import BackgroundTask
from starlette.concurrency import run_in_threadpool

from ..contract import FILENAME_RE, submission_filename
from ..intake import guards
from ..quality.findings import SEVERITY_ZH
from ..registry import city_names, load_parks
from ..settings import Settings, get_settings
from . import accounts, views
from .accounts import User
from .door import Door, Upload, WarehouseBusy, display_name, extension_of, received_text
from .receive import MultipartReceiver, UploadRefused, boundary_of
from .sessions import (
    LOGIN_COOKIE,
    SESSION_COOKIE,
    Signer,
    cookie_options,
    same_token,
    secret_key,
    session_seconds,
)
from .store import open_store

HERE = Path(__file__).parent
API = "/api/v1"
MULTIPART_OVERHEAD = 64 * 1024  # form fields and part headers around the file
PAGE_FINDINGS = 1000  # findings listed in the page; the package has them all

# Who may use each route: "public", "session" (a logged-in person; city or province) or "token"
# (an API token). City scoping is checked inside each handler; the tests check both.
ROUTE_ACCESS = {
    ("GET", "/login"): "public",
    ("POST", "/login"): "public",
    ("GET", f"{API}/openapi.json"): "public",
    ("GET", "/static"): "public",
    ("POST", "/logout"): "session",
    ("GET", "/"): "session",
    ("GET", "/upload"): "session",
    ("POST", "/upload"): "session",
    ("GET", "/uploads/{upload_id}"): "session",
    ("GET", "/submissions/{version_id}"): "session",
    ("GET", "/submissions/{version_id}/feedback.{kind}"): "session",
    ("GET", "/history"): "session",
    ("GET", "/grid"): "session",
    ("GET", "/deadlines"): "session",
    ("GET", "/template"): "session",
    ("POST", f"{API}/submissions"): "token",
    ("GET", f"{API}/submissions"): "token",
    ("GET", f"{API}/uploads/{{upload_id}}"): "token",
    ("GET", f"{API}/submissions/{{version_id}}/feedback.{{kind}}"): "token",
}


class LoginRequired(Exception):
    def __init__(self, expired: bool):
        self.expired = expired


class Portal:
    """Everything a request needs, built once per process."""

    def __init__(self, settings: Settings):
        self.settings = settings
        self.store = open_store(settings)
        self.signer = Signer(secret_key(settings))
        self.door = Door(settings, self.store)
        self.versions = views.VersionsView(settings)
        self.templates = Environment(loader=FileSystemLoader(HERE / "templates"),
                                     autoescape=select_autoescape(default=True, default_for_string=True))
        self.templates.globals.update(severity_zh=SEVERITY_ZH, status_class=views.STATUS_CLASS,
                                      demo=settings.demo_data)

    def snapshot(self) -> views.Snapshot:
        return self.versions.snapshot(self.door._warehouse_lock)

    def today(self) -> dt.date:
        """Read per request: the portal runs for months, settings.today is fixed per Settings."""
        return Settings(repo_root=self.settings.repo_root, workdir=self.settings.workdir).today

    def city_name(self, code: str | None) -> str:
        return city_names(self.settings).get(code or "", code or "")


def create_app(settings: Settings | None = None, *, warm: bool = True) -> FastAPI:
    settings = settings or get_settings()
    portal = Portal(settings)

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        portal.door.start(warm=warm)
        yield
        portal.door.stop()

    app = FastAPI(title="greenpark 报送门户 API", version="1", lifespan=lifespan, docs_url=None, redoc_url=None,
                  openapi_url=f"{API}/openapi.json",
                  description="城市报送系统对接用:上传季度工作簿、查询版本、下载审核反馈(示例数据)。")
    app.state.portal = portal
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")

    @app.middleware("http")
    async def security_headers(request: Request, call_next):
        response = await call_next(request)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; "
                                    "style-src 'self'; script-src 'self'; frame-ancestors 'none'; form-action 'self'")
        if not request.url.path.startswith("/static"):
            response.headers.setdefault("Cache-Control", "no-store")
        return response

    # --- helpers --------------------------------------------------------------------------------
    def remote(request: Request) -> str | None:
        return request.client.host if request.client else None

    def render(request: Request, name: str, status: int = 200, **ctx) -> Response:
        user: User | None = getattr(request.state, "user", None)
        html = portal.templates.get_template(name).render(
            user=user, csrf=getattr(request.state, "csrf", ""), city_name=portal.city_name, path=request.url.path,
            user_city_name=portal.city_name(user.city_code) if user else "", **ctx)
        return Response(html, status_code=status, media_type="text/html; charset=utf-8")

    def session_user(request: Request) -> User:
        session, expired = portal.signer.read_session(request.cookies.get(SESSION_COOKIE))
        user = accounts.user_by_id(portal.store, session.user_id) if session else None
        if user is None or user.disabled or user.session_epoch != session.epoch:
            raise LoginRequired(expired)
        request.state.user, request.state.csrf = user, session.csrf
        return user

    def require_csrf(request: Request, given: str | None) -> None:
        if not same_token(getattr(request.state, "csrf", None), given):
            raise HTTPException(403, "表单已失效(缺少或错误的 CSRF 令牌),请刷新页面后重试")

    def token_user(request: Request) -> User:
        header = request.headers.get("authorization", "")
        scheme, _, token = header.partition(" ")
        user = accounts.user_for_token(portal.store, token.strip()) if scheme.lower() == "bearer" else None
        if user is None:
            raise HTTPException(401, "缺少或无效的 API 令牌(Authorization: Bearer <令牌>)",
                                headers={"WWW-Authenticate": "Bearer"})
        request.state.user = user
        return user

    def scope(user: User, city: str | None) -> str:
        """The city a request reads: a city user's own; a province user's choice."""
        if user.is_province:
            if not city:
                raise HTTPException(400, "请选择城市")
            if city not in city_names(portal.settings):
                raise HTTPException(404, "没有这个城市")
            return city
        if city and city != user.city_code:
            raise HTTPException(403, "只能查看本市的报送")
        return user.city_code

    def readable_version(user: User, version_id: str) -> tuple[dict | None, Upload | None, str]:
        """The version (warehouse row and/or this portal's upload record) if the user may read it;
        another city's version is answered exactly like a missing one (404)."""
        row = views.version_row(portal.snapshot(), version_id)
        upload = portal.door.upload_for_version(version_id)
        city = (row or {}).get("city_code") or (upload.city_code if upload else None)
        if city is None or not user.may_read(city):
            raise HTTPException(404, "没有这个报送版本")
        return row, upload, city

    def payload_of(upload: Upload | None, city: str, version_id: str) -> dict | None:
        """The feedback document: the outbox's (a run's rewrite wins), else the portal's own."""
        return views.outbox_payload(portal.settings.outbox_dir, city, version_id) or (upload.payload if upload else None)

    def feedback_response(user: User, version_id: str, kind: str, request: Request, action: str) -> Response:
        _, _, city = readable_version(user, version_id)
        portal.door.package_ready(version_id)
        path = views.feedback_file(portal.settings.outbox_dir, city, version_id, kind)
        if not path.exists():
            accounts.audit(portal.store, user.name, action, f"{version_id}.{kind}", "not_found", remote(request))
            detail = "该版本未发现问题,没有标注工作簿" if kind == "xlsx" else "反馈包尚未生成,请稍后再试"
            raise HTTPException(404, detail)
        accounts.audit(portal.store, user.name, action, f"{version_id}.{kind}", "ok", remote(request))
        name = f"{version_id}_标注.xlsx" if kind == "xlsx" else f"{version_id}_审核结果.{kind}"
        return FileResponse(path, media_type=views.FEEDBACK_KINDS[kind][1], filename=name,
                            content_disposition_type="attachment")

    def period_of(fields: dict, filename: str) -> tuple[int, int]:
        match = FILENAME_RE.match(display_name(filename))
        try:
            year = int(fields.get("year") or (match["year"] if match else 0))
            quarter = int(fields.get("quarter") or (match["quarter"] if match else 0))
        except ValueError:
            year = quarter = 0
        today = portal.today()
        if not (2000 <= year <= today.year + 1) or quarter not in (1, 2, 3, 4):
            raise UploadRefused("请选择报送年份和季度(或使用“城市代码_年份Q季度”格式的文件名)", 422)
        return year, quarter

    async def receive_upload(request: Request, user: User, csrf: str | None) -> Upload:
        """Stream the body to disk under the guard limit, then archive it (the acknowledgement point)."""
        if not user.may_upload(user.city_code):
            raise UploadRefused("省级用户只读,不能上传", 403)
        city = portal.door.city(user.city_code)
        if city is None:
            raise UploadRefused("本账号的城市不在名录中", 403)
        limit = guards.max_file_bytes()
        length = request.headers.get("content-length")
        if length is not None and (not length.isdigit() or int(length) > limit + MULTIPART_OVERHEAD):
            raise UploadRefused(f"文件超过上限 {limit / 1048576:.0f} MB,未予接收", 413)
        receiver = MultipartReceiver(boundary_of(request.headers.get("content-type")), portal.door.staging_dir(city),
                                     limit)
        total = 0
        try:
            async for chunk in request.stream():
                total += len(chunk)
                if total > limit + MULTIPART_OVERHEAD:
                    raise UploadRefused(f"文件超过上限 {limit / 1048576:.0f} MB,未予接收", 413)
                receiver.feed(chunk)
                if csrf is not None and receiver.path is not None and not same_token(csrf, receiver.fields.get("csrf")):
                    raise UploadRefused("表单已失效(缺少或错误的 CSRF 令牌),请刷新页面后重试", 403)
            receiver.finish()
            if csrf is not None and not same_token(csrf, receiver.fields.get("csrf")):
                raise UploadRefused("表单已失效(缺少或错误的 CSRF 令牌),请刷新页面后重试", 403)
            if extension_of(receiver.filename or "") is None:
                raise UploadRefused("只接受 .xlsx、.xls、.ods 工作簿", 415)
            year, quarter = period_of(receiver.fields, receiver.filename or "")
            return await run_in_threadpool(
                portal.door.accept, user_name=user.name, city=city, year=year, quarter=quarter,
                original_name=receiver.filename or "", part=receiver.path, sha256=receiver.sha256, size=receiver.size)
        except BaseException:
            receiver.discard()
            raise

    async def check(upload: Upload) -> Upload:
        try:
            return await run_in_threadpool(portal.door.check, upload)
        except WarehouseBusy:
            return upload

    # --- error pages ----------------------------------------------------------------------------
    @app.exception_handler(LoginRequired)
    async def login_required(request: Request, exc: LoginRequired):
        if request.url.path.startswith(API):
            return JSONResponse({"detail": "需要 API 令牌"}, status_code=401)
        response = RedirectResponse("/login?expired=1" if exc.expired else "/login", status_code=303)
        response.delete_cookie(SESSION_COOKIE, path="/")
        return response

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, exc: HTTPException):
        if request.url.path.startswith(API) or request.url.path.startswith("/static"):
            return JSONResponse({"detail": exc.detail}, status_code=exc.status_code, headers=exc.headers)
        return render(request, "error.html", status=exc.status_code, message=exc.detail, code=exc.status_code)

    @app.exception_handler(UploadRefused)
    async def upload_refused(request: Request, exc: UploadRefused):
        user = getattr(request.state, "user", None)
        accounts.audit(portal.store, user.name if user else None, "upload", None, f"refused:{exc.status}", remote(request))
        headers = {"Connection": "close"}
        if request.url.path.startswith(API):
            return JSONResponse({"detail": str(exc)}, status_code=exc.status, headers=headers)
        response = render(request, "upload.html", status=exc.status, error=str(exc), **upload_form(user))
        response.headers.update(headers)
        return response

    # --- login and logout -----------------------------------------------------------------------
    def login_page(request: Request, status: int = 200, error: str | None = None) -> Response:
        cookie, token = portal.signer.login_token()
        notice = "登录已过期,请重新登录。" if request.query_params.get("expired") else None
        response = render(request, "login.html", status=status, login_csrf=token, error=error, notice=notice)
        response.set_cookie(LOGIN_COOKIE, cookie, **cookie_options(request.url.scheme == "https", 3600))
        return response

    @app.get("/login", include_in_schema=False)
    def login_form(request: Request):
        return login_page(request)

    @app.post("/login", include_in_schema=False)
    async def login(request: Request):
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
        response.set_cookie(SESSION_COOKIE, cookie, **cookie_options(request.url.scheme == "https", session_seconds()))
        response.delete_cookie(LOGIN_COOKIE, path="/")
        return response

    @app.post("/logout", include_in_schema=False)
    async def logout(request: Request):
        user = session_user(request)
        form = await request.form(max_files=0, max_fields=5, max_part_size=4096)
        require_csrf(request, form.get("csrf"))
        accounts.end_sessions(portal.store, user)
        accounts.audit(portal.store, user.name, "logout", None, "ok", remote(request))
        response = RedirectResponse("/login", status_code=303)
        response.delete_cookie(SESSION_COOKIE, path="/")
        return response

    # --- pages ----------------------------------------------------------------------------------
    def city_context(user: User, city: str) -> dict:
        snap = portal.snapshot()
        versions = views.city_versions(snap, city, portal.door.statuses(city))
        queued = portal.door.queued_uploads(city)
        return {"city": city, "versions": versions, "queued": queued, "stale": snap.stale,
                "snapshot_at": received_text(snap.read_at) if snap.read_at else None}

    @app.get("/", include_in_schema=False)
    def home(request: Request, city: str | None = None):
        user = session_user(request)
        if user.is_province and not city:
            snap = portal.snapshot()
            cities = []
            for code, name in sorted(city_names(portal.settings).items()):
                mine = views.city_versions(snap, code, portal.door.statuses(code))
                latest = mine.iloc[0].to_dict() if len(mine) else None
                cities.append({"code": code, "name": name, "latest": latest, "n": len(mine)})
            return render(request, "province.html", cities=cities, stale=snap.stale)
        city = scope(user, city)
        ctx = city_context(user, city)
        latest = ctx["versions"].iloc[0].to_dict() if len(ctx["versions"]) else None
        payload = upload = None
        if latest:
            upload = portal.door.upload_for_version(latest["version_id"])
            payload = payload_of(upload, city, latest["version_id"])
        return render(request, "dashboard.html", latest=latest, payload=payload, limit=PAGE_FINDINGS,
                      deadlines=views.deadlines(ctx["versions"], portal.today())[:2], **ctx)

    def upload_form(user: User | None) -> dict:
        year, quarter = views.due_quarter(portal.today())
        return {"default_year": year, "default_quarter": quarter,
                "years": list(range(portal.today().year, portal.today().year - 4, -1)),
                "max_mb": guards.max_file_bytes() // 1048576}

    @app.get("/upload", include_in_schema=False)
    def upload_page(request: Request):
        user = session_user(request)
        if user.is_province:
            raise HTTPException(403, "省级用户只读,不能上传")
        return render(request, "upload.html", **upload_form(user))

    @app.post("/upload", include_in_schema=False)
    async def upload(request: Request):
        user = session_user(request)
        started = time.perf_counter()
        accepted = await receive_upload(request, user, csrf=request.state.csrf)
        archived = time.perf_counter()
        accounts.audit(portal.store, user.name, "upload", f"{accepted.drop_name} sha256:{accepted.sha256[:12]}",
                       "archived", remote(request))
        checked = await check(accepted)
        target = f"/submissions/{checked.version_id}" if not checked.queued else f"/uploads/{checked.id}"
        # Where the seconds went (browser dev tools and bench/portal.py read it).
        timing = f"archive;dur={(archived - started) * 1000:.0f}, rules;dur={(time.perf_counter() - archived) * 1000:.0f}"
        return RedirectResponse(target, status_code=303, headers={"Server-Timing": timing})

    @app.get("/uploads/{upload_id}", include_in_schema=False)
    def queued_page(request: Request, upload_id: int):
        user = session_user(request)
        upload = portal.door.upload(upload_id)
        if upload is None or not user.may_read(upload.city_code):
            raise HTTPException(404, "没有这次上传")
        if not upload.queued:
            return RedirectResponse(f"/submissions/{upload.version_id}", status_code=303)
        return render(request, "queued.html", upload=upload, received=received_text(upload.received_at))

    @app.get("/submissions/{version_id}", include_in_schema=False)
    def submission_page(request: Request, version_id: str):
        user = session_user(request)
        row, upload, city = readable_version(user, version_id)
        payload = payload_of(upload, city, version_id)
        xlsx = views.feedback_file(portal.settings.outbox_dir, city, version_id, "xlsx")
        return render(request, "submission.html", version_id=version_id, row=row, payload=payload, city=city,
                      limit=PAGE_FINDINGS, has_findings=bool(payload and payload["findings"]),
                      xlsx_ready=xlsx.exists(), pending=(row or {}).get("status") == "待处理")

    @app.get("/submissions/{version_id}/feedback.{kind}", include_in_schema=False)
    def page_feedback(request: Request, version_id: str, kind: Literal["json", "html", "xlsx"]):
        user = session_user(request)
        return feedback_response(user, version_id, kind, request, "download")

    @app.get("/history", include_in_schema=False)
    def history(request: Request, city: str | None = None):
        user = session_user(request)
        city = scope(user, city)
        return render(request, "history.html", **city_context(user, city))

    @app.get("/grid", include_in_schema=False)
    def grid_page(request: Request, city: str | None = None):
        user = session_user(request)
        city = scope(user, city)
        ctx = city_context(user, city)
        today = portal.today()
        rows = views.grid(ctx["versions"], views.grid_years(ctx["versions"], today), today)
        return render(request, "grid.html", grid=rows, **ctx)

    @app.get("/deadlines", include_in_schema=False)
    def deadlines_page(request: Request, city: str | None = None):
        user = session_user(request)
        city = scope(user, city)
        ctx = city_context(user, city)
        return render(request, "deadlines.html", today=portal.today(),
                      deadlines=views.deadlines(ctx["versions"], portal.today()),
                      reminders=views.reminders(portal.settings.outbox_dir, city), **ctx)

    @app.get("/template", include_in_schema=False)
    def template(request: Request, year: int | None = None, quarter: int | None = None, city: str | None = None):
        user = session_user(request)
        city = scope(user, city)
        default = views.due_quarter(portal.today())
        year, quarter = year or default[0], quarter or default[1]
        if not (2000 <= year <= portal.today().year + 1) or quarter not in (1, 2, 3, 4):
            raise HTTPException(422, "年份或季度不正确")
        from ..demo.template import write_template

        tmp = Path(tempfile.mkdtemp(prefix="greenpark-template-"))
        name = submission_filename(city, year, quarter)
        path = write_template(tmp / name, city, year, quarter, load_parks(portal.settings))
        accounts.audit(portal.store, user.name, "download", f"template {name}", "ok", remote(request))
        cleanup = BackgroundTask(lambda: (path.unlink(missing_ok=True), tmp.rmdir()))
        return FileResponse(path, filename=name, background=cleanup, content_disposition_type="attachment",
                            media_type=views.FEEDBACK_KINDS["xlsx"][1])

    # --- JSON API -------------------------------------------------------------------------------
    @app.post(f"{API}/submissions", status_code=201, summary="上传一个季度工作簿",
              responses={201: {"description": "已归档并完成审核:版本号与 `greenpark validate --json` 相同的 JSON"},
                         202: {"description": "已归档,数据仓库正被流水线占用,审核排队中"},
                         401: {"description": "缺少或无效的令牌"}, 413: {"description": "文件超过上限"}},
              openapi_extra={"requestBody": {"required": True, "content": {"multipart/form-data": {"schema": {
                  "type": "object", "required": ["file"], "properties": {
                      "file": {"type": "string", "format": "binary"},
                      "year": {"type": "integer"}, "quarter": {"type": "integer", "minimum": 1, "maximum": 4}}}}}}})
    async def api_upload(request: Request):
        user = token_user(request)
        accepted = await receive_upload(request, user, csrf=None)
        accounts.audit(portal.store, user.name, "api_upload", f"{accepted.drop_name} sha256:{accepted.sha256[:12]}",
                       "archived", remote(request))
        checked = await check(accepted)
        if checked.queued:
            return JSONResponse({"upload_id": checked.id, "status": "排队中",
                                 "poll": f"{API}/uploads/{checked.id}"}, status_code=202)
        return JSONResponse({"version_id": checked.version_id, "upload_id": checked.id, **checked.payload},
                            status_code=201)

    @app.get(f"{API}/uploads/{{upload_id}}", summary="排队中的上传:审核完成后给出版本号与反馈")
    def api_upload_status(request: Request, upload_id: int):
        user = token_user(request)
        upload = portal.door.upload(upload_id)
        if upload is None or not user.may_read(upload.city_code):
            raise HTTPException(404, "没有这次上传")
        if upload.queued:
            return JSONResponse({"upload_id": upload.id, "status": "排队中"}, status_code=202)
        return {"version_id": upload.version_id, "upload_id": upload.id, **upload.payload}

    @app.get(f"{API}/submissions", summary="本市的报送版本")
    def api_list(request: Request, city: str | None = None):
        user = token_user(request)
        city = scope(user, city)
        versions = views.city_versions(portal.snapshot(), city, portal.door.statuses(city))
        records = []
        for v in versions.drop(columns="shown").to_dict(orient="records"):
            records.append({k: (None if pd.isna(val) else (val.isoformat() if isinstance(val, (pd.Timestamp, dt.datetime))
                                                            else (bool(val) if k == "in_force" else val)))
                            for k, val in v.items() if k != "archive_path"})
        return {"city_code": city, "versions": records}

    @app.get(f"{API}/submissions/{{version_id}}/feedback.{{kind}}", summary="一个版本的审核反馈(json / html / xlsx)")
    def api_feedback(request: Request, version_id: str, kind: Literal["json", "html", "xlsx"]):
        user = token_user(request)
        return feedback_response(user, version_id, kind, request, "api_download")

    return app
