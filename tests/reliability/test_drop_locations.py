"""Drop folders: a city creates versions only for itself, links and odd names never lead outside,
and nothing is ever written outside our own folders."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from greenpark.intake.archive import DroppedFile, list_drop, pull_all, sha256_of
from greenpark.intake.warehouse import connect
from greenpark.intake.workbook import parse_workbook
from greenpark.registry import load_cities
from greenpark.settings import get_settings

HANGZHOU, NINGBO = "330100", "330200"


def _tree(root: Path) -> set[Path]:
    return {p for p in root.rglob("*")}


def _pull(settings, city_code: str):
    city = next(c for c in load_cities(settings) if c.code == city_code)
    with connect(settings.warehouse_path) as con:
        pulled = pull_all(con, settings.archive_dir, [city])
        rows = con.execute("SELECT version_id, city_code, year, quarter, filename FROM submission_versions "
                           "ORDER BY version_id").fetchall()
    return pulled, rows


def test_a_drop_location_only_creates_versions_for_its_own_city(workdir: Path):
    from fixtures.validation import shared_validator

    settings = get_settings()
    drop = settings.inbox_dir / HANGZHOU
    drop.mkdir(parents=True)
    (drop / f"{NINGBO}_2025Q2.xlsx").write_bytes(b"PK\x03\x04 Ningbo's file in Hangzhou's drop")
    (drop / "３３０２００_２０２５Q2.xlsx").write_bytes(b"full-width look-alike digits")  # NFKC would read 330200
    (drop / "33O1OO_2025Q2.xlsx").write_bytes(b"letter O for zero")
    pulled, rows = _pull(settings, HANGZHOU)
    assert len(pulled) == 3
    assert {r[1] for r in rows} == {HANGZHOU}, "versions belong to the drop's city, whatever the name says"
    validator = shared_validator()
    for p in pulled:
        findings = validator.validate(parse_workbook(p.archive_path, filename=p.filename), expected_city=HANGZHOU)
        fatal = {f.rule_id for f in findings if f.severity == "fatal"}
        assert fatal & {"file.city", "file.name", "file.unreadable"}, (p.filename, fatal)
    with connect(settings.warehouse_path) as con:
        assert con.execute("SELECT count(*) FROM submission_versions WHERE city_code = ?", [NINGBO]).fetchall()[0][0] == 0


def test_symlinks_out_of_the_drop_are_never_followed_nor_written(workdir: Path, tmp_path_factory):
    settings = get_settings()
    outside = tmp_path_factory.mktemp("outside")
    secret = outside / "secret.xlsx"
    secret.write_bytes(b"not for us")
    drop = settings.inbox_dir / HANGZHOU
    drop.mkdir(parents=True)
    (drop / "330100_2025Q1.xlsx").symlink_to(secret)
    (drop / "330100_2025Q2.xlsx").symlink_to(outside)  # a link to a folder
    (drop / "330100_2025Q3.xlsx").symlink_to("../../../../../../etc/passwd")
    os.mkfifo(drop / "330100_2025Q4.xlsx")  # would block a naive reader forever
    before_outside = {p: p.stat().st_mtime_ns for p in _tree(outside)}
    pulled, rows = _pull(settings, HANGZHOU)
    assert pulled == [] and rows == []
    assert {p: p.stat().st_mtime_ns for p in _tree(outside)} == before_outside
    # Even if a file is swapped for a link after it was listed, reading refuses it (O_NOFOLLOW).
    sneaky = DroppedFile(HANGZHOU, str(drop / "330100_2025Q1.xlsx"), "330100_2025Q1.xlsx", 10, None)
    with pytest.raises(PermissionError):
        sha256_of(sneaky)


def test_hostile_file_names_cannot_place_bytes_outside_the_archive(workdir: Path):
    settings = get_settings()
    drop = settings.inbox_dir / HANGZHOU
    drop.mkdir(parents=True)
    names = ["..\\..\\330100_2025Q1.xlsx", "330100_2025Q1.xlsx\u202egpj.exe", "330100_2025Q2.xlsx.",
             "-rf 330100_2025Q3.xlsx", "330100_2025Q4.XLSX", "330100_2025Q1.xlsx:$DATA", "%2e%2e%2f330100_2025Q2.xlsx",
             "330100_2025Q3.xlsx" + "长" * 60]
    for i, name in enumerate(names):
        (drop / name).write_bytes(f"payload {i}".encode())
    before = _tree(workdir) - _tree(settings.archive_dir) - {settings.archive_dir}
    pulled, _rows = _pull(settings, HANGZHOU)
    # "..\\..\\x" starts with a dot: treated like office lock/hidden files and left alone.
    assert sorted(p.filename for p in pulled) == sorted(n for n in names if not n.startswith("."))
    for p in pulled:
        # Archived under its content hash only: the submitted name never becomes a path.
        assert p.archive_path.parent.parent == settings.archive_dir
        assert p.archive_path.name.split(".")[0] == p.sha256
        assert p.archive_path.suffix in (".xlsx", ".xls", ".ods", ".bin")
    created = (_tree(workdir) - before) - {settings.warehouse_path.parent, settings.warehouse_path}
    created = {p for p in created if not str(p).startswith(str(settings.warehouse_path))}
    assert all(settings.archive_dir in p.parents or p == settings.archive_dir for p in created), created
    # The absolute path and traversal in a configured drop URL are the operator's, never the file's:
    # a name with "/" cannot come out of a directory listing.
    assert all("/" not in f.filename for f in list_drop(next(c for c in load_cities(settings) if c.code == HANGZHOU)))
