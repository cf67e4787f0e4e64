"""An outside analyst's attack on the published site: can any withheld enterprise count be derived?

It reads only what a member of the public gets — the built HTML pages and the open-data files
(CSV, XLSX) — never the warehouse. It parses every table generically (any <table>, numbers with
units, percentages at their shown precision), so it does not depend on the markup of the pages.

Cells counting enterprises are found by their header (企业数). Every figure about one park-year's
亩均 classes, wherever published (report page, open data), is pooled, and the attacker solves:

* the total N: published, or every integer consistent with all shown shares at the shown
  precision (interval arithmetic on rounded percentages) and with the shown counts;
* for each N, the hidden cells sum to N − Σ shown; each hidden cell is bounded by what it is known
  to be ("<3 家": 0..t−1; withheld to protect another cell: ≥ t; otherwise ≥ 0) and by a shown
  share of it, if any;
* the feasible values of each hidden cell are the union over N.

A hidden cell is *recoverable* when one value is feasible, and *narrowed* when it is known to be
below t but not every value 0..t−1 is feasible. Enterprise-count tables that do not describe one
park-year (a city or province total of classes) are reported as `unhandled`, so publishing such a
table fails the test until this attacker also solves "city = sum of parks" for it.

Run by hand on any built site: python tests/unit/disclosure_attack.py SITE_DIR [--json] [--pages-only]
(exit status 1 when anything is exposed; --pages-only ignores the open data, as a page reader would).
"""

from __future__ import annotations

import csv
import json
import math
import re
import sys
from collections import defaultdict
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

THRESHOLD = 3
MAX_CANDIDATES = 200_000
_NUM = re.compile(r"[-+]?\d[\d,，]*(?:\.\d+)?")


class _Tables(HTMLParser):
    """Every <table> of a page as rows of cell texts (th and td alike)."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tables: list[list[list[str]]] = []
        self._stack: list[list[list[str]]] = []
        self._cell: list[str] | None = None

    def handle_starttag(self, tag, attrs):
        if tag == "table":
            self._stack.append([])
        elif tag == "tr" and self._stack:
            self._stack[-1].append([])
        elif tag in ("td", "th") and self._stack:
            self._cell = []

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self._cell is not None and self._stack:
            if not self._stack[-1]:
                self._stack[-1].append([])
            self._stack[-1][-1].append(" ".join("".join(self._cell).split()))
            self._cell = None
        elif tag == "table" and self._stack:
            self.tables.append(self._stack.pop())

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)


def html_tables(path: Path) -> list[list[list[str]]]:
    parser = _Tables()
    parser.feed(path.read_text(encoding="utf-8", errors="replace"))
    return [t for t in parser.tables if t]


def number(text: str) -> tuple[float, int] | None:
    """The number in a cell and its shown decimals ('9.3 %' → (9.3, 1), '1,234 家' → (1234, 0))."""
    m = _NUM.search(text.replace("\u00a0", " "))
    if not m:
        return None
    raw = m.group(0).replace(",", "").replace("，", "")
    decimals = len(raw.split(".")[1]) if "." in raw else 0
    return float(raw), decimals


@dataclass
class Cell:
    value: int | None = None
    low: int = 0                 # known bounds of a hidden cell
    high: float = math.inf
    below_threshold: bool = False
    share: tuple[float, float] | None = None   # interval of the shown share, in %
    sources: set[str] = field(default_factory=set)


@dataclass
class Group:
    cells: dict[str, Cell] = field(default_factory=lambda: defaultdict(Cell))
    total: int | None = None
    sources: set[str] = field(default_factory=set)


def _hidden_kind(text: str) -> tuple[int, float, bool] | None:
    """Bounds of a withheld count from its marker; None when the cell shows a value."""
    t = text.strip()
    if "<" in t or "＜" in t or "少于" in t:
        m = number(t)
        cut = int(m[0]) if m else THRESHOLD
        return 0, cut - 1, True
    if t in ("", "—", "-", "–") or "不公开" in t or "隐藏" in t:
        return (THRESHOLD, math.inf, False) if ("不公开" in t or "隐藏" in t) else (0, math.inf, False)
    return None


def _share_interval(text: str) -> tuple[float, float] | None:
    parsed = number(text)
    if parsed is None or "<" in text:
        return None
    value, decimals = parsed
    half = 0.5 * 10 ** -decimals
    return value - half, value + half


def _record(group: Group, cls: str, count_text: str, share_text: str | None, source: str, status: str = "") -> None:
    cell = group.cells[cls]
    cell.sources.add(source)
    group.sources.add(source)
    kind = _hidden_kind(count_text)
    if kind is None:
        parsed = number(count_text)
        if parsed is not None:
            cell.value = int(round(parsed[0]))
    else:
        low, high, below = kind
        status_kind = _hidden_kind(status) if status else None
        if status_kind is not None:
            low, high, below = max(low, status_kind[0]), min(high, status_kind[1]), below or status_kind[2]
        cell.low, cell.high = max(cell.low, low), min(cell.high, high)
        cell.below_threshold |= below
    if share_text is not None:
        interval = _share_interval(share_text)
        if interval is not None:
            cell.share = interval if cell.share is None else (max(cell.share[0], interval[0]),
                                                              min(cell.share[1], interval[1]))


def _column(headers: list[str], *needles: str, exclude: tuple[str, ...] = ()) -> int | None:
    for i, h in enumerate(headers):
        if any(n in h for n in needles) and not any(x in h for x in exclude):
            return i
    return None


_REPORT = re.compile(r"parks/(?P<park>[^/]+)/(?P<year>\d{4})(?:/index)?\.html$")


class Attack:
    def __init__(self, threshold: int = THRESHOLD):
        self.threshold = threshold
        self.groups: dict[tuple[str, int], Group] = defaultdict(Group)
        self.unhandled: list[str] = []
        self.tables_read = 0
        self.numbers_read = 0

    # --- reading ---------------------------------------------------------------------------------
    def read_site(self, site: Path, *, open_data: bool = True) -> Attack:
        for page in sorted(site.rglob("*.html")):
            rel = page.relative_to(site).as_posix()
            for rows in html_tables(page):
                self.tables_read += 1
                self.numbers_read += sum(1 for r in rows for c in r if number(c))
                self._table(rows, rel, _REPORT.search(rel))
        if not open_data:
            return self
        for path in sorted(site.rglob("*.csv")):
            with path.open(encoding="utf-8-sig", newline="") as fh:
                self._records(list(csv.reader(fh)), path.relative_to(site).as_posix())
        for path in sorted(site.rglob("*.xlsx")):
            import openpyxl

            wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
            for ws in wb.worksheets:
                rows = [["" if v is None else str(v) for v in row] for row in ws.iter_rows(values_only=True)]
                self._records(rows, f"{path.relative_to(site).as_posix()}#{ws.title}")
        return self

    def _table(self, rows: list[list[str]], source: str, report) -> None:
        headers = rows[0]
        count = _column(headers, "企业数", exclude=("总数", "合计"))
        if count is None:
            return
        park, year = _column(headers, "园区代码"), _column(headers, "年度")
        if park is not None and year is not None:
            self._records(rows, source)
            return
        if report is None:
            self.unhandled.append(source)
            return
        key = (report.group("park"), int(report.group("year")))
        share = _column(headers, "占比", "比例", "%")
        group = self.groups[key]
        for row in rows[1:]:
            if len(row) <= count:
                continue
            label = row[0]
            if "合计" in label or "总" in label:
                parsed = number(row[count])
                if parsed is not None and _hidden_kind(row[count]) is None:
                    group.total = int(parsed[0])
                continue
            self.numbers_read += 1
            _record(group, _class(label), row[count], row[share] if share is not None and share < len(row) else None,
                    source)

    def _records(self, rows: list[list[str]], source: str) -> None:
        """A flat table with park code and year columns (open data, an all-parks table)."""
        if not rows:
            return
        headers = rows[0]
        count = _column(headers, "企业数", exclude=("总数", "合计", "状态", "说明"))
        if count is None:
            return
        park, year = _column(headers, "园区代码"), _column(headers, "年度")
        cls = _column(headers, "分类", "类别")
        if park is None or year is None or cls is None:
            self.unhandled.append(source)
            return
        share = _column(headers, "占比", "比例", exclude=("状态", "说明"))
        total = _column(headers, "企业总数", "合计", exclude=("状态", "说明"))
        status = _column(headers, "企业数公开状态", "企业数说明")
        self.tables_read += 1
        for row in rows[1:]:
            if len(row) < len(headers):
                row = row + [""] * (len(headers) - len(row))
            key = (row[park].lstrip("'"), int(float(row[year])))
            group = self.groups[key]
            self.numbers_read += sum(1 for c in row if number(c))
            _record(group, _class(row[cls]), row[count], row[share] if share is not None else None, source,
                    row[status] if status is not None else "")
            if total is not None and _hidden_kind(row[total]) is None and number(row[total]):
                group.total = int(number(row[total])[0])

    # --- solving ---------------------------------------------------------------------------------
    def solve(self) -> list[dict]:
        """One finding per hidden cell: its feasible values (or bounds) and whether it is exposed."""
        findings = []
        for key, group in sorted(self.groups.items()):
            findings.extend(self._solve_group(key, group))
        return findings

    def _totals(self, group: Group, shown: dict[str, int], hidden: dict[str, Cell]) -> range | None:
        if group.total is not None:
            return range(group.total, group.total + 1)
        low = sum(shown.values()) + sum(c.low for c in hidden.values())
        high = math.inf
        for cls, value in shown.items():
            share = group.cells[cls].share
            if share and share[0] > 0:
                low = max(low, math.ceil(100 * value / share[1] - 1e-9))
                high = min(high, math.floor(100 * value / share[0] + 1e-9))
            elif share and value > 0:
                low = max(low, math.ceil(100 * value / share[1] - 1e-9))
        if math.isinf(high):
            if all(math.isfinite(c.high) for c in hidden.values()):
                high = sum(shown.values()) + sum(c.high for c in hidden.values())
            else:
                return None
        return range(int(low), int(min(high, low + MAX_CANDIDATES)) + 1)

    def _solve_group(self, key, group: Group) -> list[dict]:
        shown = {k: c.value for k, c in group.cells.items() if c.value is not None}
        hidden = {k: c for k, c in group.cells.items() if c.value is None}
        if not hidden:
            return []
        feasible: dict[str, set[int]] = {k: set() for k in hidden}
        unbounded: set[str] = set()
        totals = self._totals(group, shown, hidden)
        if totals is None:  # no equation ties the hidden cells to anything
            return [self._finding(key, k, c, None) for k, c in sorted(hidden.items())]
        for n in totals:
            if n <= 0 and shown:
                continue
            if any(c.share and not (c.share[0] - 1e-9 <= 100 * shown[k] / n <= c.share[1] + 1e-9)
                   for k, c in group.cells.items() if k in shown):
                continue
            bounds = {}
            for k, c in hidden.items():
                lo, hi = c.low, c.high
                if c.share:
                    lo, hi = max(lo, math.ceil(n * c.share[0] / 100 - 1e-9)), min(hi, math.floor(n * c.share[1] / 100 + 1e-9))
                bounds[k] = (lo, hi)
            rest = n - sum(shown.values())
            if rest < sum(lo for lo, _ in bounds.values()) or rest > sum(hi for _, hi in bounds.values()):
                continue
            for k, (lo, hi) in bounds.items():
                others_lo = sum(b[0] for j, b in bounds.items() if j != k)
                others_hi = sum(b[1] for j, b in bounds.items() if j != k)
                v_lo, v_hi = max(lo, rest - others_hi), min(hi, rest - others_lo)
                if v_lo > v_hi:
                    continue
                if math.isinf(v_hi) or v_hi - v_lo > MAX_CANDIDATES:
                    unbounded.add(k)
                else:
                    feasible[k].update(range(int(v_lo), int(v_hi) + 1))
        return [self._finding(key, k, c, None if k in unbounded else feasible[k]) for k, c in sorted(hidden.items())]

    def _finding(self, key, cls: str, cell: Cell, values: set[int] | None) -> dict:
        """values: the feasible values; None when unbounded (nothing ties the cell down)."""
        allowed = set(range(0, self.threshold)) if cell.below_threshold else None
        exact = next(iter(values)) if values is not None and len(values) == 1 else None
        narrowed = values is not None and allowed is not None and not allowed <= values
        shown_values = None if values is None else sorted(values)
        return {"park_code": key[0], "year": key[1], "class": cls, "below_threshold": cell.below_threshold,
                "feasible": shown_values, "recoverable": exact is not None, "value": exact,
                "narrowed": bool(narrowed), "sources": sorted(cell.sources)}


def _class(label: str) -> str:
    m = re.search(r"[A-D]", label)
    return m.group(0) if m else label.strip()


def attack(site: Path, threshold: int = THRESHOLD, *, open_data: bool = True) -> dict:
    a = Attack(threshold).read_site(Path(site), open_data=open_data)
    findings = a.solve()
    pages = {(f["park_code"], f["year"]) for f in findings if f["recoverable"] or f["narrowed"]}
    return {
        "tables_read": a.tables_read, "numbers_read": a.numbers_read, "groups": len(a.groups),
        "hidden_cells": len(findings),
        "recoverable": [f for f in findings if f["recoverable"]],
        "narrowed": [f for f in findings if f["narrowed"] and not f["recoverable"]],
        "exposed_park_years": len(pages),
        "unhandled_tables": sorted(set(a.unhandled)),
    }


def main(argv: list[str]) -> int:
    if not argv or argv[0] in ("-h", "--help"):
        print(__doc__)
        return 2
    result = attack(Path(argv[0]), open_data="--pages-only" not in argv)
    if "--json" in argv:
        print(json.dumps(result, ensure_ascii=False, indent=1))
    else:
        print(f"读取表格 {result['tables_read']} 个、数字 {result['numbers_read']} 个；"
              f"园区年度组 {result['groups']} 个，隐藏单元 {result['hidden_cells']} 个")
        print(f"可精确推算的隐藏单元：{len(result['recoverable'])} 个；范围被缩小的：{len(result['narrowed'])} 个；"
              f"涉及园区年度 {result['exposed_park_years']} 个；未能分析的企业数表格 {len(result['unhandled_tables'])} 个")
        for f in result["recoverable"][:10]:
            print(f"  {f['park_code']} {f['year']} {f['class']} 类 = {f['value']} 家（{', '.join(f['sources'])}）")
    exposed = result["recoverable"] or result["narrowed"] or result["unhandled_tables"]
    return 1 if exposed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
