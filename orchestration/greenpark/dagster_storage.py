"""Dagster's embedded SQLite storage (runs and the consolidated event log) without a disk flush at
every commit, and with one SQLAlchemy engine per storage whose connections are kept open and reused.

Dagster's SQLite storages open a fresh engine, and so redo SQLAlchemy's dialect set-up, for each
storage call, and SQLite in WAL mode with its default synchronous=FULL flushes the log to disk at
each commit. A province bulk load is 44 slice runs making ~5,000 commits; profiled on the
realistic province set, the commits alone took 63 s of a 180 s intake under I/O contention (3.6 ms
each on this VM's disk, against 0.02 ms with synchronous=NORMAL).

Dagster's engines also use no connection pool (NullPool): every storage call opens the database
file, reads its schema and WAL index, and closes it again; the close of the last connection
checkpoints the WAL into the database and deletes it. Profiled again after the change above
(`province_messy`, load ~4), ~6,000 such opens and closes still cost 36 s of a 140 s run (commit
19.5 s, close 16.1 s), against ~0.01 ms a commit on a connection that stays open. So the engines
keep their connections in SQLAlchemy's QueuePool (its default for a SQLite file, thread-safe: one
connection per concurrent user, more opened on demand and closed when returned); SQLite's own
auto-checkpoint (every 1,000 pages) keeps the WAL small, and closing the process closes them. A
forked child never reuses the parent's connections (`register_at_fork`); greenpark's own helpers
are spawned, not forked.

synchronous=NORMAL in WAL mode is SQLite's recommended setting for WAL: the database stays
consistent whatever happens, and a killed process loses nothing (the kill loop kills the runner
mid-run); only a power cut or OS crash can roll back the last few commits, and those are Dagster's
run records, rebuilt by the next run. The warehouse (DuckDB) and the archive keep their own
guarantees. PostgreSQL deployments (dagster.postgres.yaml) are unaffected.
"""

from __future__ import annotations

import os
import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cached_property

import sqlalchemy as sa
from dagster._core.storage.event_log.sqlite.consolidated_sqlite_event_log import (
    ConsolidatedSqliteEventLogStorage,
)
from dagster._core.storage.runs.sqlite.sqlite_run_storage import SqliteRunStorage
from dagster._core.storage.sqlite import SQLITE_BUSY_TIMEOUT_SECONDS
from sqlalchemy.pool import QueuePool

# Connections kept open per engine when idle; any number more are opened while busy (threads of a
# code server or `greenpark watch`) and closed on return, so no caller ever waits for the pool.
POOL_SIZE = 4


def _engine(conn_string: str, **connect_args) -> sa.Engine:
    engine = sa.create_engine(conn_string, poolclass=QueuePool, pool_size=POOL_SIZE, max_overflow=-1,
                              connect_args={"check_same_thread": False, **connect_args})

    @sa.event.listens_for(engine, "connect")
    def _no_flush_per_commit(dbapi_connection, _record) -> None:
        dbapi_connection.execute("PRAGMA synchronous=NORMAL")

    # A SQLite connection must not be used on both sides of a fork: a forked child starts with an
    # empty pool (the parent's connections are left to the parent, not closed).
    ref = weakref.ref(engine)
    os.register_at_fork(after_in_child=lambda: (e := ref()) is not None and e.dispose(close=False))
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

    def has_table(self, table_name: str) -> bool:
        # Asked at every step output (~1,200 times in a province bulk load); Dagster's own opens a
        # new engine each time.
        with self._engine.connect() as conn:
            return bool(self._engine.dialect.has_table(conn, table_name))

    def dispose(self) -> None:
        super().dispose()
        if "_engine" in self.__dict__:
            self._engine.dispose()


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

    def dispose(self) -> None:
        super().dispose()
        if "_engine" in self.__dict__:
            self._engine.dispose()
