"""The portal's door into the one intake path.

An upload goes: stream to a hidden temp file in the city's drop folder (`.portal-*.part`, which
every drop listing ignores) → archive by SHA-256 with the pull's own function (temp, fsync,
rename) → rename into the drop folder as `<city>_<year>Q<q>.<ext>` → register the version with the
pull's own `pull_file` → the rules, with the warm validator → answer. Only after the archive step
is the upload acknowledged, so a kill at any moment loses nothing that was acknowledged.

The drop-folder copy is what makes the sensor, `greenpark watch` and `greenpark run` treat the
upload like any drop: they see a new file, pull it (same bytes → same version) and process the
pending version (rules, feedback package, load). The portal registers the version itself so the
clerk gets a version id at once; it never loads data. It shows the findings computed by the same
validator the run uses, and writes the same feedback package early (the run rewrites it).

The warehouse (DuckDB) has one writer: the portal takes the pipeline's run lock and a connection
for a few milliseconds, waiting at most GREENPARK_PORTAL_WAIT_S (default 5 s). If a run holds it
longer, the upload is kept "queued" in the portal database and registered by a background thread
as soon as the warehouse is free (also after a portal restart).
"""

from __future__ import annotations

import concurrent.futures
import concurrent.futures.process
import contextlib
import datetime as dt
import json
import logging
import multiprocessing as mp
import os
import threading
import time
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

import pandas as pd

from ..submission.contract import EXTENSIONS, submission_filename
from ..intake.archive import CHINA_TZ, DroppedFile, archive_dropped, pull_file
from ..pipeline.processing import prepare, version_info
from ..intake.warehouse import (
    STATUS_PENDING,
    WarehouseBusyError,
    connect,
    exclusive_run,
)
from ..quality.feedback import findings_payload, write_feedback_package
from ..submission.findings import Finding
from ..quality.history import load_history
from ..registry import City, city_names, load_cities
from ..settings import Settings
from .store import Store

STALE_PART_S = 3600.0
log = logging.getLogger("greenpark.portal")


class WarehouseBusy(RuntimeError):
    """A pipeline run holds the warehouse: the upload is archived and queued."""


@dataclass(frozen=True)
class Upload:
    id: int
    user_name: str
    city_code: str
    year: int
    quarter: int
    original_name: str
    drop_name: str
    sha256: str
    size_bytes: int
    archive_path: str
    received_at: float
    version_id: str | None
    payload: dict | None

    @property
    def queued(self) -> bool:
        return self.version_id is None or self.payload is None


def _upload(row) -> Upload | None:
    if row is None:
        return None
    data = dict(row)
    data["payload"] = json.loads(data["payload"]) if data["payload"] else None
    return Upload(**data)


def display_name(name: str) -> str:
    """The submitted file name as shown to people: base name only, control characters dropped,
    at most 120 characters. It is never used to build a path."""
    base = PurePosixPath(name.replace("\\", "/")).name
    clean = "".join(ch for ch in base if ch.isprintable() and ch not in "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
    return clean[:120] or "(无文件名)"


def extension_of(name: str) -> str | None:
    suffix = PurePosixPath(name.replace("\\", "/")).suffix.lower().lstrip(".")
    return suffix if suffix in EXTENSIONS else None


class Door:
    def __init__(self, settings: Settings, store: Store):
        self.settings = settings
        self.store = store
        self._warehouse_lock = threading.Lock()
        self._validator_lock = threading.Lock()
        self._city_locks: dict[str, threading.Lock] = {}
        self._city_locks_guard = threading.Lock()
        # One helper process writes feedback packages: an annotated copy of a province-size
        # workbook costs seconds of openpyxl, which in a thread here would hold the GIL against
        # the next clerk's rules; in its own process it runs on the other core.
        self._feedback = concurrent.futures.ProcessPoolExecutor(max_workers=1, mp_context=mp.get_context("spawn"))
        self._feedback_jobs: dict[str, concurrent.futures.Future] = {}
        self._stop = threading.Event()
        self._retry_thread: threading.Thread | None = None
        self.warm = threading.Event()
        self._validator = None
        self.failed: set[int] = set()  # uploads whose check raised: not retried until a restart

    # --- lifecycle ------------------------------------------------------------------------------
    def start(self, warm: bool = True) -> None:
        """`warm`: validate a template in the background now, so the first upload finds the rules
        loaded (off only where no upload needs Great Expectations, e.g. security tests)."""
        self._cleanup_parts()
        if warm:
            threading.Thread(target=self._warm_up, name="portal-warm-up", daemon=True).start()
        else:
            self.warm.set()
        self._retry_thread = threading.Thread(target=self._retry_loop, name="portal-register", daemon=True)
        self._retry_thread.start()

    def stop(self) -> None:
        self._stop.set()
        # Packages not yet started are dropped: the pipeline writes every version's package when
        # it processes it, so nothing is lost by stopping now.
        self._feedback.shutdown(wait=True, cancel_futures=True)

    def validator(self):
        """The process's one Validator (GX imported and suites set up once); callers hold _validator_lock."""
        settings = self.settings.as_of_now()
        if self._validator is None or self._validator.settings.today != settings.today:
            from ..quality.validation import Validator

            self._validator = Validator(settings)  # a new day: the rules' calendar moves with it
        return self._validator

    def _warm_up(self) -> None:
        """Pay the Great Expectations import and suite setup before the first clerk uploads."""
        try:
            import tempfile

            from ..workbook_template import write_template
            from ..intake.workbook import parse_workbook
            from ..registry import load_parks

            parks = load_parks(self.settings)
            city = parks.city_code.iloc[0]
            with tempfile.TemporaryDirectory() as tmp:
                path = write_template(Path(tmp) / submission_filename(city, 2025, 1), city, 2025, 1, parks)
                with self._validator_lock:
                    self.validator().check_file(parse_workbook(path, limits=self.settings.file_limits), expected_city=city)
        finally:
            self.warm.set()

    def _cleanup_parts(self) -> None:
        cutoff = time.time() - STALE_PART_S
        for city in load_cities(self.settings):
            folder = self._local_drop(city)
            if folder is None or not folder.is_dir():
                continue
            for part in folder.glob(".portal-*.part"):
                with contextlib.suppress(FileNotFoundError):
                    if part.stat().st_mtime < cutoff:
                        part.unlink()

    # --- where bytes go ------------------------------------------------------------------------
    @staticmethod
    def _local_drop(city: City) -> Path | None:
        url = city.drop_url
        url = url.removeprefix("file://")
        return Path(url) if "://" not in url else None

    def staging_dir(self, city: City) -> Path:
        """Where an upload streams to: the drop folder itself when local (rename is then atomic)."""
        return self._local_drop(city) or (self.settings.workdir / "data" / "portal_staging")

    def _lock_for(self, city_code: str) -> threading.Lock:
        with self._city_locks_guard:
            return self._city_locks.setdefault(city_code, threading.Lock())

    def accept(self, *, user_name: str, city: City, year: int, quarter: int, original_name: str,
               part: Path, sha256: str, size: int) -> Upload:
        """Archive the streamed part, put it in the drop folder, record the upload. Returns once
        the bytes are archived (the acknowledgement point); registration and rules follow."""
        ext = extension_of(original_name)
        drop_name = submission_filename(city.code, year, quarter, ext)
        received = time.time()
        with self._lock_for(city.code):
            staged = DroppedFile(city.code, str(part), drop_name, size, received)
            archived_sha, _, archive_path = archive_dropped(self.settings.archive_dir, staged)
            if archived_sha != sha256:  # the part changed under us: never acknowledge that
                raise OSError("上传文件在归档过程中被改动,未予接收")
            with self.store.connect() as con:
                upload_id = con.execute(
                    "INSERT INTO uploads (user_name, city_code, year, quarter, original_name, drop_name, sha256, "
                    "size_bytes, archive_path, received_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    [user_name, city.code, year, quarter, display_name(original_name), drop_name, sha256, size,
                     str(archive_path), received],
                ).lastrowid
            self._into_drop(city, part, drop_name, received)
        return self.upload(upload_id)

    def _into_drop(self, city: City, part: Path, drop_name: str, received: float) -> None:
        folder = self._local_drop(city)
        os.utime(part, (received, received))
        if folder is not None:
            os.replace(part, folder / drop_name)
            dir_fd = os.open(folder, os.O_RDONLY)
            try:
                os.fsync(dir_fd)
            finally:
                os.close(dir_fd)
            return
        import fsspec

        fs, root = fsspec.core.url_to_fs(city.drop_url)
        tmp = f"{root.rstrip('/')}/.portal-{os.getpid()}-{drop_name}.part"
        fs.put_file(str(part), tmp)
        fs.mv(tmp, f"{root.rstrip('/')}/{drop_name}")
        part.unlink(missing_ok=True)

    # --- registration and rules ------------------------------------------------------------------
    @property
    def warehouse_lock(self) -> threading.Lock:
        """Held by every thread of this process around its use of the warehouse file (registration
        here, the pages' snapshot and console reads, 动态管理 decisions), before the run lock: DuckDB
        refuses a read-only and a read-write connection to one file in one process at once."""
        return self._warehouse_lock

    def upload(self, upload_id: int) -> Upload | None:
        with self.store.connect() as con:
            return _upload(con.execute("SELECT * FROM uploads WHERE id = ?", [upload_id]).fetchone())

    def upload_for_version(self, version_id: str) -> Upload | None:
        with self.store.connect() as con:
            return _upload(con.execute("SELECT * FROM uploads WHERE version_id = ? AND payload IS NOT NULL "
                                       "ORDER BY id DESC LIMIT 1", [version_id]).fetchone())

    def statuses(self, city_code: str) -> dict[str, str]:
        """version id → the status this portal's rules gave it (for versions a run has not processed yet)."""
        with self.store.connect() as con:
            # Only the status: the payloads hold every finding, and this runs on nearly every page.
            rows = con.execute("SELECT version_id, json_extract(payload, '$.status') AS status FROM uploads "
                               "WHERE city_code = ? AND payload IS NOT NULL ORDER BY id", [city_code]).fetchall()
        return {r["version_id"]: r["status"] for r in rows}

    def queued_uploads(self, city_code: str | None = None) -> list[Upload]:
        with self.store.connect() as con:
            rows = con.execute("SELECT * FROM uploads WHERE (version_id IS NULL OR payload IS NULL) "
                               "AND (? IS NULL OR city_code = ?) ORDER BY id", [city_code, city_code]).fetchall()
        return [_upload(r) for r in rows]

    def check(self, upload: Upload, wait: float | None = None) -> Upload:
        """Register the upload's version (pull_file on its archived bytes) and run the rules.
        Raises WarehouseBusy when a run holds the warehouse longer than `wait` seconds."""
        if not upload.queued:
            return upload
        wait = self.settings.portal_wait_s if wait is None else wait
        dropped = DroppedFile(upload.city_code, upload.archive_path, upload.drop_name, upload.size_bytes, upload.received_at)
        path = self.settings.warehouse_path
        try:
            with self._warehouse_lock, exclusive_run(path, wait_seconds=wait), connect(path, wait_seconds=wait) as con:
                pulled = pull_file(con, self.settings.archive_dir, dropped)
                version = con.execute("SELECT * FROM submission_versions WHERE version_id = ?", [pulled.version_id]).df().iloc[0]
                history = None
                if pulled.year is not None:
                    history = load_history(con, upload.city_code, pulled.year, pulled.quarter)
        except WarehouseBusyError as exc:
            raise WarehouseBusy(str(exc)) from exc
        findings = self._findings(version, history)
        info = version_info(version, city_names(self.settings))
        payload = findings_payload(info, findings)
        with self.store.connect() as con:
            con.execute("UPDATE uploads SET version_id = ?, payload = ? WHERE id = ?",
                        [pulled.version_id, json.dumps(payload, ensure_ascii=False), upload.id])
        if version["status"] == STATUS_PENDING:  # a version already processed keeps the run's package
            self._write_package(dict(info, status=payload["status"]), findings, Path(upload.archive_path))
        return self.upload(upload.id)

    def _findings(self, version: pd.Series, history: pd.DataFrame | None) -> list[Finding]:
        self.warm.wait(timeout=120)
        with self._validator_lock:
            validator = self.validator()
            prepared = prepare(validator, version)
            return validator.finish(prepared.parsed, list(prepared.file_findings), expected_city=version["city_code"],
                                    received_at=version["received_at"].to_pydatetime(), history=history)

    def _write_package(self, info: dict, findings: list[Finding], archive_path: Path) -> None:
        out_dir = self.settings.outbox_dir / info["city_code"]
        self._feedback_jobs = {k: job for k, job in self._feedback_jobs.items() if not job.done()}
        try:
            job = self._feedback.submit(write_feedback_package, out_dir, info, findings, archive_path)
        except concurrent.futures.process.BrokenProcessPool:  # the helper died (OOM kill): start another
            self._feedback = concurrent.futures.ProcessPoolExecutor(max_workers=1, mp_context=mp.get_context("spawn"))
            job = self._feedback.submit(write_feedback_package, out_dir, info, findings, archive_path)
        self._feedback_jobs[info["version_id"]] = job

    def package_ready(self, version_id: str, timeout: float = 60.0) -> None:
        """Wait for the feedback package of a version this portal is writing (if it is)."""
        job = self._feedback_jobs.get(version_id)
        if job is not None:
            with contextlib.suppress(Exception):
                job.result(timeout=timeout)

    def _retry_loop(self) -> None:
        while not self._stop.wait(timeout=3.0):
            for upload in self.queued_uploads():
                if upload.id in self.failed:
                    continue
                try:
                    self.check(upload, wait=1.0)
                except WarehouseBusy:
                    break
                except Exception:  # the others go on; the run pulls the drop copy anyway
                    log.exception("门户:上传 %s 审核出错,留待流水线处理", upload.id)
                    self.failed.add(upload.id)


def received_text(epoch: float) -> str:
    return dt.datetime.fromtimestamp(epoch, CHINA_TZ).strftime("%Y-%m-%d %H:%M")
