"""Dagster's embedded SQLite storage (runs and the consolidated event log) without a disk flush at
every commit and without a new SQLAlchemy engine for every call.

Dagster's SQLite storages open a fresh engine, and so redo SQLAlchemy's dialect set-up, for each
storage call, and SQLite in WAL mode with its default synchronous=FULL flushes the log to disk at
each commit. A province bulk load is 44 slice runs making ~4,000 commits; profiled on the
realistic province set, the commits alone took 63 s of a 180 s intake under I/O contention (3.6 ms
each on this VM's disk, against 0.02 ms with synchronous=NORMAL).

synchronous=NORMAL in WAL mode is SQLite's recommended setting for WAL: the database stays
consistent whatever happens, and a killed process loses nothing (the kill loop kills the runner
mid-run); only a power cut or OS crash can roll back the last few commits, and those are Dagster's
run records, rebuilt by the next run. The warehouse (DuckDB) and the archive keep their own
guarantees. PostgreSQL deployments (dagster.postgres.yaml) are unaffected.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cached_property

import sqlalchemy as sa
from dagster._core.storage.event_log.sqlite.consolidated_sqlite_event_log import (
    ConsolidatedSqliteEventLogStorage,
)
from dagster._core.storage.runs.sqlite.sqlite_run_storage import SqliteRunStorage
from dagster._core.storage.sqlite import SQLITE_BUSY_TIMEOUT_SECONDS
from sqlalchemy.pool import NullPool


def _engine(conn_string: str, **connect_args) -> sa.Engine:
    engine = sa.create_engine(conn_string, poolclass=NullPool, connect_args=connect_args)

    @sa.event.listens_for(engine, "connect")
    def _no_flush_per_commit(dbapi_connection, _record) -> None:
        dbapi_connection.execute("PRAGMA synchronous=NORMAL")

    return engine


class GreenparkSqliteEventLogStorage(ConsolidatedSqliteEventLogStorage):
    """Every run's events in one SQLite database (as Dagster's consolidated storage), one engine."""

    @cached_property
    def _engine(self) -> sa.Engine:
        return _engine(self._conn_string, timeout=SQLITE_BUSY_TIMEOUT_SECONDS)

    @contextmanager
    def _connect(self) -> Iterator[sa.Connection]:
        with self._engine.connect() as conn, conn.begin():
            yield conn


class GreenparkSqliteRunStorage(SqliteRunStorage):
    """Dagster's SQLite run storage, in the same place (DAGSTER_HOME/history/runs.db), one engine."""

    @classmethod
    def from_config_value(cls, inst_data, config_value) -> GreenparkSqliteRunStorage:
        return cls.from_local(os.path.join(config_value["base_dir"], "history"), inst_data=inst_data)

    @cached_property
    def _engine(self) -> sa.Engine:
        return _engine(self._conn_string)

    @contextmanager
    def connect(self) -> Iterator[sa.Connection]:
        with self._engine.connect() as conn, conn.begin():
            yield conn
