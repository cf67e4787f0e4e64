"""The intake side of the warehouse: versions registry, findings, and raw tables of accepted versions.

DuckDB allows one writer, so everything here takes a connection from the caller (the Dagster
warehouse resource or the CLI) instead of opening the file itself; `connect` and `kept_open` are
the two ways to open it.
"""

from __future__ import annotations

import contextlib
import fcntl
import random
import time
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pandas as pd

from ..registry import REGISTRY_COLUMNS
from ..submission.contract import PROVENANCE_COLUMNS, SHEETS, raw_table_ddl
from ..submission.findings import Finding

STATUS_PENDING = "待处理"

# 动态管理 decisions, appended by management.decisions (which sits above intake and takes a connection
# from here). Created with the other source tables so that dbt finds it before the first decision.
PARK_DECISIONS_DDL = """
CREATE TABLE IF NOT EXISTS park_decisions (
    decision_id INTEGER PRIMARY KEY,
    park_code VARCHAR NOT NULL,
    decision_type VARCHAR NOT NULL,
    decision_date DATE NOT NULL,
    batch_year INTEGER,
    document_no VARCHAR,
    outcome VARCHAR,
    reason_category VARCHAR,
    reason_text VARCHAR,
    inspectors VARCHAR,
    findings_text VARCHAR,
    corrects_decision_id INTEGER,
    recorded_by VARCHAR NOT NULL,
    recorded_at TIMESTAMP NOT NULL
)
"""

INTAKE_DDL = (
    """
    CREATE TABLE IF NOT EXISTS submission_versions (
        version_id VARCHAR PRIMARY KEY,
        city_code VARCHAR NOT NULL,
        year INTEGER,
        quarter INTEGER,
        version_no INTEGER NOT NULL,
        sha256 VARCHAR NOT NULL,
        filename VARCHAR NOT NULL,
        size_bytes BIGINT NOT NULL,
        received_at TIMESTAMP NOT NULL,
        archive_path VARCHAR NOT NULL,
        status VARCHAR NOT NULL,
        in_force BOOLEAN NOT NULL DEFAULT false,
        n_fatal INTEGER,
        n_error INTEGER,
        n_warning INTEGER
    )
    """,
    """
    CREATE TABLE IF NOT EXISTS validation_findings (
        version_id VARCHAR NOT NULL,
        rule_id VARCHAR NOT NULL,
        severity VARCHAR NOT NULL,
        sheet VARCHAR,
        excel_row INTEGER,
        column_header VARCHAR,
        excel_column VARCHAR,
        value_seen VARCHAR,
        expected VARCHAR,
        message_zh VARCHAR NOT NULL
    )
    """,
    "CREATE TABLE IF NOT EXISTS raw_park_registry_generated ("
    + ", ".join(f"{c} VARCHAR" for c in REGISTRY_COLUMNS)
    + ")",
    *(raw_table_ddl(sheet) for sheet in SHEETS),
    PARK_DECISIONS_DDL,
)

FINDING_COLUMNS = [
    "rule_id",
    "severity",
    "sheet",
    "excel_row",
    "column_header",
    "excel_column",
    "value_seen",
    "expected",
    "message_zh",
]


# How long to wait for another process's hold on the warehouse, unless the caller passes its own
# (settings.lock_wait_s, GREENPARK_LOCK_WAIT_S).
DEFAULT_LOCK_WAIT_S = 600.0


class WarehouseBusyError(RuntimeError):
    """Another process kept the warehouse longer than the configured wait."""


def _is_lock_conflict(exc: Exception) -> bool:
    text = str(exc).lower()
    return "lock" in text and ("conflicting" in text or "could not set lock" in text)


# Warehouses this process keeps open (`kept_open`), by resolved path.
_kept: dict[Path, duckdb.DuckDBPyConnection] = {}


def _open(path: Path, read_only: bool, wait_seconds: float | None = None) -> duckdb.DuckDBPyConnection:
    """duckdb.connect, waiting (bounded, with backoff and jitter) while another process holds the file.

    DuckDB allows one process to open a file for writing (and none to read it meanwhile); two
    `greenpark run`s or a run and `greenpark versions` then take turns instead of failing."""
    wait = DEFAULT_LOCK_WAIT_S if wait_seconds is None else wait_seconds
    deadline = time.monotonic() + wait
    delay = 0.05
    while True:
        try:
            return duckdb.connect(str(path), read_only=read_only)
        except duckdb.IOException as exc:
            if not _is_lock_conflict(exc):
                raise
            if time.monotonic() >= deadline:
                raise WarehouseBusyError(
                    f"数据仓库 {path} 正被另一个进程占用,已等待 {wait:.0f} 秒仍未释放,请稍后重试"
                ) from exc
            time.sleep(delay * (0.5 + random.random()))
            delay = min(delay * 2, 2.0)


@contextlib.contextmanager
def connect(
    path: Path, *, read_only: bool = False, wait_seconds: float | None = None
) -> Iterator[duckdb.DuckDBPyConnection]:
    """`wait_seconds`: how long to wait for another process's hold (default DEFAULT_LOCK_WAIT_S; callers
    pass settings.lock_wait_s);
    the portal waits briefly and answers "queued" rather than keeping a clerk waiting for a run."""
    kept = _kept.get(path.resolve())
    if kept is not None:  # a connection to the open database: no file open, no checkpoint on close
        con = kept.cursor()
    else:
        if not read_only:
            path.parent.mkdir(parents=True, exist_ok=True)
        con = _open(path, read_only, wait_seconds)
    try:
        if not read_only and kept is None:
            ensure_schema(con)
        yield con
    finally:
        con.close()


@contextlib.contextmanager
def kept_open(path: Path, *, wait_seconds: float | None = None) -> Iterator[None]:
    """Keep the warehouse open in this process while a bulk load's slice runs come and go.

    Each slice run connects and disconnects; on its own, every disconnect checkpoints the file and
    every connect reads its catalogue again, ~50 ms a slice and the largest part of a 44-slice
    province load's bookkeeping. Inside this block every `connect` here is a cursor on the one open
    database instead, whose schema is ensured once. Commits still reach the write-ahead log one by
    one, so a crash loses nothing that was committed. The caller must leave the block before
    anything outside this process (dbt) opens the file. Meanwhile other processes wait for the whole block, not one slice (their
    `wait_seconds`, settings.lock_wait_s, 600 s by default): ~7 s for a province, ~60 s for the
    national load."""
    key = path.resolve()
    if key in _kept:
        yield
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    con = _open(path, read_only=False, wait_seconds=wait_seconds)
    ensure_schema(con)
    _kept[key] = con
    try:
        yield
    finally:
        del _kept[key]
        con.close()


def table_names(con: duckdb.DuckDBPyConnection) -> set[str]:
    """The tables (and views) the warehouse has: a reader asks before it reads one that the first
    run, or the first decision, creates."""
    return {r[0] for r in con.execute("SELECT table_name FROM information_schema.tables").fetchall()}


def ensure_schema(con: duckdb.DuckDBPyConnection) -> None:
    for ddl in INTAKE_DDL:
        con.execute(ddl)


def replace_generated_registry(con: duckdb.DuckDBPyConnection, parks: pd.DataFrame) -> None:
    """Generated benchmark parks (beyond the real seed) so dbt's dim_park knows them. Every slice
    run calls this; it writes only when the parks changed (a bulk load is 44-400 slice runs)."""
    if not len(parks):
        con.execute("DELETE FROM raw_park_registry_generated")
        return
    con.register("generated_parks", parks[REGISTRY_COLUMNS])
    try:
        unchanged = con.execute(
            "SELECT NOT EXISTS (SELECT * FROM raw_park_registry_generated EXCEPT ALL SELECT * FROM generated_parks) "
            "AND NOT EXISTS (SELECT * FROM generated_parks EXCEPT ALL SELECT * FROM raw_park_registry_generated)"
        ).fetchall()[0][0]
        if not unchanged:
            con.execute("DELETE FROM raw_park_registry_generated")
            con.execute("INSERT INTO raw_park_registry_generated SELECT * FROM generated_parks")
    finally:
        con.unregister("generated_parks")


def pending_versions(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    return con.execute(
        "SELECT * FROM submission_versions WHERE status = ? ORDER BY received_at, city_code, version_id",
        [STATUS_PENDING],
    ).df()


def record_outcome(
    con: duckdb.DuckDBPyConnection,
    version_id: str,
    status: str,
    findings: list[Finding],
    frames: dict[str, pd.DataFrame] | None,
) -> None:
    """Store findings and, for an accepted version, its rows; put it in force. One transaction."""
    counts = {sev: sum(f.severity == sev for f in findings) for sev in ("fatal", "error", "warning")}
    con.execute("BEGIN TRANSACTION")
    try:
        # A rerun after a crash may find half-recorded rows of this version: start clean.
        con.execute("DELETE FROM validation_findings WHERE version_id = ?", [version_id])
        for sheet in SHEETS:
            con.execute(f"DELETE FROM {sheet.raw_table} WHERE version_id = ?", [version_id])
        if findings:
            rows = pd.DataFrame([f.to_dict() for f in findings])[FINDING_COLUMNS]
            rows.insert(0, "version_id", version_id)
            con.register("new_findings", rows)
            con.execute("INSERT INTO validation_findings SELECT * FROM new_findings")
            con.unregister("new_findings")
        if frames is not None:
            _insert_frames(con, version_id, frames)
            con.execute(
                """
                UPDATE submission_versions AS v SET in_force = (v.version_id = $vid)
                FROM submission_versions AS this
                WHERE this.version_id = $vid
                  AND v.city_code = this.city_code AND v.year = this.year AND v.quarter = this.quarter
                """,
                {"vid": version_id},
            )
        con.execute(
            "UPDATE submission_versions SET status = ?, n_fatal = ?, n_error = ?, n_warning = ? WHERE version_id = ?",
            [status, counts["fatal"], counts["error"], counts["warning"], version_id],
        )
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise


def _insert_frames(con: duckdb.DuckDBPyConnection, version_id: str, frames: dict[str, pd.DataFrame]) -> None:
    city, year, quarter = con.execute(
        "SELECT city_code, year, quarter FROM submission_versions WHERE version_id = ?", [version_id]
    ).fetchall()[0]
    for sheet in SHEETS:
        frame = frames.get(sheet.key)
        if frame is None or frame.empty:
            continue
        data = frame.reindex(columns=["source_row", *(c.name for c in sheet.columns)]).copy()
        data.insert(0, "quarter", quarter)
        data.insert(0, "year", year)
        data.insert(0, "city_code", city)
        data.insert(0, "version_id", version_id)
        columns = [name for name, _ in PROVENANCE_COLUMNS] + [c.name for c in sheet.columns]
        con.register("new_rows", data[columns])
        con.execute(f"INSERT INTO {sheet.raw_table} ({', '.join(columns)}) SELECT * FROM new_rows")
        con.unregister("new_rows")


@contextlib.contextmanager
def exclusive_run(path: Path, *, wait_seconds: float | None = None) -> Iterator[None]:
    """Hold the warehouse for a whole pipeline run (pull → intake → dbt → publish).

    Per-connection waiting is not enough: dbt opens the file itself and would fail on the lock
    while another run holds a connection. An OS file lock beside the warehouse serialises whole
    runs; the kernel releases it if the holder dies (kill -9), so a crash never leaves it stale."""
    path.parent.mkdir(parents=True, exist_ok=True)
    lock_path = path.with_name(path.name + ".run.lock")
    deadline = time.monotonic() + (DEFAULT_LOCK_WAIT_S if wait_seconds is None else wait_seconds)
    with open(lock_path, "a+b") as fh:
        while True:
            try:
                fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise WarehouseBusyError(f"另一个流水线运行正在使用数据仓库 {path},等待超时,请稍后重试") from None
                time.sleep(0.2)
        try:
            yield
        finally:
            fcntl.flock(fh.fileno(), fcntl.LOCK_UN)
