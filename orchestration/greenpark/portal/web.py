"""What every route handler needs, whichever page or API it serves: the per-process Portal, who
is asking (session cookie or API token), which city they may read, rendering and the upload flow.

Route modules (pages.py, api.py, and role-specific ones such as a province console) import these
helpers and declare each route's access in app.ROUTE_ACCESS.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
from pathlib import Path

from fastapi import HTTPException, Request
from fastapi.responses import Response
from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.concurrency import run_in_threadpool

from ..intake.warehouse import STATUS_PENDING
from ..registry import City, generated_registry_csv, load_cities
from ..submission.contract import FILENAME_RE
from ..submission.findings import SEVERITY_ZH
from ..settings import Settings
from . import accounts, views
from .accounts import User
from .door import Door, Upload, WarehouseBusy, display_name, extension_of, received_text
from .receive import MultipartReceiver, UploadRefused, boundary_of
from .sessions import SESSION_COOKIE, Signer, same_token, secret_key
from .store import open_store

HERE = Path(__file__).parent
API = "/api/v1"
MULTIPART_OVERHEAD = 64 * 1024  # form fields and part headers around the file
PAGE_FINDINGS = 1000  # findings listed in a page; the package has them all
log = logging.getLogger("greenpark.portal")


class LoginRequired(Exception):
    def __init__(self, expired: bool):
        self.expired = expired


class Portal:
    """Everything a request needs, built once per process (app.state.portal)."""

    def __init__(self, settings: Settings):
        self.settings = settings
        self.store = open_store(settings)
        self.signer = Signer(secret_key(settings), session_seconds=settings.portal_session_seconds)
        self.door = Door(settings, self.store)
        self.versions = views.VersionsView(settings)
        self.templates = Environment(loader=FileSystemLoader(HERE / "templates"),
                                     autoescape=select_autoescape(default=True, default_for_string=True))
        self._cities: tuple[tuple, list[City]] = ((), [])
        self.templates.globals.update(severity_zh=SEVERITY_ZH, status_class=views.STATUS_CLASS,
                                      status_text=views.STATUS_TEXT, pending_status=STATUS_PENDING,
                                      demo=settings.demo_data)

    def snapshot(self) -> views.Snapshot:
        return self.versions.snapshot(self.door.warehouse_lock)

    def today(self) -> dt.date:
        """Read per request: the portal runs for months, settings.today is fixed per Settings."""
        return self.settings.current_date()

    def cities(self) -> list[City]:
        """The cities (sources/cities.yaml over the park registry), read again only when one of
        those files changed: a page asks for city names in every heading, row and form."""
        files = (self.settings.cities_yaml, self.settings.park_registry_csv, generated_registry_csv(self.settings))
        key = tuple((st.st_mtime_ns, st.st_size) if (st := _stat(p)) else None for p in files)
        cached_key, cities = self._cities
        if key != cached_key:
            cities = load_cities(self.settings)
            self._cities = (key, cities)
        return cities

    def city_names(self) -> dict[str, str]:
        return {c.code: c.name for c in self.cities()}

    def city(self, code: str) -> City | None:
        return next((c for c in self.cities() if c.code == code), None)

    def city_name(self, code: str | None) -> str:
        return self.city_names().get(code or "", code or "")


def _stat(path: Path) -> os.stat_result | None:
    try:
        return path.stat()
    except FileNotFoundError:
        return None


def portal_of(request: Request) -> Portal:
    return request.app.state.portal


def remote(request: Request) -> str | None:
    return request.client.host if request.client else None


def render(request: Request, name: str, status: int = 200, **ctx) -> Response:
    portal = portal_of(request)
    user: User | None = getattr(request.state, "user", None)
    html = portal.templates.get_template(name).render(
        user=user, csrf=getattr(request.state, "csrf", ""), city_name=portal.city_name, path=request.url.path,
        user_city_name=portal.city_name(user.city_code) if user else "", **ctx)
    return Response(html, status_code=status, media_type="text/html; charset=utf-8")


# --- who is asking -----------------------------------------------------------------------------
def session_user(request: Request) -> User:
    """The logged-in person, or LoginRequired (answered with a redirect to the login page)."""
    portal = portal_of(request)
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
    user = accounts.user_for_token(portal_of(request).store, token.strip()) if scheme.lower() == "bearer" else None
    if user is None:
        raise HTTPException(401, "缺少或无效的 API 令牌(Authorization: Bearer <令牌>)",
                            headers={"WWW-Authenticate": "Bearer"})
    request.state.user = user
    return user


# --- what they may read ------------------------------------------------------------------------
def scope(portal: Portal, user: User, city: str | None) -> str:
    """The city a request reads: a city user's own; a province user's choice."""
    if user.is_province:
        if not city:
            raise HTTPException(400, "请选择城市")
        if city not in portal.city_names():
            raise HTTPException(404, "没有这个城市")
        return city
    if city and city != user.city_code:
        raise HTTPException(403, "只能查看本市的报送")
    return user.city_code


def readable_version(portal: Portal, user: User, version_id: str) -> tuple[dict | None, Upload | None, str]:
    """The version (warehouse row and/or this portal's upload record) if the user may read it;
    another city's version is answered exactly like a missing one (404)."""
    row = views.version_row(portal.snapshot(), version_id)
    upload = portal.door.upload_for_version(version_id)
    city = (row or {}).get("city_code") or (upload.city_code if upload else None)
    if city is None or not user.may_read(city):
        raise HTTPException(404, "没有这个报送版本")
    return row, upload, city


def payload_of(portal: Portal, upload: Upload | None, city: str, version_id: str) -> dict | None:
    """The feedback document: the outbox's (a run's rewrite wins), else the portal's own."""
    return views.outbox_payload(portal.settings.outbox_dir, city, version_id) or (upload.payload if upload else None)


def city_context(portal: Portal, city: str) -> dict:
    snap = portal.snapshot()
    return {"city": city, "versions": views.city_versions(snap, city, portal.door.statuses(city)),
            "queued": portal.door.queued_uploads(city), "stale": snap.stale,
            "snapshot_at": received_text(snap.read_at) if snap.read_at else None}


# --- the upload flow shared by the page and the API --------------------------------------------
def _period_of(portal: Portal, fields: dict, filename: str) -> tuple[int, int]:
    match = FILENAME_RE.match(display_name(filename))
    try:
        year = int(fields.get("year") or (match["year"] if match else 0))
        quarter = int(fields.get("quarter") or (match["quarter"] if match else 0))
    except ValueError:
        year = quarter = 0
    if not (2000 <= year <= portal.today().year + 1) or quarter not in (1, 2, 3, 4):
        raise UploadRefused("请选择报送年份和季度(或使用“城市代码_年份Q季度”格式的文件名)", 422)
    return year, quarter


async def receive_upload(request: Request, user: User, csrf: str | None) -> Upload:
    """Stream the body to disk under the guard limit, then archive it (the acknowledgement point).
    `csrf`: the session's token the form must carry before its file (None for the token API)."""
    portal = portal_of(request)
    if not user.may_upload(user.city_code):
        raise UploadRefused("省级用户只读,不能上传", 403)
    city = portal.city(user.city_code)
    if city is None:
        raise UploadRefused("本账号的城市不在名录中", 403)
    limit = portal.settings.file_limits.max_file_bytes
    too_big = f"文件超过上限 {limit / 1048576:.0f} MB,未予接收"
    length = request.headers.get("content-length")
    if length is not None and (not length.isdigit() or int(length) > limit + MULTIPART_OVERHEAD):
        raise UploadRefused(too_big, 413)
    receiver = MultipartReceiver(boundary_of(request.headers.get("content-type")), portal.door.staging_dir(city), limit)
    stale_form = "表单已失效(缺少或错误的 CSRF 令牌),请刷新页面后重试"
    total = 0
    try:
        async for chunk in request.stream():
            total += len(chunk)
            if total > limit + MULTIPART_OVERHEAD:
                raise UploadRefused(too_big, 413)
            receiver.feed(chunk)
            if csrf is not None and receiver.path is not None and not same_token(csrf, receiver.fields.get("csrf")):
                raise UploadRefused(stale_form, 403)
        receiver.finish()
        if csrf is not None and not same_token(csrf, receiver.fields.get("csrf")):
            raise UploadRefused(stale_form, 403)
        if extension_of(receiver.filename or "") is None:
            raise UploadRefused("只接受 .xlsx、.xls、.ods 工作簿", 415)
        year, quarter = _period_of(portal, receiver.fields, receiver.filename or "")
        return await run_in_threadpool(
            portal.door.accept, user_name=user.name, city=city, year=year, quarter=quarter,
            original_name=receiver.filename or "", part=receiver.path, sha256=receiver.sha256, size=receiver.size)
    except BaseException:
        receiver.discard()
        raise


async def check(portal: Portal, upload: Upload) -> Upload:
    """Register and run the rules; a run holding the warehouse leaves the upload queued."""
    try:
        return await run_in_threadpool(portal.door.check, upload)
    except WarehouseBusy:
        return upload
    except Exception:  # never a crash for the clerk: the bytes are archived, the run processes them
        log.exception("门户:上传 %s 审核出错,留待流水线处理", upload.id)
        portal.door.failed.add(upload.id)
        return upload


def upload_form(portal: Portal) -> dict:
    year, quarter = views.due_quarter(portal.today())
    return {"default_year": year, "default_quarter": quarter,
            "years": list(range(portal.today().year, portal.today().year - 4, -1)),
            "max_mb": portal.settings.max_file_mb}


def feedback_response(request: Request, user: User, version_id: str, kind: str, action: str) -> Response:
    """A version's feedback file (json / html / xlsx) as a download, audited."""
    from fastapi.responses import FileResponse

    portal = portal_of(request)
    _, _, city = readable_version(portal, user, version_id)
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
