"""Two pulls or two runs at once take turns (no duplicate versions, no lock error reaches anyone);
a full disk while archiving gives a clear message and loses nothing already archived."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest

from greenpark.intake.archive import ArchiveWriteError, pull_all
from greenpark.intake.warehouse import connect
from greenpark.registry import load_cities
from greenpark.settings import get_settings

HERE = Path(__file__).resolve().parent
HANGZHOU = "330100"


def _env(workdir: Path) -> dict[str, str]:
    env = dict(os.environ, GREENPARK_WORKDIR=str(workdir), GREENPARK_TODAY="2025-08-10")
    for var in ("DAGSTER_HOME", "GREENPARK_WAREHOUSE", "GREENPARK_SITE_DIR"):
        env.pop(var, None)
    return env


def _start(step: str, workdir: Path) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, str(HERE / "rel_driver.py"), step], env=_env(workdir),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _drop_workbooks(workdir: Path) -> None:
    from fixtures.workbooks import valid_submission, write_workbook

    drop = workdir / "sources" / "inbox" / HANGZHOU
    for q in (1, 2):
        write_workbook(drop / f"{HANGZHOU}_2025Q{q}.xlsx", valid_submission(scale=1 + q / 10))


def _versions(workdir: Path) -> list[tuple]:
    with duckdb.connect(str(workdir / "data" / "warehouse.duckdb"), read_only=True) as con:
        return con.execute("SELECT version_id, sha256, status FROM submission_versions ORDER BY 1").fetchall()


def test_two_pulls_started_at_once_register_each_file_once(workdir: Path):
    _drop_workbooks(workdir)
    procs = [_start("pull", workdir) for _ in range(3)]
    outs = [p.communicate(timeout=300) for p in procs]
    assert [p.returncode for p in procs] == [0, 0, 0], [o[1][-2000:] for o in outs]
    assert not any("lock" in (o[0] + o[1]).lower() for o in outs)
    rows = _versions(workdir)
    assert [r[0] for r in rows] == ["330100-2025Q1-v1", "330100-2025Q2-v1"]


def test_two_runs_started_at_once_take_turns(workdir: Path):
    """Two intake runs (pull, validate, feed back, load) as real processes on one warehouse."""
    _drop_workbooks(workdir)
    procs = [_start("intake", workdir) for _ in range(2)]
    outs = [p.communicate(timeout=600) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], [o[1][-2000:] for o in outs]
    assert not any("conflicting lock" in (o[0] + o[1]).lower() for o in outs)
    rows = _versions(workdir)
    assert [r[0] for r in rows] == ["330100-2025Q1-v1", "330100-2025Q2-v1"]
    assert {r[2] for r in rows} <= {"已接收", "已接收但有警告"}
    with duckdb.connect(str(workdir / "data" / "warehouse.duckdb"), read_only=True) as con:
        # Loaded once: the second run found nothing pending.
        per_version = con.execute("SELECT version_id, count(*) FROM raw_park_quarter GROUP BY 1 ORDER BY 1").fetchall()
    assert len(per_version) == 2 and per_version[0][1] == per_version[1][1] > 0


def test_a_reader_waits_for_a_writer_instead_of_failing(workdir: Path):
    """`greenpark versions` (read-only) while another process holds the warehouse for writing."""
    settings = get_settings()
    with connect(settings.warehouse_path):
        pass
    holder = subprocess.Popen(
        [sys.executable, "-c", "import duckdb, sys, time; c = duckdb.connect(sys.argv[1]); print('held', flush=True); time.sleep(3)",
         str(settings.warehouse_path)], stdout=subprocess.PIPE, text=True)
    assert holder.stdout.readline().strip() == "held"
    started = time.perf_counter()
    cli = subprocess.run([str(Path(sys.executable).with_name("greenpark")), "versions", "--json"],
                         env=_env(workdir), capture_output=True, text=True, timeout=120)
    holder.wait()
    assert cli.returncode == 0, cli.stderr[-2000:]
    assert "lock" not in cli.stderr.lower()
    assert time.perf_counter() - started >= 1.0  # it really waited for the holder


@pytest.fixture
def small_disk(workdir: Path):
    """The archive folder on a 2 MiB tmpfs (we run as root in CI; no mount means a failed test)."""
    archive = workdir / "sources" / "archive"
    archive.mkdir(parents=True)
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", str(archive)], capture_output=True, text=True)
    if done.returncode != 0:
        pytest.fail(f"cannot mount a small tmpfs for the disk-full test (needs root): {done.stderr.strip()}")
    try:
        yield archive
    finally:
        subprocess.run(["umount", "-l", str(archive)], check=False)


def test_disk_full_while_archiving_is_a_clear_error_and_loses_nothing(workdir: Path, small_disk: Path):
    settings = get_settings()
    drop = settings.inbox_dir / HANGZHOU
    drop.mkdir(parents=True)
    first = os.urandom(1200 * 1024)
    (drop / f"{HANGZHOU}_2025Q1.xlsx").write_bytes(first)
    city = next(c for c in load_cities(settings) if c.code == HANGZHOU)
    with connect(settings.warehouse_path) as con:
        (pulled,) = pull_all(con, settings.archive_dir, [city])
    archived = pulled.archive_path.read_bytes()
    (drop / f"{HANGZHOU}_2025Q2.xlsx").write_bytes(os.urandom(1200 * 1024))  # does not fit
    with connect(settings.warehouse_path) as con:
        with pytest.raises(ArchiveWriteError) as err:
            pull_all(con, settings.archive_dir, [city])
        rows = con.execute("SELECT version_id, sha256 FROM submission_versions ORDER BY 1").fetchall()
    assert "磁盘空间不足" in str(err.value) and "已归档的文件和版本均未受影响" in str(err.value)
    assert rows == [(pulled.version_id, hashlib.sha256(first).hexdigest())]
    assert pulled.archive_path.read_bytes() == archived == first
    assert not list(small_disk.glob(".incoming-*")), "no half-written temp file left on the full disk"
    # Space comes back: the next pull takes the file that did not fit.
    subprocess.run(["mount", "-o", "remount,size=8m", str(small_disk)], check=True)
    with connect(settings.warehouse_path) as con:
        again = pull_all(con, settings.archive_dir, [city])
    assert sorted(p.version_id for p in again if p.is_new) == ["330100-2025Q2-v1"]
    assert pulled.archive_path.read_bytes() == first
