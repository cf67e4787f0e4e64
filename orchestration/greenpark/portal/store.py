"""The portal's own SQLite file (data/portal.sqlite3): accounts, API tokens, the audit trail, login
failures and the portal's record of each upload.

Kept apart from the DuckDB warehouse on purpose: DuckDB lets one process write at a time and a
pipeline run holds it for minutes, while a login or an audit row must never wait for a run.
SQLite in WAL mode lets the portal's threads write small rows concurrently with readers; each
thread keeps its own connection.
"""

from __future__ import annotations

import contextlib
import sqlite3
import threading
from collections.abc import Iterator
from pathlib import Path

from ..settings import Settings

SCHEMA = (
    """
    CREATE TABLE IF NOT EXISTS users (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL UNIQUE,
        role TEXT NOT NULL CHECK (role IN ('city', 'province')),
        city_code TEXT,
        password_hash TEXT NOT NULL,
        disabled INTEGER NOT NULL DEFAULT 0,
        session_epoch INTEGER NOT NULL DEFAULT 0,
        created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))
    )
    """,
    """
    CREATE TABLE IF NOT EXISTS api_tokens (
        id INTEGER PRIMARY KEY,
        user_id INTEGER NOT NULL REFERENCES users(id),
        token_sha256 TEXT NOT NULL UNIQUE,
        prefix TEXT NOT NULL,
        created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now')),
        revoked_at TEXT
    )
    """,
    """
    CREATE TABLE IF NOT EXISTS audit (
        id INTEGER PRIMARY KEY,
        at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
        user_name TEXT,
        action TEXT NOT NULL,
        target TEXT,
        outcome TEXT NOT NULL,
        remote TEXT
    )
    """,
    "CREATE TABLE IF NOT EXISTS login_failures (at REAL NOT NULL, user_name TEXT, remote TEXT)",
    "CREATE INDEX IF NOT EXISTS login_failures_at ON login_failures (at)",
    """
    CREATE TABLE IF NOT EXISTS uploads (
        id INTEGER PRIMARY KEY,
        user_name TEXT NOT NULL,
        city_code TEXT NOT NULL,
        year INTEGER NOT NULL,
        quarter INTEGER NOT NULL,
        original_name TEXT NOT NULL,
        drop_name TEXT NOT NULL,
        sha256 TEXT NOT NULL,
        size_bytes INTEGER NOT NULL,
        archive_path TEXT NOT NULL,
        received_at REAL NOT NULL,
        version_id TEXT,
        payload TEXT
    )
    """,
    "CREATE INDEX IF NOT EXISTS uploads_version ON uploads (version_id)",
)


class Store:
    def __init__(self, path: Path):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._local = threading.local()
        with self.connect() as con:
            con.execute("PRAGMA journal_mode=WAL")
            for ddl in SCHEMA:
                con.execute(ddl)

    @contextlib.contextmanager
    def connect(self) -> Iterator[sqlite3.Connection]:
        """This thread's connection (autocommit; one per thread, never shared between threads):
        opening one costs ~2 ms, which a burst of API calls would otherwise pay per call."""
        con = getattr(self._local, "con", None)
        if con is None:
            con = sqlite3.connect(self.path, timeout=10, isolation_level=None, check_same_thread=True)
            con.row_factory = sqlite3.Row
            con.execute("PRAGMA busy_timeout=10000")
            con.execute("PRAGMA synchronous=NORMAL")
            self._local.con = con
        yield con


def open_store(settings: Settings) -> Store:
    return Store(settings.portal_db_path)
