"""Pull: copy each dropped file byte for byte into the SHA-256 keyed raw archive and register a version.

Order matters for crash safety: the archive file is complete (temp name, fsync, rename) before its
version row is inserted, and a file already in the archive is never rewritten. A crash between the
two leaves bytes without a row; the next pull sees the same file in the drop and adds the row.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import errno
import hashlib
import os
import stat
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from zoneinfo import ZoneInfo

import duckdb
import fsspec

from ..submission.contract import EXTENSIONS, FILENAME_RE
from ..registry import City
from .warehouse import STATUS_PENDING

CHINA_TZ = ZoneInfo("Asia/Shanghai")
# Office suites leave lock and temp files beside open workbooks; they are not submissions.
IGNORED_PREFIXES = (".", "~$", ".~lock")
COPY_CHUNK = 1 << 20
STALE_TEMP_S = 3600.0  # a temp file this old belongs to a pull that died (kill, power loss)


@dataclass(frozen=True)
class DroppedFile:
    city_code: str
    url: str  # where it was found (for messages and the sensor cursor)
    filename: str  # base name only: never used to build a path
    size: int
    mtime: float | None
    # What else says the file was written again: for a local file its inode and ctime (a copy
    # that keeps size and mtime, `cp -p` or `rsync -t`, still changes them); else the store's ETag.
    change_marker: str = ""


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
        marker = str(entry.get("ETag") or entry.get("etag") or entry.get("md5") or "")
        if _is_local(fs):
            st = os.lstat(entry["name"])
            if not stat.S_ISREG(st.st_mode):
                continue
            marker = f"{st.st_ino}:{st.st_ctime_ns}"
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
                change_marker=marker,
            )
        )
    return sorted(found, key=lambda f: f.filename)


def _is_local(fs: fsspec.AbstractFileSystem) -> bool:
    return "file" in (fs.protocol if isinstance(fs.protocol, tuple) else (fs.protocol,))


class ArchiveWriteError(OSError):
    """The archive could not take a file (disk full, read-only, permissions): nothing was lost."""


def _open_dropped(dropped: DroppedFile):
    """A binary reader on the dropped file; a local symlink is refused at open time (O_NOFOLLOW),
    so a link swapped in after the listing cannot make us read outside the drop folder."""
    if os.path.isabs(dropped.url):
        try:
            fd = os.open(dropped.url, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
        except OSError as exc:
            if os.path.islink(dropped.url):
                raise PermissionError(f"拒绝读取符号链接:{dropped.filename}") from exc
            raise
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            os.close(fd)
            raise PermissionError(f"拒绝读取非普通文件:{dropped.filename}")
        return os.fdopen(fd, "rb")
    return fsspec.open(dropped.url, "rb").open()


def sha256_of(dropped: DroppedFile) -> str:
    """The file's SHA-256, read in chunks as the archive copy is: a drop may hold large files."""
    digest = hashlib.sha256()
    with _open_dropped(dropped) as fh:
        while chunk := fh.read(COPY_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def archive_bytes(archive_dir: Path, data: bytes, sha256: str, ext: str) -> Path:
    """Write once: temp file in the target folder, fsync, rename; existing archive files are kept."""
    target = archive_dir / sha256[:2] / f"{sha256}.{ext}"
    if target.exists():
        return target
    tmp = _temp_in(archive_dir)
    try:
        with open(tmp, "wb") as fh:
            fh.write(data)
        return _commit(tmp, archive_dir, sha256, ext)
    except BaseException as exc:
        Path(tmp).unlink(missing_ok=True)
        raise _clear(exc, archive_dir) from exc


def _temp_in(archive_dir: Path) -> str:
    archive_dir.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=archive_dir, prefix=".incoming-", suffix=".part")
    os.close(fd)
    return tmp


def _commit(tmp: str, archive_dir: Path, sha256: str, ext: str) -> Path:
    """fsync the complete temp file, then rename it to its content address (same file system)."""
    target = archive_dir / sha256[:2] / f"{sha256}.{ext}"
    with open(tmp, "rb+") as fh:
        os.fsync(fh.fileno())
    if target.exists():  # same bytes archived before (or by a concurrent pull): keep the original
        os.unlink(tmp)
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    os.chmod(tmp, 0o444)
    os.replace(tmp, target)
    for folder in (target.parent, archive_dir):
        dir_fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)
    return target


def _clear(exc: BaseException, archive_dir: Path) -> BaseException:
    """Disk full and friends become one plain message; nothing already archived is touched."""
    if isinstance(exc, OSError) and not isinstance(exc, ArchiveWriteError) and exc.errno in (
        errno.ENOSPC, errno.EDQUOT, errno.EROFS, errno.EACCES, errno.EFBIG,
    ):
        why = {errno.ENOSPC: "磁盘空间不足", errno.EDQUOT: "超出磁盘配额", errno.EROFS: "磁盘为只读",
               errno.EACCES: "没有写入权限", errno.EFBIG: "文件超过文件系统上限"}[exc.errno]
        return ArchiveWriteError(
            exc.errno,
            f"原始归档目录 {archive_dir} {why},本文件未归档也未登记版本(已归档的文件和版本均未受影响);"
            "请释放空间后重新运行,报送目录中的文件会被再次拉取",
        )
    return exc


def _stream_to_archive(archive_dir: Path, dropped: DroppedFile, ext: str) -> tuple[str, int, Path]:
    """Copy the dropped file into the archive while hashing it: memory stays bounded for any size."""
    digest = hashlib.sha256()
    size = 0
    tmp = _temp_in(archive_dir)
    try:
        with _open_dropped(dropped) as src, open(tmp, "wb") as dst:
            while chunk := src.read(COPY_CHUNK):
                digest.update(chunk)
                dst.write(chunk)
                size += len(chunk)
        sha256 = digest.hexdigest()
        return sha256, size, _commit(tmp, archive_dir, sha256, ext)
    except BaseException as exc:
        Path(tmp).unlink(missing_ok=True)
        raise _clear(exc, archive_dir) from exc


def archive_dropped(archive_dir: Path, dropped: DroppedFile) -> tuple[str, int, Path]:
    """Only the archive step of a pull: (sha256, size, archive path). The portal calls it to have a
    browser upload's bytes archived before it answers, whether or not the warehouse is free."""
    suffix = PurePosixPath(dropped.filename).suffix.lower().lstrip(".")
    return _stream_to_archive(archive_dir, dropped, suffix if suffix in EXTENSIONS else "bin")


def remove_stale_temp_files(archive_dir: Path, *, older_than_s: float = STALE_TEMP_S) -> int:
    """Temp files a killed pull left behind (never referenced by any version row)."""
    removed = 0
    cutoff = time.time() - older_than_s
    for tmp in archive_dir.glob(".incoming-*.part") if archive_dir.exists() else ():
        with contextlib.suppress(FileNotFoundError):
            if tmp.stat().st_mtime < cutoff:
                tmp.unlink()
                removed += 1
    return removed


def pull_file(
    con: duckdb.DuckDBPyConnection, archive_dir: Path, dropped: DroppedFile, *, now: dt.datetime | None = None
) -> PulledVersion:
    """Archive one dropped file and register it; the same bytes for the same period are one version."""
    match = FILENAME_RE.match(dropped.filename)
    year = int(match["year"]) if match else None
    quarter = int(match["quarter"]) if match else None
    # Bytes first (complete, fsynced, renamed), row second: a crash in between heals on the next pull.
    sha256, size, archive_path = archive_dropped(archive_dir, dropped)

    existing = con.execute(
        """
        SELECT version_id, version_no, archive_path FROM submission_versions
        WHERE city_code = ? AND sha256 = ? AND year IS NOT DISTINCT FROM ? AND quarter IS NOT DISTINCT FROM ?
        """,
        [dropped.city_code, sha256, year, quarter],
    ).fetchall()
    existing = existing[0] if existing else None
    if existing:
        return PulledVersion(
            existing[0], dropped.city_code, year, quarter, existing[1], sha256, dropped.filename,
            size, archive_path, is_new=False,
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
        [version_id, dropped.city_code, year, quarter, version_no, sha256, dropped.filename, size,
         received_at, str(archive_path), STATUS_PENDING],
    )
    return PulledVersion(
        version_id, dropped.city_code, year, quarter, version_no, sha256, dropped.filename, size,
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
    remove_stale_temp_files(archive_dir)
    pulled = []
    for city in cities:
        for dropped in list_drop(city):
            if only_urls is None or dropped.url in only_urls:
                pulled.append(pull_file(con, archive_dir, dropped))
    return pulled
