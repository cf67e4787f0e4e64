"""The portal's web application: pages for people (session cookie + CSRF, pages.py) and a JSON
API for a city's own systems (Bearer token, api.py), over the same door (door.py) and the same
read side (views.py); shared request helpers are in web.py.

Every route is listed in ROUTE_ACCESS with who may use it; the authorization tests enumerate the
app's route table against it, so a route added without an access rule fails the tests. The province
console (console.py) is one more router and its templates, for the province role only.
"""

from __future__ import annotations

from contextlib import asynccontextmanager

from fastapi import FastAPI, HTTPException, Request
from fastapi.responses import JSONResponse, RedirectResponse
from fastapi.staticfiles import StaticFiles

from ..settings import Settings, get_settings
from . import accounts, api, console, pages
from .receive import UploadRefused
from .sessions import SESSION_COOKIE
from .web import API, HERE, LoginRequired, Portal, remote, render, upload_form

# Who may use each route: "public", "session" (a logged-in person; city or province), "province"
# (the province console: province users only, 403 for a city user) or "token" (an API token).
# City scoping is checked inside each handler; the tests check both.
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
    ("GET", "/console"): "province",
    ("GET", "/console/grid.xlsx"): "province",
    ("GET", "/console/cells/{city}/{year}/{quarter}"): "province",
    ("GET", "/console/trends"): "province",
    ("GET", "/console/reminders"): "province",
    ("POST", "/console/reminders"): "province",
    ("GET", "/console/reminders/{city}/{name}"): "province",
    ("GET", "/console/decisions"): "province",
    ("POST", "/console/decisions"): "province",
    ("POST", f"{API}/submissions"): "token",
    ("GET", f"{API}/submissions"): "token",
    ("GET", f"{API}/uploads/{{upload_id}}"): "token",
    ("GET", f"{API}/submissions/{{version_id}}/feedback.{{kind}}"): "token",
}
CSP = ("default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; frame-ancestors 'none'; "
       "form-action 'self'")


def create_app(settings: Settings | None = None, *, warm: bool = True) -> FastAPI:
    """`warm`: load the rules (GX) in the background at start (off only in tests whose uploads never need GX)."""
    portal = Portal(settings or get_settings())

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
    app.include_router(pages.router)
    app.include_router(console.router)
    app.include_router(api.router)

    @app.middleware("http")
    async def security_headers(request: Request, call_next):
        response = await call_next(request)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault("Content-Security-Policy", CSP)
        if not request.url.path.startswith("/static"):
            response.headers.setdefault("Cache-Control", "no-store")
        return response

    @app.exception_handler(LoginRequired)
    async def login_required(request: Request, exc: LoginRequired):
        response = RedirectResponse("/login?expired=1" if exc.expired else "/login", status_code=303)
        response.delete_cookie(SESSION_COOKIE, path="/")
        return response

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, exc: HTTPException):
        if request.url.path.startswith((API, "/static")):
            return JSONResponse({"detail": exc.detail}, status_code=exc.status_code, headers=exc.headers)
        return render(request, "error.html", status=exc.status_code, message=exc.detail, code=exc.status_code)

    @app.exception_handler(UploadRefused)
    async def upload_refused(request: Request, exc: UploadRefused):
        user = getattr(request.state, "user", None)
        accounts.audit(portal.store, user.name if user else None, "upload", None, f"refused:{exc.status}", remote(request))
        headers = {"Connection": "close"}  # the rest of the body is not read
        if request.url.path.startswith(API):
            return JSONResponse({"detail": str(exc)}, status_code=exc.status, headers=headers)
        response = render(request, "upload.html", status=exc.status, error=str(exc), **upload_form(portal))
        response.headers.update(headers)
        return response

    return app
