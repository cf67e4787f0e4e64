"""What the province console reads: every city's quarters (the same cells as a city's own grid,
views.grid, with lateness as its own kind), the findings of the warehouse summarised by rule, city
and quarter, rejection rate and lateness per city and year, and the XLSX export of the grid.

Reads go through `read_warehouse`: the pipeline's run lock and a read-only connection held for
milliseconds, like the versions snapshot, so the console never stands in a run's way.
"""

from __future__ import annotations

import io
import threading
from collections.abc import Callable
from dataclasses import dataclass

import duckdb
import pandas as pd
from fastapi import HTTPException

from ..submission.contract import due_date
from ..intake.warehouse import WarehouseBusyError, connect, exclusive_run, table_names
from ..submission.catalogue import catalogue_path, load_catalogue
from ..submission.findings import STATUS_REJECTED, STATUS_UNREADABLE
from ..settings import Settings
from . import views

READ_WAIT_S = 2.0
FINDINGS_PER_VERSION = 200  # findings listed per version in the drill-down; the feedback package has all
TOP_RULES = 15
# A city's own grid's kinds (views.KIND_TEXT) and "late": an accepted version received after the deadline.
KIND_TEXT = {**views.KIND_TEXT, "late": "逾期报送"}
LEGEND = tuple((kind, KIND_TEXT[kind]) for kind in ("accepted", "warnings", "late", "rejected", "missing", "pending",
                                                    "open"))


def read_warehouse(settings: Settings, lock: threading.Lock, read: Callable[[duckdb.DuckDBPyConnection], object]):
    """`read(con)` on a read-only connection, or 503 while a pipeline run holds the warehouse."""
    path = settings.warehouse_path
    if not path.exists():
        return read(None)
    try:
        with lock, exclusive_run(path, wait_seconds=READ_WAIT_S), \
                connect(path, read_only=True, wait_seconds=READ_WAIT_S) as con:
            return read(con)
    except WarehouseBusyError:
        raise HTTPException(503, "流水线正在运行,数据仓库暂不可读,请稍后刷新") from None


# --- the city × quarter grid ---------------------------------------------------------------------
@dataclass(frozen=True)
class ConsoleCell:
    city_code: str
    city_name: str
    cell: views.Cell

    @property
    def kind(self) -> str:
        """A city's own grid's kind, with an accepted version received after the deadline shown
        as "late" (its status stays in the label)."""
        if self.cell.kind in ("accepted", "warnings") and self.cell.late_days > 0:
            return "late"
        return self.cell.kind


def city_grid(snapshot: views.Snapshot, cities: dict[str, str], statuses: Callable[[str], dict], year: int,
              today) -> list[list[ConsoleCell]]:
    rows = []
    for code, name in sorted(cities.items()):
        mine = views.city_versions(snapshot, code, statuses(code))
        rows.append([ConsoleCell(code, name, c) for c in views.grid(mine, [year], today)[0]])
    return rows


def kind_counts(grids: list[tuple[int, list[list[ConsoleCell]]]]) -> dict[str, int]:
    counts = {kind: 0 for kind, _ in LEGEND}
    for _, rows in grids:
        for row in rows:
            for c in row:
                counts[c.kind] = counts.get(c.kind, 0) + 1
    return counts


XLSX_HEADERS = ("城市代码", "城市", "年份", "季度", "情况", "逾期天数", "有效版本", "版本数", "截止日期")


def grid_xlsx(grids: list[tuple[int, list[list[ConsoleCell]]]], demo: bool) -> bytes:
    """The grid as a workbook: one sheet per year, a long table (one row per city-quarter) with
    Chinese headers; a first line says 示例数据 on demo data."""
    import xlsxwriter

    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    book.set_properties({"title": "各市季度报送情况", "created": pd.Timestamp("2000-01-01").to_pydatetime()})
    bold = book.add_format({"bold": True})
    for year, rows in grids:
        sheet = book.add_worksheet(f"{year}年")
        first = 1 if demo else 0
        if demo:
            sheet.write(0, 0, "示例数据")
        sheet.write_row(first, 0, XLSX_HEADERS, bold)
        row_no = first
        for row in rows:
            for c in row:
                row_no += 1
                sheet.write_row(row_no, 0, (c.city_code, c.city_name, c.cell.year, c.cell.quarter, c.cell.label,
                                            c.cell.late_days, c.cell.version_in_force or "", c.cell.versions,
                                            c.cell.due.isoformat()))
        for col, width in ((1, 10), (4, 28), (6, 20), (8, 12)):
            sheet.set_column(col, col, width)
        sheet.freeze_panes(first + 1, 0)
    book.close()
    return buffer.getvalue()


# --- one city-quarter's versions and findings ----------------------------------------------------
def cell_findings(con, version_ids: list[str]) -> dict[str, list[dict]]:
    if con is None or not version_ids or "validation_findings" not in table_names(con):
        return {}
    placeholders = ", ".join("?" for _ in version_ids)
    frame = con.execute(
        f"SELECT version_id, rule_id, severity, sheet, excel_row, column_header, excel_column, value_seen, expected, "
        f"message_zh, row_number() OVER (PARTITION BY version_id ORDER BY sheet, excel_row, rule_id) AS n "
        f"FROM validation_findings WHERE version_id IN ({placeholders}) QUALIFY n <= {FINDINGS_PER_VERSION}",
        version_ids).df()
    out: dict[str, list[dict]] = {}
    for rec in frame.astype(object).where(frame.notna(), None).to_dict(orient="records"):
        out.setdefault(rec["version_id"], []).append(rec)
    return out


# --- quality trends ------------------------------------------------------------------------------
def _bar(value: float, top: float) -> int:
    """Width in per cent of a bar drawn by the template's inline SVG."""
    return 0 if top <= 0 or value <= 0 else max(1, round(100 * value / top))


def trends(con, versions: pd.DataFrame, cities: dict[str, str], settings: Settings) -> dict:
    """Findings by rule (the rules that fail most), by city and quarter; rejection rate and
    lateness per city and year."""
    titles = {r.id: r.title for r in load_catalogue(catalogue_path(settings.expectations_dir)).rules}
    findings = pd.DataFrame(columns=["city_code", "year", "quarter", "rule_id", "severity", "n", "versions"])
    if con is not None and "validation_findings" in table_names(con):
        findings = con.execute(
            "SELECT v.city_code, v.year, v.quarter, f.rule_id, f.severity, count(*) AS n, "
            "count(DISTINCT f.version_id) AS versions "
            "FROM validation_findings f JOIN submission_versions v USING (version_id) "
            "GROUP BY ALL ORDER BY ALL").df()
    by_rule = (findings.groupby(["rule_id", "severity"], as_index=False)
               .agg(n=("n", "sum"), versions=("versions", "sum"), cities=("city_code", "nunique"))
               .sort_values(["versions", "n", "rule_id"], ascending=[False, False, True]).head(TOP_RULES))
    top = float(by_rule.versions.max()) if len(by_rule) else 0.0
    rules = [{"rule_id": r.rule_id, "title": titles.get(r.rule_id, r.rule_id), "severity": r.severity,
              "n": int(r.n), "versions": int(r.versions), "cities": int(r.cities), "bar": _bar(r.versions, top)}
             for r in by_rule.itertuples()]

    periods = sorted({(int(y), int(q)) for y, q in zip(versions.year.dropna(), versions.quarter.dropna())})
    counts = {(r.city_code, int(r.year), int(r.quarter)): int(r.n)
              for r in findings.groupby(["city_code", "year", "quarter"], as_index=False).n.sum().itertuples()}
    by_city_quarter = [{"code": code, "name": name, "counts": [counts.get((code, y, q), 0) for y, q in periods]}
                       for code, name in sorted(cities.items())]

    years = sorted({int(y) for y in versions.year.dropna()})
    per_city = []
    worst = 0.0
    for code, name in sorted(cities.items()):
        mine = versions[versions.city_code == code]
        cells = []
        for year in years:
            v = mine[mine.year == year]
            rejected = int(v.status.isin([STATUS_REJECTED, STATUS_UNREADABLE]).sum())
            in_force = v[v.in_force.astype(bool)]
            late = [views.days_late(r.received_at, due_date(int(r.year), int(r.quarter))) for r in in_force.itertuples()]
            late = [d for d in late if d > 0]
            rate = rejected / len(v) if len(v) else 0.0
            worst = max(worst, rate)
            cells.append({"year": year, "versions": len(v), "rejected": rejected, "rate": rate,
                          "late_quarters": len(late), "late_days": max(late) if late else 0})
        per_city.append({"code": code, "name": name, "years": cells})
    for city in per_city:
        for cell in city["years"]:
            cell["bar"] = _bar(cell["rate"], worst)
    return {"rules": rules, "periods": periods, "by_city_quarter": by_city_quarter, "years": years,
            "per_city": per_city, "n_findings": int(findings.n.sum()) if len(findings) else 0}
