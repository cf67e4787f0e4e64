"""Loading: only accepted versions reach the raw tables; the last accepted version stays in force."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pandas as pd
import pytest

from greenpark.submission.contract import PARK_QUARTER
from greenpark.intake.archive import pull_all
from greenpark.intake.warehouse import connect, pending_versions, record_outcome
from greenpark.submission.findings import (
    STATUS_ACCEPTED,
    STATUS_ACCEPTED_WITH_WARNINGS,
    STATUS_REJECTED,
    Finding,
)
from greenpark.registry import City
from greenpark.settings import get_settings

def _frames(value_added: float) -> dict[str, pd.DataFrame]:
    row = {c.name: None for c in PARK_QUARTER.columns}
    row.update(park_code="3301-01", park_name="杭州经济技术开发区", value_added=value_added, employees=10)
    frame = pd.DataFrame([{"source_row": 3, **row}])
    frame["employees"] = frame["employees"].astype("Int64")
    return {"park_quarter": frame}


@pytest.fixture
def con(workdir: Path):
    (workdir / "sources" / "inbox" / "330100").mkdir(parents=True)
    with connect(get_settings().warehouse_path) as con:
        yield con


def _submit(con, content: bytes) -> str:
    drop = get_settings().inbox_dir / "330100"
    (drop / "330100_2025Q2.xlsx").write_bytes(content)
    city = City(code="330100", name="杭州市", drop_url=str(drop))
    (pulled,) = [p for p in pull_all(con, get_settings().archive_dir, [city]) if p.is_new]
    return pulled.version_id


def _state(con):
    versions = con.execute(
        "SELECT version_id, status, in_force, n_error FROM submission_versions ORDER BY version_id"
    ).fetchall()
    loaded = con.execute("SELECT version_id, value_added FROM raw_park_quarter ORDER BY version_id").fetchall()
    return versions, loaded


def test_accepted_then_rejected_then_corrected(con):
    error = Finding("PQ-NONNEG", "error", "用电量不能为负数", sheet="园区季度指标", excel_row=3)
    warning = Finding("PQ-QOQ", "warning", "环比变化超过 50%", sheet="园区季度指标", excel_row=3)

    v1 = _submit(con, b"v1")
    record_outcome(con, v1, STATUS_ACCEPTED, [], _frames(100.0))
    v2 = _submit(con, b"v2 with a wrong cell")
    record_outcome(con, v2, STATUS_REJECTED, [error], None)
    versions, loaded = _state(con)
    assert versions == [(v1, STATUS_ACCEPTED, True, 0), (v2, STATUS_REJECTED, False, 1)]
    assert loaded == [(v1, 100.0)]  # the rejected version loaded nothing; v1 stays in force

    v3 = _submit(con, b"v3 corrected")
    record_outcome(con, v3, STATUS_ACCEPTED_WITH_WARNINGS, [warning], _frames(120.0))
    versions, loaded = _state(con)
    assert [(v, f) for v, _, f, _ in versions] == [(v1, False), (v2, False), (v3, True)]
    # Earlier accepted rows stay for the revisions mart; staging reads only the version in force.
    assert loaded == [(v1, 100.0), (v3, 120.0)]
    assert con.execute("SELECT rule_id FROM validation_findings ORDER BY rule_id").fetchall() == [
        ("PQ-NONNEG",),
        ("PQ-QOQ",),
    ]
    assert pending_versions(con).empty


def test_recording_twice_is_idempotent(con):
    v1 = _submit(con, b"v1")
    record_outcome(con, v1, STATUS_ACCEPTED, [], _frames(100.0))
    record_outcome(con, v1, STATUS_ACCEPTED, [], _frames(100.0))
    _, loaded = _state(con)
    assert loaded == [(v1, 100.0)]


def test_a_failed_load_leaves_nothing_half_written(con):
    v1 = _submit(con, b"v1")
    record_outcome(con, v1, STATUS_ACCEPTED, [], _frames(100.0))
    v2 = _submit(con, b"v2")
    warning = Finding("PQ-QOQ", "warning", "环比变化超过 50%", sheet="园区季度指标", excel_row=3)
    bad = _frames(120.0)
    bad["park_quarter"]["value_added"] = ["not a number"]
    # The findings are written first, then the rows fail to convert: all of it must roll back.
    with pytest.raises(duckdb.ConversionException, match="not a number"):
        record_outcome(con, v2, STATUS_ACCEPTED, [warning], bad)
    versions, loaded = _state(con)
    assert versions == [(v1, "已接收", True, 0), (v2, "待处理", False, None)]
    assert loaded == [(v1, 100.0)]
    assert con.execute("SELECT count(*) FROM validation_findings").fetchall() == [(0,)]


def test_generated_registry_is_rewritten_only_to_what_changed():
    """Every slice run passes the generated parks; the table always ends equal to the last call,
    whether rows changed, went away or stayed the same (then nothing is written)."""
    from greenpark.intake.warehouse import ensure_schema, replace_generated_registry
    from greenpark.registry import REGISTRY_COLUMNS

    con = duckdb.connect()
    ensure_schema(con)
    parks = pd.DataFrame([{c: f"{c}-{i}" for c in REGISTRY_COLUMNS} for i in range(3)])
    parks.iloc[0, 1] = None

    def table() -> list[tuple]:
        return sorted(con.execute("SELECT * FROM raw_park_registry_generated").fetchall(), key=str)

    def expected(frame: pd.DataFrame) -> list[tuple]:
        return sorted((tuple(None if pd.isna(v) else v for v in row) for row in frame.itertuples(index=False)), key=str)

    for frame in (parks, parks, parks.head(2), parks.assign(**{REGISTRY_COLUMNS[2]: "改"}), parks.head(0)):
        replace_generated_registry(con, frame)
        assert table() == expected(frame)


def test_a_bulk_load_keeps_one_warehouse_open_and_loses_nothing_committed(tmp_path: Path):
    """`kept_open` (a bulk load's slice runs): every connect inside is a cursor on one open database,
    read-only ones included (DuckDB refuses a second open of the file with another configuration);
    the file is free for other processes (dbt) once the block ends; and a process killed inside the
    block loses none of its commits."""
    import subprocess
    import sys
    import textwrap

    from greenpark.intake.warehouse import kept_open

    path = tmp_path / "warehouse.duckdb"
    with kept_open(path):
        with connect(path) as con:
            con.execute("CREATE TABLE t (x INTEGER)")
            con.execute("INSERT INTO t VALUES (1)")
        with connect(path, read_only=True) as con:
            assert con.execute("SELECT count(*) FROM t").fetchone() == (1,)
    # another process opens it now, as dbt does after the intake
    assert subprocess.run([sys.executable, "-c", f"import duckdb; duckdb.connect({str(path)!r}).execute('SELECT * FROM t')"],
                          capture_output=True).returncode == 0

    killed = textwrap.dedent(f"""
        import os, signal
        from pathlib import Path
        from greenpark.intake.warehouse import connect, kept_open
        path = Path({str(path)!r})
        with kept_open(path):
            with connect(path) as con:
                con.execute("INSERT INTO t VALUES (2)")
            os.kill(os.getpid(), signal.SIGKILL)
    """)
    assert subprocess.run([sys.executable, "-c", killed]).returncode == -9
    with duckdb.connect(str(path), read_only=True) as con:
        assert con.execute("SELECT list(x ORDER BY x) FROM t").fetchone() == ([1, 2],)
