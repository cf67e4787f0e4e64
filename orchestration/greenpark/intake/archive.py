"""Pull: copy each dropped file byte for byte into the SHA-256 keyed raw archive and register a version.

Order matters for crash safety: the archive file is complete (temp name, fsync, rename) before its
version row is inserted, and a file already in the archive is never rewritten. A crash between the
two leaves bytes without a row; the next pull sees the same file in the drop and adds the row.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import stat
import tempfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from zoneinfo import ZoneInfo

import duckdb
import fsspec

from ..contract import EXTENSIONS, FILENAME_RE
from ..registry import City
from .warehouse import STATUS_PENDING

CHINA_TZ = ZoneInfo("Asia/Shanghai")
# Office suites leave lock and temp files beside open workbooks; they are not submissions.
IGNORED_PREFIXES = (".", "~$", ".~lock")


@dataclass(frozen=True)
class DroppedFile:
    city_code: str
    url: str  # where it was found (for messages and the sensor cursor)
    filename: str  # base name only: never used to build a path
    size: int
    mtime: float | None


@dataclass(frozen=True)
class PulledVersion:
    version_id: str
    city_code: str
    year: int | None
    quarter: int | None
    version_no: int
    sha256: str
    filename: str
    size_bytes: int
    archive_path: Path
    is_new: bool


def list_drop(city: City) -> list[DroppedFile]:
    """Regular files directly in the city's drop location; links and folders are never followed."""
    fs, root = fsspec.core.url_to_fs(city.drop_url)
    try:
        entries = fs.ls(root, detail=True)
    except FileNotFoundError:
        return []
    found = []
    for entry in entries:
        name = PurePosixPath(str(entry["name"]).rstrip("/")).name
        if entry.get("type") != "file" or entry.get("islink") or name.startswith(IGNORED_PREFIXES):
            continue
        if _is_local(fs) and not stat.S_ISREG(os.lstat(entry["name"]).st_mode):
            continue
        mtime = entry.get("mtime") or entry.get("LastModified") or entry.get("created")
        if isinstance(mtime, dt.datetime):
            mtime = mtime.timestamp()
        found.append(
            DroppedFile(
                city_code=city.code,
                url=fs.unstrip_protocol(entry["name"]) if not _is_local(fs) else entry["name"],
                filename=name,
                size=int(entry.get("size") or 0),
                mtime=float(mtime) if mtime else None,
            )
        )
    return sorted(found, key=lambda f: f.filename)


def _is_local(fs: fsspec.AbstractFileSystem) -> bool:
    return "file" in (fs.protocol if isinstance(fs.protocol, tuple) else (fs.protocol,))


def read_bytes(dropped: DroppedFile) -> bytes:
    if os.path.isabs(dropped.url) and os.path.islink(dropped.url):
        raise PermissionError(f"拒绝读取符号链接:{dropped.filename}")
    with fsspec.open(dropped.url, "rb") as fh:
        return fh.read()


def archive_bytes(archive_dir: Path, data: bytes, sha256: str, ext: str) -> Path:
    """Write once: temp file in the target folder, fsync, rename; existing archive files are kept."""
    target = archive_dir / sha256[:2] / f"{sha256}.{ext}"
    if target.exists():
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".incoming-", suffix=".part")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o444)
        os.replace(tmp, target)
        dir_fd = os.open(target.parent, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    return target


def pull_file(
    con: duckdb.DuckDBPyConnection, archive_dir: Path, dropped: DroppedFile, *, now: dt.datetime | None = None
) -> PulledVersion:
    """Archive one dropped file and register it; the same bytes for the same period are one version."""
    data = read_bytes(dropped)
    sha256 = hashlib.sha256(data).hexdigest()
    match = FILENAME_RE.match(dropped.filename)
    year = int(match["year"]) if match else None
    quarter = int(match["quarter"]) if match else None
    suffix = PurePosixPath(dropped.filename).suffix.lower().lstrip(".")
    ext = suffix if suffix in EXTENSIONS else "bin"

    existing = con.execute(
        """
        SELECT version_id, version_no, archive_path FROM submission_versions
        WHERE city_code = ? AND sha256 = ? AND year IS NOT DISTINCT FROM ? AND quarter IS NOT DISTINCT FROM ?
        """,
        [dropped.city_code, sha256, year, quarter],
    ).fetchall()
    existing = existing[0] if existing else None
    archive_path = archive_bytes(archive_dir, data, sha256, ext)
    if existing:
        return PulledVersion(
            existing[0], dropped.city_code, year, quarter, existing[1], sha256, dropped.filename,
            len(data), archive_path, is_new=False,
        )

    if match:
        version_no = 1 + con.execute(
            "SELECT coalesce(max(version_no), 0) FROM submission_versions WHERE city_code = ? AND year = ? AND quarter = ?",
            [dropped.city_code, year, quarter],
        ).fetchall()[0][0]
        version_id = f"{dropped.city_code}-{year}Q{quarter}-v{version_no}"
    else:
        version_no = 1
        version_id = f"{dropped.city_code}-unnamed-{sha256[:12]}"
    received_at = _received_at(dropped, now)
    con.execute(
        """
        INSERT INTO submission_versions (version_id, city_code, year, quarter, version_no, sha256, filename,
            size_bytes, received_at, archive_path, status, in_force)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, false)
        """,
        [version_id, dropped.city_code, year, quarter, version_no, sha256, dropped.filename, len(data),
         received_at, str(archive_path), STATUS_PENDING],
    )
    return PulledVersion(
        version_id, dropped.city_code, year, quarter, version_no, sha256, dropped.filename, len(data),
        archive_path, is_new=True,
    )


def _received_at(dropped: DroppedFile, now: dt.datetime | None) -> dt.datetime:
    """When the bureau dropped the file (its modification time), in China time; the pull may be later."""
    if dropped.mtime is not None:
        return dt.datetime.fromtimestamp(dropped.mtime, CHINA_TZ).replace(tzinfo=None, microsecond=0)
    return (now or dt.datetime.now(CHINA_TZ)).replace(tzinfo=None, microsecond=0)


def pull_all(
    con: duckdb.DuckDBPyConnection, archive_dir: Path, cities: list[City], *, only_urls: set[str] | None = None
) -> list[PulledVersion]:
    pulled = []
    for city in cities:
        for dropped in list_drop(city):
            if only_urls is None or dropped.url in only_urls:
                pulled.append(pull_file(con, archive_dir, dropped))
    return pulled
