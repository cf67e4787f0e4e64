"""Sessions in signed cookies and the CSRF token every form carries.

The cookie holds (user id, session epoch, CSRF token), signed with itsdangerous and timestamped:
it expires after settings.portal_session_minutes (GREENPARK_PORTAL_SESSION_MINUTES, default 480), and bumping the user's session
epoch (logout, disable, password reset) ends every open session at once. HttpOnly, SameSite=Strict,
Secure when the request came over HTTPS (the reverse proxy's X-Forwarded-Proto).
"""

from __future__ import annotations

import hmac
import os
import secrets
import tempfile
from dataclasses import dataclass

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from ..settings import Settings

SESSION_COOKIE = "gp_session"
MIN_SECRET_CHARS = 32  # a shorter signing key could be guessed, and every session forged with it
LOGIN_COOKIE = "gp_login"  # CSRF token of the login form, before there is a session


def secret_key(settings: Settings) -> str:
    """settings.portal_secret (GREENPARK_PORTAL_SECRET), or a random key kept (mode 0600) in
    <workdir>/data/portal_secret."""
    value = settings.portal_secret.get_secret_value() if settings.portal_secret else None
    if value:
        if len(value) < MIN_SECRET_CHARS:
            raise RuntimeError(f"GREENPARK_PORTAL_SECRET 不足 {MIN_SECRET_CHARS} 个字符：会话签名可被猜出")
        return value
    path = settings.workdir / "data" / "portal_secret"
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists():
        # Written whole beside the target, then linked into place: a second portal starting at the
        # same moment either wins the link or reads the complete key, never an empty file.
        fd, tmp = tempfile.mkstemp(prefix=".portal_secret-", dir=path.parent)
        try:
            with os.fdopen(fd, "w") as fh:
                fh.write(secrets.token_urlsafe(48))
            try:
                os.link(tmp, path)
            except FileExistsError:
                pass
        finally:
            os.unlink(tmp)
    key = path.read_text().strip()
    if len(key) < MIN_SECRET_CHARS:
        raise RuntimeError(f"门户签名密钥 {path} 不足 {MIN_SECRET_CHARS} 个字符：请删除该文件后重启门户")
    return key


@dataclass(frozen=True)
class Session:
    user_id: int
    epoch: int
    csrf: str


class Signer:
    def __init__(self, key: str, *, session_seconds: int):
        self.session_seconds = session_seconds  # settings.portal_session_seconds
        self._session = URLSafeTimedSerializer(key, salt="greenpark-portal-session")
        self._login = URLSafeTimedSerializer(key, salt="greenpark-portal-login")

    def session_cookie(self, user_id: int, epoch: int) -> tuple[str, Session]:
        session = Session(user_id, epoch, secrets.token_urlsafe(24))
        return self._session.dumps([session.user_id, session.epoch, session.csrf]), session

    def read_session(self, cookie: str | None) -> tuple[Session | None, bool]:
        """(session, expired): an expired cookie is told apart so the page can say so."""
        if not cookie or len(cookie) > 400:
            return None, False
        try:
            user_id, epoch, csrf = self._session.loads(cookie, max_age=self.session_seconds)
        except SignatureExpired:
            return None, True
        except (BadSignature, ValueError, TypeError):
            return None, False
        return Session(int(user_id), int(epoch), str(csrf)), False

    def login_token(self) -> tuple[str, str]:
        token = secrets.token_urlsafe(24)
        return self._login.dumps(token), token

    def read_login_token(self, cookie: str | None) -> str | None:
        if not cookie or len(cookie) > 400:
            return None
        try:
            return str(self._login.loads(cookie, max_age=3600))
        except (BadSignature, ValueError, TypeError):
            return None


def same_token(expected: str | None, given: str | None) -> bool:
    return bool(expected) and bool(given) and hmac.compare_digest(str(expected), str(given))


def cookie_options(secure: bool, max_age: int) -> dict:
    return {"httponly": True, "samesite": "strict", "secure": secure, "max_age": max_age, "path": "/"}
