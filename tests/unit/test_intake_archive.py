"""Pull: byte-for-byte SHA-256 archive, versions registry, idempotence, drop-location hygiene."""

from __future__ import annotations

import hashlib
from pathlib import Path

import fsspec
import pytest

from greenpark.intake.archive import list_drop, pull_all
from greenpark.intake.warehouse import connect
from greenpark.registry import City
from greenpark.settings import get_settings

HANGZHOU = "330100"


@pytest.fixture
def drop(workdir: Path) -> Path:
    folder = workdir / "sources" / "inbox" / HANGZHOU
    folder.mkdir(parents=True)
    return folder


def _city(drop_url: str) -> City:
    return City(code=HANGZHOU, name="杭州市", drop_url=drop_url)


def _versions(con):
    return con.execute(
        "SELECT version_id, version_no, sha256, filename, size_bytes, status, archive_path "
        "FROM submission_versions ORDER BY version_id"
    ).fetchall()


def test_pull_archives_bytes_and_registers_one_version(drop: Path):
    payload = b"PK\x03\x04 not really a workbook, but bytes are bytes"
    (drop / "330100_2025Q3.xlsx").write_bytes(payload)
    settings = get_settings()
    with connect(settings.warehouse_path) as con:
        pulled = pull_all(con, settings.archive_dir, [_city(str(drop))])
        rows = _versions(con)
    sha = hashlib.sha256(payload).hexdigest()
    assert [p.is_new for p in pulled] == [True]
    assert rows == [("330100-2025Q3-v1", 1, sha, "330100_2025Q3.xlsx", len(payload), "待处理",
                     str(settings.archive_dir / sha[:2] / f"{sha}.xlsx"))]
    archived = Path(rows[0][6])
    assert archived.read_bytes() == payload
    assert oct(archived.stat().st_mode & 0o777) == "0o444"


def test_same_bytes_twice_is_one_version_and_changed_bytes_a_new_one(drop: Path):
    target = drop / "330100_2025Q3.xlsx"
    target.write_bytes(b"first")
    settings = get_settings()
    city = _city(str(drop))
    with connect(settings.warehouse_path) as con:
        pull_all(con, settings.archive_dir, [city])
        again = pull_all(con, settings.archive_dir, [city])
        target.write_bytes(b"second, corrected")
        third = pull_all(con, settings.archive_dir, [city])
        rows = _versions(con)
    assert [p.is_new for p in again] == [False]
    assert [(p.version_id, p.is_new) for p in third] == [("330100-2025Q3-v2", True)]
    assert [r[0] for r in rows] == ["330100-2025Q3-v1", "330100-2025Q3-v2"]
    # Both versions' bytes stay in the archive, untouched.
    assert {Path(r[6]).read_bytes() for r in rows} == {b"first", b"second, corrected"}


def test_misnamed_file_is_archived_without_a_period(drop: Path):
    (drop / "杭州二季度报表.xlsx").write_bytes(b"whatever")
    settings = get_settings()
    with connect(settings.warehouse_path) as con:
        (pulled,) = pull_all(con, settings.archive_dir, [_city(str(drop))])
    assert pulled.year is None and pulled.quarter is None
    assert pulled.version_id.startswith("330100-unnamed-")


def test_symlinks_folders_and_lock_files_are_never_followed(drop: Path, tmp_path: Path):
    secret = tmp_path / "outside.xlsx"
    secret.write_bytes(b"secret outside the drop")
    (drop / "330100_2025Q1.xlsx").symlink_to(secret)
    (drop / "nested").mkdir()
    (drop / "nested" / "330100_2025Q2.xlsx").write_bytes(b"nested")
    (drop / "~$330100_2025Q3.xlsx").write_bytes(b"excel lock file")
    (drop / "330100_2025Q4.xlsx").write_bytes(b"the real one")
    names = [f.filename for f in list_drop(_city(str(drop)))]
    assert names == ["330100_2025Q4.xlsx"]


def test_a_file_copied_over_with_size_and_mtime_kept_is_seen_as_changed(drop: Path, tmp_path: Path):
    """`cp -p` / `rsync -t` of a corrected file with the same size keeps size and mtime: the scan
    (sensor cursor and `greenpark watch`) must still see it."""
    import os
    import shutil

    from greenpark.intake.drop_scan import scan_drops

    target = drop / "330100_2025Q1.xlsx"
    target.write_bytes(b"first version")
    os.utime(target, (1_700_000_000, 1_700_000_000))
    city = _city(str(drop))
    changed, seen = scan_drops([city], {})
    assert [f.filename for f in changed] == [target.name]
    assert scan_drops([city], seen)[0] == []  # nothing new
    corrected = tmp_path / "corrected.xlsx"
    corrected.write_bytes(b"fixed version")  # same size
    os.utime(corrected, (1_700_000_000, 1_700_000_000))
    shutil.copy2(corrected, target)  # like cp -p: same size, same mtime
    assert target.stat().st_size == len(b"first version") and target.stat().st_mtime == 1_700_000_000
    assert [f.filename for f in scan_drops([city], seen)[0]] == [target.name]


def test_an_object_rewritten_in_a_remote_store_with_the_same_size_and_second_is_seen_as_changed():
    """An object store lists LastModified to the second and an ETag of the bytes (S3, GCS, MinIO): a
    corrected file uploaded again within the same second, at the same size, differs by its ETag."""
    from datetime import datetime

    from fsspec.implementations.memory import MemoryFileSystem

    from greenpark.intake.drop_scan import scan_drops

    class ObjectStore(MemoryFileSystem):
        protocol = ("greenpark-test-objects",)

        @classmethod
        def _strip_protocol(cls, path):
            return MemoryFileSystem._strip_protocol(path.replace("greenpark-test-objects://", "memory://", 1))

        def ls(self, path, detail=True, **kwargs):
            entries = super().ls(path, detail=detail, **kwargs)
            for entry in entries if detail else []:
                if entry["type"] == "file":
                    entry.pop("created", None)
                    entry["LastModified"] = datetime(2026, 1, 1, 9, 0, 0)
                    entry["ETag"] = hashlib.md5(self.cat_file(entry["name"])).hexdigest()
            return entries

    fsspec.register_implementation("greenpark-test-objects", ObjectStore, clobber=True)
    store = fsspec.filesystem("greenpark-test-objects")
    try:
        store.pipe("/drops/330100/330100_2025Q1.xlsx", b"first version")
        city = _city("greenpark-test-objects:///drops/330100")
        changed, seen = scan_drops([city], {})
        assert [f.filename for f in changed] == ["330100_2025Q1.xlsx"]
        assert scan_drops([city], seen)[0] == []  # nothing new
        store.pipe("/drops/330100/330100_2025Q1.xlsx", b"fixed version")  # same size, same second
        assert [f.filename for f in scan_drops([city], seen)[0]] == ["330100_2025Q1.xlsx"]
    finally:
        store.rm("/drops", recursive=True)


def test_fsspec_drop_location_works_like_a_folder(workdir: Path):
    fs = fsspec.filesystem("memory")
    fs.pipe("/drops/330100/330100_2025Q2.xlsx", b"from a remote drop")
    settings = get_settings()
    with connect(settings.warehouse_path) as con:
        (pulled,) = pull_all(con, settings.archive_dir, [_city("memory:///drops/330100")])
    assert pulled.is_new and pulled.version_id == "330100-2025Q2-v1"
    assert pulled.archive_path.read_bytes() == b"from a remote drop"
    fs.rm("/drops", recursive=True)


def test_bytes_archived_before_a_crash_get_their_row_on_the_next_pull(drop: Path):
    """A crash after the archive write but before the row insert must heal on the next pull."""
    from greenpark.intake.archive import archive_bytes

    payload = b"archived, then the process died"
    (drop / "330100_2025Q1.xlsx").write_bytes(payload)
    settings = get_settings()
    sha = hashlib.sha256(payload).hexdigest()
    orphan = archive_bytes(settings.archive_dir, payload, sha, "xlsx")
    before = orphan.stat().st_mtime_ns
    with connect(settings.warehouse_path) as con:
        (pulled,) = pull_all(con, settings.archive_dir, [_city(str(drop))])
        rows = _versions(con)
    assert pulled.is_new and rows[0][2] == sha
    assert orphan.stat().st_mtime_ns == before  # never rewritten
    assert not list(settings.archive_dir.rglob("*.part"))
