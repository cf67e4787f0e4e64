"""The feedback package for one submission version: JSON, a zh-CN HTML page and, when a finding
points at a cell, an annotated copy of the submitter's own workbook (annotated_workbook.py), all
rendered from the same findings. The JSON and HTML are written first and never wait for the copy.

Files are written atomically (temp file in the same folder, then os.replace), so a city never
reads half a package. The JSON layout is documented in expectations/feedback_schema.json and is
exactly what `greenpark validate --json` prints (`findings_payload`).
"""

from __future__ import annotations

import html
import json
import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from .annotated_workbook import (
    COLUMNS_ZH,
    SUMMARY_SHEET,
    cells_to_mark,
    counts_of,
    sorted_findings,
    write_annotated_workbook,
)
from .findings import ERROR, FATAL, SEVERITY_ZH, WARNING, Finding, status_of

__all__ = ["SUMMARY_SHEET", "counts_of", "findings_payload", "format_findings_text", "render_html",
           "write_annotated_copy", "write_feedback_documents", "write_feedback_package"]

SCHEMA_VERSION = 1
VERSION_FIELDS = (
    "version_id", "city_code", "city_name", "year", "quarter", "version_no", "filename", "sha256", "size_bytes",
    "received_at", "status",
)


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
        "findings": [dict(f.to_dict(), severity_zh=SEVERITY_ZH[f.severity]) for f in sorted_findings(findings)],
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
    for f in sorted_findings(findings):
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
    def e(v) -> str:
        return html.escape("" if v is None else str(v), quote=True)

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
        + ("标注了问题单元格的工作簿副本随本反馈一并发送。"
           if any(f["sheet"] and f["excel_row"] for f in payload["findings"]) else "")
        + "规则说明见报送模板“填报说明”工作表。</p>\n</body>\n</html>\n"
    )


def write_feedback_documents(out_dir: Path, version: dict, findings: list[Finding]) -> dict[str, Path]:
    """Write <version_id>.json and <version_id>.html into out_dir: what the submitter reads first."""
    out_dir = Path(out_dir)
    vid = version["version_id"]
    payload = findings_payload(version, findings)
    doc = json.dumps(payload, ensure_ascii=False, indent=2, sort_keys=True) + "\n"
    return {
        "json": _atomic(out_dir / f"{vid}.json", lambda p: p.write_text(doc, encoding="utf-8")),
        "html": _atomic(out_dir / f"{vid}.html", lambda p: p.write_text(render_html(payload), encoding="utf-8")),
    }


def write_annotated_copy(out_dir: Path, version_id: str, findings: list[Finding], workbook_path: Path) -> Path | None:
    """Write <version_id>_标注.xlsx when a finding points at a cell or row; None otherwise. A
    file-level finding alone (sent late, unreadable, wrong name) has nothing to mark: the JSON and
    HTML say all there is, and a copy would cost seconds for nothing (issue 16)."""
    if not cells_to_mark(findings):
        return None
    return _atomic(Path(out_dir) / f"{version_id}_标注.xlsx",
                   lambda p: write_annotated_workbook(p, Path(workbook_path), findings))


def write_feedback_package(out_dir: Path, version: dict, findings: list[Finding], workbook_path: Path) -> dict[str, Path]:
    """The whole package: the JSON and HTML first, then the annotated copy if there is one (key
    "xlsx"). The pipeline calls the two halves itself, so that loading need not wait for the copy."""
    paths = write_feedback_documents(out_dir, version, findings)
    copy = write_annotated_copy(out_dir, version["version_id"], findings, workbook_path)
    if copy is not None:
        paths["xlsx"] = copy
    return paths
