"""The feedback package for one submission version: JSON, a zh-CN HTML page and, when there are
findings, an annotated copy of the submitter's own workbook, all rendered from the same findings.

Files are written atomically (temp file in the same folder, then os.replace), so a city never
reads half a package. The JSON layout is documented in expectations/feedback_schema.json and is
exactly what `greenpark validate --json` prints (`findings_payload`).
"""

from __future__ import annotations

import html
import json
import os
import tempfile
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

from .findings import (
    ERROR,
    FATAL,
    SEVERITY_ORDER,
    SEVERITY_ZH,
    WARNING,
    Finding,
    status_of,
)

SCHEMA_VERSION = 1
SUMMARY_SHEET = "审核结果"
VERSION_FIELDS = (
    "version_id", "city_code", "city_name", "year", "quarter", "version_no", "filename", "sha256", "size_bytes",
    "received_at", "status",
)
FILLS = {FATAL: "FFC7CE", ERROR: "FFC7CE", WARNING: "FFEB9C"}  # Excel's own bad / neutral fills
COLUMNS_ZH = ("严重程度", "规则", "工作表", "行", "列", "表头", "填报值", "应为", "说明")


def _sorted(findings: list[Finding]) -> list[Finding]:
    return sorted(findings, key=lambda f: (f.sort_key, f.message_zh))


def counts_of(findings: list[Finding]) -> dict[str, int]:
    c = Counter(f.severity for f in findings)
    return {s: c.get(s, 0) for s in SEVERITY_ORDER}


def findings_payload(version: dict, findings: list[Finding]) -> dict[str, Any]:
    """The feedback document: version fields, status, counts by severity, findings (sorted)."""
    status = status_of(findings)
    ver = {k: version.get(k) for k in VERSION_FIELDS}
    ver["status"] = status
    return {
        "schema_version": SCHEMA_VERSION,
        "version": ver,
        "status": status,
        "counts": counts_of(findings),
        "findings": [dict(f.to_dict(), severity_zh=SEVERITY_ZH[f.severity]) for f in _sorted(findings)],
    }


def _where(f: Finding) -> str:
    parts = [f.sheet or ""]
    if f.excel_row:
        parts.append(f"第 {f.excel_row} 行")
    if f.excel_column:
        parts.append(f"{f.excel_column} 列")
    if f.column_header:
        parts.append(f.column_header)
    return " ".join(p for p in parts if p)


def format_findings_text(findings: list[Finding], *, filename: str, status: str) -> str:
    """Plain text for the CLI: a status line, then one line per finding."""
    c = counts_of(findings)
    lines = [f"{filename}:{status}(无法读取 {c[FATAL]} 项,错误 {c[ERROR]} 项,警告 {c[WARNING]} 项)"]
    for f in _sorted(findings):
        value = f" 填报值“{f.value_seen}”" if f.value_seen is not None else ""
        where = _where(f)
        lines.append(f"[{SEVERITY_ZH[f.severity]}] {where + ' ' if where else ''}{value.strip()}{' ' if value else ''}— {f.message_zh}({f.rule_id})")
    return "\n".join(lines) + "\n"


# --- atomic writes ---------------------------------------------------------------------------
def _atomic(path: Path, write: Callable[[Path], None]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    try:
        write(Path(tmp))
        with open(tmp, "rb") as fh:
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


# --- HTML --------------------------------------------------------------------------------------
_CSS = """
body{font-family:"Microsoft YaHei","PingFang SC","Noto Sans CJK SC",sans-serif;margin:2em;color:#222;line-height:1.5}
h1{font-size:1.4em;margin-bottom:.2em} .meta{color:#555} .meta td{padding:0 1.2em 0 0}
.status{display:inline-block;padding:.2em .8em;border-radius:4px;font-weight:bold}
.s-ok{background:#c6efce;color:#006100} .s-warn{background:#ffeb9c;color:#7f6000} .s-bad{background:#ffc7ce;color:#9c0006}
table.f{border-collapse:collapse;width:100%;margin-top:1em;font-size:.92em}
table.f th,table.f td{border:1px solid #bbb;padding:.3em .5em;vertical-align:top;text-align:left}
table.f th{background:#eee} tr.fatal td:first-child,tr.error td:first-child{color:#9c0006;font-weight:bold}
tr.warning td:first-child{color:#7f6000;font-weight:bold}
.note{margin-top:1.5em;color:#555;font-size:.9em}
@media print{body{margin:1cm} table.f{page-break-inside:auto} tr{page-break-inside:avoid}}
"""


def _status_class(status: str) -> str:
    return {"已接收": "s-ok", "已接收但有警告": "s-warn"}.get(status, "s-bad")


def render_html(payload: dict[str, Any]) -> str:
    e = lambda v: html.escape("" if v is None else str(v), quote=True)
    ver, c = payload["version"], payload["counts"]
    title = f"{ver.get('city_name') or ver.get('city_code') or ''} {ver.get('year') or ''}年第{ver.get('quarter') or ''}季度 报送审核结果"
    meta = [
        ("文件", ver.get("filename")), ("版本", ver.get("version_id")), ("接收时间", ver.get("received_at")),
        ("大小(字节)", ver.get("size_bytes")), ("SHA-256", ver.get("sha256")),
    ]
    rows = []
    for f in payload["findings"]:
        cells = [f["severity_zh"], f["rule_id"], f["sheet"], f["excel_row"], f["excel_column"], f["column_header"],
                 f["value_seen"], f["expected"], f["message_zh"]]
        rows.append(f'<tr class="{e(f["severity"])}">' + "".join(f"<td>{e(v)}</td>" for v in cells) + "</tr>")
    if not rows:
        rows.append(f'<tr><td colspan="{len(COLUMNS_ZH)}">未发现问题。</td></tr>')
    accepted = payload["status"] in ("已接收", "已接收但有警告")
    outcome = ("数据已接收并将进入数据仓库;如有警告,请核实后视需要重新报送。" if accepted
               else "本次报送未被接收,数据不会进入数据仓库,此前已接收的版本继续有效。请按上表修改后重新报送。")
    return (
        "<!DOCTYPE html>\n<html lang=\"zh-CN\">\n<head>\n<meta charset=\"utf-8\">\n"
        f"<title>{e(title)}</title>\n<style>{_CSS}</style>\n</head>\n<body>\n"
        f"<h1>{e(title)}</h1>\n"
        f'<p>审核结论:<span class="status {_status_class(payload["status"])}">{e(payload["status"])}</span> '
        f"无法读取 {c[FATAL]} 项,错误 {c[ERROR]} 项,警告 {c[WARNING]} 项</p>\n"
        '<table class="meta">' + "".join(f"<tr><td>{e(k)}</td><td>{e(v)}</td></tr>" for k, v in meta) + "</table>\n"
        f"<p>{e(outcome)}</p>\n"
        '<table class="f">\n<thead><tr>' + "".join(f"<th>{e(h)}</th>" for h in COLUMNS_ZH) + "</tr></thead>\n<tbody>\n"
        + "\n".join(rows) + "\n</tbody>\n</table>\n"
        '<p class="note">行号、列号与您报送的工作簿一致;'
        + ("标注了问题单元格的工作簿副本随本反馈一并发送。" if payload["findings"] else "")
        + "规则说明见报送模板“填报说明”工作表。</p>\n</body>\n</html>\n"
    )


# --- annotated workbook -----------------------------------------------------------------------
def _load_copy(workbook_path: Path):
    """The submitter's workbook as an openpyxl Workbook: the original for .xlsx (formatting kept),
    a value copy via python-calamine for .xls/.ods; an empty workbook if it cannot be read."""
    from openpyxl import Workbook, load_workbook

    from ..intake.guards import inspect_file

    if inspect_file(workbook_path, workbook_path.name) is not None:  # refused: never inflate it again
        wb = Workbook()
        wb.remove(wb.active)
        return wb
    if workbook_path.suffix.lower() in (".xlsx", ".xlsm"):
        try:
            return load_workbook(workbook_path)
        except Exception:  # not really xlsx inside: fall back to the calamine copy
            pass
    wb = Workbook()
    wb.remove(wb.active)
    try:
        from python_calamine import CalamineWorkbook

        book = CalamineWorkbook.from_path(str(workbook_path))
        for name in book.sheet_names:
            ws = wb.create_sheet(name[:31])
            for row in book.get_sheet_by_name(name).to_python(skip_empty_area=False):
                ws.append([None if v == "" else v for v in row])
                _as_text(ws[ws.max_row])
    except Exception:
        pass  # unreadable: the package still carries the summary sheet
    return wb


def _as_text(cells) -> None:
    """openpyxl takes a leading "=" as a formula; submitted text stays text (no XLSX injection)."""
    for cell in cells:
        if cell.data_type == "f":
            cell.data_type = "s"


def _annotate(wb, findings: list[Finding]) -> None:
    from openpyxl.cell.cell import MergedCell
    from openpyxl.comments import Comment
    from openpyxl.styles import Font, PatternFill

    by_cell: dict[tuple[str, str, int], list[Finding]] = {}
    for f in _sorted(findings):
        if f.sheet in wb.sheetnames and f.excel_row:
            by_cell.setdefault((f.sheet, f.excel_column or "A", f.excel_row), []).append(f)
    for (sheet, letter, row), items in sorted(by_cell.items()):
        ws = wb[sheet]
        worst = min(items, key=lambda f: SEVERITY_ORDER[f.severity]).severity
        fill = PatternFill(fill_type="solid", start_color=FILLS[worst], end_color=FILLS[worst])
        targets = [ws[f"{letter}{row}"]]
        if any(f.excel_column is None for f in items):  # a whole-row finding: mark the row's cells
            targets = [ws.cell(row=row, column=c) for c in range(1, max(ws.max_column, 1) + 1)]
        for cell in targets:
            if not isinstance(cell, MergedCell):
                cell.fill = fill
        first = ws[f"{letter}{row}"]
        if not isinstance(first, MergedCell):
            text = "\n".join(f"[{SEVERITY_ZH[f.severity]}] {f.rule_id}:{f.message_zh}" for f in items)
            first.comment = Comment(text, "greenpark 报送审核", width=360, height=40 + 40 * len(items))

    ws = wb.create_sheet(SUMMARY_SHEET, 0)
    ws.append(["审核结果", status_of(findings)])
    c = counts_of(findings)
    ws.append(["无法读取", c[FATAL], "错误", c[ERROR], "警告", c[WARNING]])
    ws.append([])
    ws.append(list(COLUMNS_ZH))
    for cell in ws[4]:
        cell.font = Font(bold=True)
    for f in _sorted(findings):
        ws.append([SEVERITY_ZH[f.severity], f.rule_id, f.sheet, f.excel_row, f.excel_column, f.column_header,
                   f.value_seen, f.expected, f.message_zh])
        _as_text(ws[ws.max_row])
        if f.sheet not in wb.sheetnames or not f.excel_row:  # no cell to mark: highlight it here
            for cell in ws[ws.max_row]:
                cell.fill = PatternFill(fill_type="solid", start_color=FILLS[f.severity], end_color=FILLS[f.severity])
    for letter, width in zip("ABCDEFGHI", (10, 34, 14, 6, 6, 30, 16, 20, 80)):
        ws.column_dimensions[letter].width = width
    wb.active = 0


def write_feedback_package(out_dir: Path, version: dict, findings: list[Finding], workbook_path: Path) -> dict[str, Path]:
    """Write <version_id>.json and <version_id>.html into out_dir, and <version_id>_标注.xlsx when
    there is something to mark: a clean file's copy would repeat its own workbook with an empty
    summary, and loading and saving it through openpyxl costs seconds on a province-size file."""
    out_dir = Path(out_dir)
    vid = version["version_id"]
    payload = findings_payload(version, findings)
    doc = json.dumps(payload, ensure_ascii=False, indent=2, sort_keys=True) + "\n"
    paths = {
        "json": _atomic(out_dir / f"{vid}.json", lambda p: p.write_text(doc, encoding="utf-8")),
        "html": _atomic(out_dir / f"{vid}.html", lambda p: p.write_text(render_html(payload), encoding="utf-8")),
    }
    if not findings:
        return paths
    wb = _load_copy(Path(workbook_path))
    _annotate(wb, findings)
    paths["xlsx"] = _atomic(out_dir / f"{vid}_标注.xlsx", lambda p: wb.save(p))
    return paths
