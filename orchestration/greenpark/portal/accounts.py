"""Who may use the portal: users (argon2 password hashes), API tokens (stored as SHA-256 only),
the login throttle and the audit trail of every login, upload and download.

A user is either a city bureau (sees and touches only its own city) or the province (reads every
city). API tokens are 256-bit random strings, so a fast SHA-256 digest is enough to store them
(argon2's deliberate slowness protects guessable passwords; it would only make every API call cost
tens of milliseconds).
"""

from __future__ import annotations

import hashlib
import re
import secrets
import sqlite3
import time
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from .store import Store

ROLE_CITY, ROLE_PROVINCE = "city", "province"
TOKEN_PREFIX = "gpk_"
NAME_RE = re.compile(r"^[A-Za-z0-9_.\-]{2,64}$")
MIN_PASSWORD = 10
# Login throttle: this many failures for one account or one address within the window lock it
# (for the rest of the window); the password is then not even checked.
THROTTLE_FAILURES = 5
THROTTLE_WINDOW_S = 15 * 60

_hasher = PasswordHasher()
# Verifying against this keeps an unknown user name as slow as a wrong password.
_DUMMY_HASH = _hasher.hash("greenpark-no-such-user")


class AccountError(ValueError):
    """A refused account operation, with a message for the operator (Chinese)."""


@dataclass(frozen=True)
class User:
    id: int
    name: str
    role: str
    city_code: str | None
    disabled: bool
    session_epoch: int

    @property
    def is_province(self) -> bool:
        return self.role == ROLE_PROVINCE

    def may_read(self, city_code: str | None) -> bool:
        return self.is_province or (city_code is not None and city_code == self.city_code)

    def may_upload(self, city_code: str | None) -> bool:
        return not self.is_province and city_code is not None and city_code == self.city_code


def _user(row: sqlite3.Row | None) -> User | None:
    if row is None:
        return None
    return User(row["id"], row["name"], row["role"], row["city_code"], bool(row["disabled"]), row["session_epoch"])


def generate_password() -> str:
    return secrets.token_urlsafe(12)


def _check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise AccountError(f"密码至少 {MIN_PASSWORD} 个字符")


def add_user(store: Store, name: str, password: str, *, city_code: str | None, province: bool) -> User:
    if not NAME_RE.match(name):
        raise AccountError("用户名只能由 2–64 个英文字母、数字、下划线、点或连字符组成")
    if province == bool(city_code):
        raise AccountError("请二选一:--city 城市代码(市级用户)或 --province(省级用户)")
    _check_password(password)
    role = ROLE_PROVINCE if province else ROLE_CITY
    with store.connect() as con:
        try:
            con.execute("INSERT INTO users (name, role, city_code, password_hash) VALUES (?, ?, ?, ?)",
                        [name, role, city_code, _hasher.hash(password)])
        except sqlite3.IntegrityError:
            raise AccountError(f"用户 {name} 已存在") from None
    return get_user(store, name)


def get_user(store: Store, name: str) -> User | None:
    with store.connect() as con:
        return _user(con.execute("SELECT * FROM users WHERE name = ?", [name]).fetchone())


def user_by_id(store: Store, user_id: int) -> User | None:
    with store.connect() as con:
        return _user(con.execute("SELECT * FROM users WHERE id = ?", [user_id]).fetchone())


def list_users(store: Store) -> list[dict]:
    with store.connect() as con:
        rows = con.execute(
            """SELECT u.name, u.role, u.city_code, u.disabled, u.created_at,
                      (SELECT count(*) FROM api_tokens t WHERE t.user_id = u.id AND t.revoked_at IS NULL) AS tokens
               FROM users u ORDER BY u.name"""
        ).fetchall()
    return [dict(r) | {"disabled": bool(r["disabled"])} for r in rows]


def _require(store: Store, name: str) -> User:
    user = get_user(store, name)
    if user is None:
        raise AccountError(f"没有用户 {name}")
    return user


def disable_user(store: Store, name: str) -> None:
    """Disabled: cannot log in, every session and API token stops working at once."""
    user = _require(store, name)
    with store.connect() as con:
        con.execute("UPDATE users SET disabled = 1, session_epoch = session_epoch + 1 WHERE id = ?", [user.id])
        con.execute("UPDATE api_tokens SET revoked_at = strftime('%Y-%m-%dT%H:%M:%SZ', 'now') "
                    "WHERE user_id = ? AND revoked_at IS NULL", [user.id])


def reset_password(store: Store, name: str, password: str) -> None:
    """A new password; open sessions end (they carry the old session epoch); re-enables the user."""
    _check_password(password)
    user = _require(store, name)
    with store.connect() as con:
        con.execute("UPDATE users SET password_hash = ?, disabled = 0, session_epoch = session_epoch + 1 WHERE id = ?",
                    [_hasher.hash(password), user.id])


def end_sessions(store: Store, user: User) -> None:
    with store.connect() as con:
        con.execute("UPDATE users SET session_epoch = session_epoch + 1 WHERE id = ?", [user.id])


def verify_password(store: Store, name: str, password: str) -> User | None:
    with store.connect() as con:
        row = con.execute("SELECT * FROM users WHERE name = ?", [name]).fetchone()
    try:
        _hasher.verify(row["password_hash"] if row else _DUMMY_HASH, password)
    except (VerificationError, InvalidHashError):
        return None
    user = _user(row)
    return user if user and not user.disabled else None


# --- API tokens --------------------------------------------------------------------------------
def _digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "replace")).hexdigest()


def issue_token(store: Store, name: str) -> str:
    """A new token for the user, shown once; only its SHA-256 is kept."""
    user = _require(store, name)
    if user.disabled:
        raise AccountError(f"用户 {name} 已停用")
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    with store.connect() as con:
        con.execute("INSERT INTO api_tokens (user_id, token_sha256, prefix) VALUES (?, ?, ?)",
                    [user.id, _digest(token), token[:10]])
    return token


def revoke_tokens(store: Store, name: str) -> int:
    user = _require(store, name)
    with store.connect() as con:
        cur = con.execute("UPDATE api_tokens SET revoked_at = strftime('%Y-%m-%dT%H:%M:%SZ', 'now') "
                          "WHERE user_id = ? AND revoked_at IS NULL", [user.id])
        return cur.rowcount


def user_for_token(store: Store, token: str) -> User | None:
    if not token.startswith(TOKEN_PREFIX) or len(token) > 200:
        return None
    with store.connect() as con:
        row = con.execute(
            "SELECT u.* FROM api_tokens t JOIN users u ON u.id = t.user_id "
            "WHERE t.token_sha256 = ? AND t.revoked_at IS NULL AND u.disabled = 0",
            [_digest(token)],
        ).fetchone()
    return _user(row)


# --- throttle and audit ------------------------------------------------------------------------
def throttled(store: Store, name: str, remote: str | None, *, now: float | None = None) -> float:
    """Seconds until this account or address may try again (0: it may try now)."""
    now = time.time() if now is None else now
    since = now - THROTTLE_WINDOW_S
    with store.connect() as con:
        worst = 0.0
        for column, value in (("user_name", name), ("remote", remote)):
            if not value:
                continue
            rows = con.execute(f"SELECT at FROM login_failures WHERE {column} = ? AND at > ? ORDER BY at",
                               [value, since]).fetchall()
            if len(rows) >= THROTTLE_FAILURES:
                worst = max(worst, rows[-THROTTLE_FAILURES]["at"] + THROTTLE_WINDOW_S - now)
    return worst


def record_failure(store: Store, name: str, remote: str | None) -> None:
    with store.connect() as con:
        con.execute("INSERT INTO login_failures (at, user_name, remote) VALUES (?, ?, ?)", [time.time(), name[:64], remote])
        con.execute("DELETE FROM login_failures WHERE at < ?", [time.time() - 2 * THROTTLE_WINDOW_S])


def clear_failures(store: Store, name: str) -> None:
    with store.connect() as con:
        con.execute("DELETE FROM login_failures WHERE user_name = ?", [name])


def audit(store: Store, user_name: str | None, action: str, target: str | None, outcome: str, remote: str | None) -> None:
    """One row per login, upload and download: who, when (UTC), what, the outcome, from where."""
    with store.connect() as con:
        con.execute("INSERT INTO audit (user_name, action, target, outcome, remote) VALUES (?, ?, ?, ?, ?)",
                    [(user_name or "")[:64] or None, action, (target or "")[:300] or None, outcome, remote])


def audit_rows(store: Store, limit: int = 200) -> list[dict]:
    with store.connect() as con:
        return [dict(r) for r in con.execute("SELECT * FROM audit ORDER BY id DESC LIMIT ?", [limit]).fetchall()]
