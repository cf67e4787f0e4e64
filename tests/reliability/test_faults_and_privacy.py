"""kill -9 at random moments of the whole pipeline (CI-sized loop; the full ≥50 loop is
`tests/reliability/kill_loop.py --kills 50`), then, on the site the surviving runs published: no
enterprise USCC, name or value anywhere in it or in the open data, suppressed cells stay empty in
every format, and open-data text cannot run as a formula."""

from __future__ import annotations

import csv
import gzip
import io
import os
import random
import zipfile
from pathlib import Path

import duckdb
import pyarrow.parquet as pq
import pytest

from kill_loop import loop

KILLS = int(os.environ.get("GREENPARK_CI_KILLS", "3"))


@pytest.fixture(scope="module")
def faulted(tmp_path_factory):
    seed = int(os.environ.get("GREENPARK_KILL_SEED") or random.SystemRandom().randrange(1_000_000))
    print(f"kill loop seed: {seed} (GREENPARK_KILL_SEED={seed} replays it)")
    workdir = tmp_path_factory.mktemp("faulted")
    stats = loop(workdir, KILLS, seed, max_delay=40.0)
    return workdir, stats


def test_every_kill_leaves_a_consistent_warehouse_archive_and_site(faulted):
    _, stats = faulted
    assert stats["rounds"] == KILLS
    assert stats["violations"] == [], stats["violations"]
    assert stats["bytes_lost"] == 0


def _public_texts(root: Path):
    """(file, text) for every built file, looking inside XLSX zips, Parquet and gzip."""
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        data = path.read_bytes()
        if path.suffix == ".xlsx":
            with zipfile.ZipFile(io.BytesIO(data)) as zf:
                for name in zf.namelist():
                    yield f"{path}!{name}", zf.read(name).decode("utf-8", "replace")
        elif path.suffix == ".parquet":
            yield str(path), pq.read_table(path).to_pandas().to_csv(index=False)
        elif path.suffix == ".gz":
            yield str(path), gzip.decompress(data).decode("utf-8", "replace")
        else:
            yield str(path), data.decode("utf-8", "replace")


def test_no_enterprise_uscc_name_or_value_is_published(faulted):
    workdir, _ = faulted
    with duckdb.connect(str(workdir / "data" / "warehouse.duckdb"), read_only=True) as con:
        ent = con.execute("SELECT * FROM raw_enterprise_quarter").df()
        parks = con.execute("SELECT DISTINCT park_name FROM main.dim_park").df().park_name
    assert len(ent) > 0
    secrets = set(ent.uscc.dropna()) | {n for n in ent.enterprise_name.dropna() if len(n) >= 4}
    secrets -= set(parks)  # a park name that happens to equal a company name is public anyway
    numeric = [c for c in ent.columns if ent[c].dtype.kind == "f"]
    for col in numeric:  # distinctive enterprise values, as a page or a CSV would print them
        for v in ent[col].dropna():
            if abs(v) >= 1000 and v != int(v):
                secrets |= {repr(float(v)), f"{v:,.2f}", f"{v:.2f}"}
    found = [(name, s) for name, text in _public_texts(workdir / "site" / "public") for s in secrets if s in text]
    assert found == [], found[:20]


def test_open_data_text_cannot_run_as_a_formula_and_suppressed_cells_stay_empty(faulted):
    workdir, _ = faulted
    files = sorted((workdir / "site" / "public").rglob("*.csv"))
    assert files
    for path in files:
        for row in csv.reader(io.StringIO(path.read_text(encoding="utf-8-sig"))):
            for cell in row:
                if cell[:1] in ("=", "+", "@", "\t", "\r") or (cell[:1] == "-" and not _is_number(cell)):
                    pytest.fail(f"{path.name}: cell {cell!r} would run as a formula")
    with duckdb.connect(str(workdir / "data" / "warehouse.duckdb"), read_only=True) as con:
        suppressed = con.execute("SELECT count(*) FROM main.fct_park_mujun_public WHERE is_suppressed "
                                 "AND (n_enterprises IS NOT NULL OR share_pct IS NOT NULL)").fetchall()[0][0]
    assert suppressed == 0


def _is_number(text: str) -> bool:
    try:
        float(text)
        return True
    except ValueError:
        return False


def test_open_data_writers_escape_formulas_in_csv_and_xlsx(tmp_path: Path):
    """The writers themselves, on hostile park names (the real names never start with = + - @)."""
    import openpyxl
    import pandas as pd

    from greenpark.publish.open_data import PARK_FIELDS, write_csv, write_xlsx

    hostile = ["=HYPERLINK(\"http://x\")", "+cmd|' /C calc'!A0", "-1+1", "@SUM(A1)", "<script>alert(1)</script>"]
    frame = pd.DataFrame({"park_code": [f"3301-{i:02d}" for i in range(len(hostile))], "park_name": hostile,
                          "city_code": "330100", "city_name": "杭州市", "year": 2025})
    write_csv(frame, PARK_FIELDS, tmp_path / "x.csv")
    write_xlsx(frame, PARK_FIELDS, tmp_path / "x.xlsx", "测试")
    rows = list(csv.reader(io.StringIO((tmp_path / "x.csv").read_text(encoding="utf-8-sig"))))
    names = [r[1] for r in rows[1:]]
    assert all(n[:1] not in "=+-@" for n in names[:4]), names
    ws = openpyxl.load_workbook(tmp_path / "x.xlsx").active
    cells = [c for row in ws.iter_rows() for c in row]
    assert not [c.coordinate for c in cells if c.data_type == "f"]
    assert all(not str(c.value or "").startswith(("=", "+", "-", "@")) for c in cells if c.column == 2)
