"""The floor: the fastest honest hand-written pipeline over the same workbooks.

python-calamine to Arrow, one DuckDB SQL computing the park-year indicators that come from the
quarterly flows. No archive, no checks, no feedback, no site. Our data stages are compared with this.

    uv run python bench/floor.py DROP_DIR [--json]
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import time
import unicodedata
from pathlib import Path

import duckdb
import pyarrow as pa
from python_calamine import CalamineWorkbook

from greenpark.submission.contract import ENTERPRISE_QUARTER, FILENAME_RE, NUMBER, INTEGER, PARK_QUARTER

SQL = """
WITH q AS (
    SELECT park_code, year, quarter,
           gross_output, value_added, tax, hightech_output, green_output, land_mu, employees,
           electricity, renewable_electricity, fresh_water, reused_water, reclaimed_water, wastewater,
           solid_waste, solid_waste_utilised, hazardous_waste, hazardous_waste_treated, cod, nh3n, so2, nox,
           raw_coal * 0.7143 + natural_gas * 12.143 + fuel_oil * 1.4286 + diesel * 1.4571 + gasoline * 1.4714
             + lpg * 1.7143 + purchased_heat * 0.03412 + electricity * 1.229 AS energy_tce,
           raw_coal * 1.9003 + natural_gas * 21.650 + fuel_oil * 3.1705 + diesel * 3.0959 + gasoline * 2.9251
             + lpg * 3.1013 + purchased_heat * 0.11
             + (electricity - renewable_electricity) * 10 * coalesce(g.factor, 0.5306) AS co2_t,
           waste_heat_recovered
    FROM park_quarter
    LEFT JOIN (VALUES (2022, 0.5366), (2023, 0.5306)) AS g(year_, factor) ON g.year_ = park_quarter.year
), y AS (
    SELECT park_code, year,
           sum(value_added) AS va, sum(gross_output) AS gross, sum(tax) AS tax,
           sum(hightech_output) AS hightech, sum(green_output) AS green,
           arg_max(land_mu, quarter) AS land, arg_max(employees, quarter) AS employees,
           sum(electricity) AS elec, sum(renewable_electricity) AS renew, sum(fresh_water) AS fresh,
           sum(reused_water) AS reused, sum(reclaimed_water) AS reclaimed, sum(wastewater) AS wastewater,
           sum(solid_waste) AS sw, sum(solid_waste_utilised) AS swu, sum(hazardous_waste) AS hw,
           sum(hazardous_waste_treated) AS hwt, sum(cod) AS cod, sum(nh3n) AS nh3n, sum(so2) AS so2,
           sum(nox) AS nox, sum(energy_tce) AS tce, sum(co2_t) AS co2, sum(waste_heat_recovered) AS whr
    FROM q GROUP BY park_code, year
), e AS (
    SELECT park_code, year, count(DISTINCT uscc) AS n_enterprises, sum(value_added) AS ent_va
    FROM enterprise_quarter GROUP BY park_code, year
)
SELECT y.park_code, y.year,
       tce / va AS eg01, co2 / va AS eg02, 100 * renew / elec AS eg03, 100 * whr * 0.03412 / tce AS eg04,
       fresh * 1e4 / va AS rg01, 100 * reused / (reused + fresh) AS rg02,
       100 * reclaimed / (reclaimed + wastewater) AS rg03, va / fresh AS rg04, va / land AS rg05,
       tax / land AS rg06, 100 * least(swu / sw, 1) AS rg07, sw / va AS rg08,
       100 * hightech / gross AS cg01, 100 * green / gross AS cg02, va / employees AS cg03,
       cod * 1000 / va AS hg01, nh3n * 1000 / va AS hg02, so2 * 1000 / va AS hg03, nox * 1000 / va AS hg04,
       100 * least(hwt / hw, 1) AS hg05, e.n_enterprises, e.ent_va
FROM y LEFT JOIN e USING (park_code, year)
ORDER BY y.park_code, y.year
"""


def _number(value) -> float | None:
    if value is None or value == "":
        return None
    if isinstance(value, (int, float)):
        return float(value)
    try:
        return float(unicodedata.normalize("NFKC", str(value)).replace(",", "").strip())
    except ValueError:  # "约500" in the rejected set: no number
        return None


def _key(text) -> str:
    """A header as typed (full-width brackets, stray spaces) reduced to the contract's spelling."""
    return "".join(unicodedata.normalize("NFKC", str(text)).split())


def read_sheet(book: CalamineWorkbook, sheet_name: str, columns) -> dict[str, list]:
    """The minimum the realistic sets need: find the header row below titles and notes, match
    headers after NFKC, skip blank spacer rows, read full-width digits and thousands separators."""
    rows = book.get_sheet_by_name(sheet_name).to_python(skip_empty_area=False)
    headers = [_key(c.header) for c in columns]
    header_at = next(i for i, row in enumerate(rows) if headers[0] in [_key(v) for v in row])
    index = {_key(v): j for j, v in enumerate(rows[header_at])}
    out: dict[str, list] = {c.name: [] for c in columns}
    for row in rows[header_at + 1 :]:
        if row[index[headers[0]]] in (None, ""):
            continue
        for col, header in zip(columns, headers):
            value = row[index[header]]
            out[col.name].append(_number(value) if col.kind in (NUMBER, INTEGER) else str(value).strip())
    return out


def run(drop_dir: Path) -> dict:
    started = time.perf_counter()
    parks, enterprises = [], []
    files = sorted(p for p in drop_dir.rglob("*") if FILENAME_RE.match(p.name))
    for path in files:
        m = FILENAME_RE.match(path.name)
        book = CalamineWorkbook.from_path(str(path))
        for sheet, sink in ((PARK_QUARTER, parks), (ENTERPRISE_QUARTER, enterprises)):
            data = read_sheet(book, sheet.name, sheet.columns)
            n = len(next(iter(data.values())))
            data["year"] = [int(m["year"])] * n
            data["quarter"] = [int(m["quarter"])] * n
            sink.append(pa.table(data))
    read_s = time.perf_counter() - started
    con = duckdb.connect()
    con.register("park_quarter", pa.concat_tables(parks, promote_options="default"))
    con.register("enterprise_quarter", pa.concat_tables(enterprises, promote_options="default"))
    result = con.sql(SQL).to_arrow_table()
    total_s = time.perf_counter() - started
    return {
        "files": len(files),
        "park_quarter_rows": sum(t.num_rows for t in parks),
        "enterprise_rows": sum(t.num_rows for t in enterprises),
        "park_years": result.num_rows,
        "read_seconds": round(read_s, 3),
        "sql_seconds": round(total_s - read_s, 3),
        "total_seconds": round(total_s, 3),
        "peak_rss_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("drop_dir", type=Path)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    figures = run(args.drop_dir)
    print(json.dumps(figures, ensure_ascii=False) if args.json else "\n".join(f"{k}: {v}" for k, v in figures.items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
