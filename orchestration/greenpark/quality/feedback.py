"""The feedback package for one submission version: JSON, a zh-CN HTML page and, when a finding
points at a cell, an annotated copy of the submitter's own workbook (annotated_workbook.py), all
rendered from the same findings. The JSON and HTML are written first and never wait for the copy.

Files are written atomically (temp file in the same folder, then os.replace), so a city never
reads half a package. The JSON layout is documented in expectations/feedback_schema.json and is
exactly what `greenpark validate --json` prints (`findings_payload`).
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import jinja2

from .annotated_workbook import (
    COLUMNS_ZH,
    SUMMARY_SHEET,
    cells_to_mark,
    counts_of,
    sorted_findings,
    write_annotated_workbook,
)
from ..submission.findings import ERROR, FATAL, SEVERITY_ZH, WARNING, Finding, status_of

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
# The page is the template quality/templates/feedback.html.j2 (autoescape on: every value the
# submitter sent, even a park name with markup in it, reaches the page as text).
_TEMPLATES = jinja2.Environment(
    loader=jinja2.PackageLoader("greenpark.quality", "templates"),
    autoescape=True, trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True,
    finalize=lambda value: "" if value is None else value, undefined=jinja2.StrictUndefined,
)
_STATUS_CLASS = {"已接收": "s-ok", "已接收但有警告": "s-warn"}  # any other status: s-bad
_FINDING_CELLS = ("severity_zh", "rule_id", "sheet", "excel_row", "excel_column", "column_header", "value_seen",
                  "expected", "message_zh")  # in the order of COLUMNS_ZH


def render_html(payload: dict[str, Any]) -> str:
    """The zh-CN feedback page of one version, from the same payload as the JSON."""
    ver, counts = payload["version"], payload["counts"]
    return _TEMPLATES.get_template("feedback.html.j2").render(
        title=(f"{ver.get('city_name') or ver.get('city_code') or ''} {ver.get('year') or ''}年"
               f"第{ver.get('quarter') or ''}季度 报送审核结果"),
        status=payload["status"], status_class=_STATUS_CLASS.get(payload["status"], "s-bad"),
        accepted=payload["status"] in _STATUS_CLASS,
        n_fatal=counts[FATAL], n_error=counts[ERROR], n_warning=counts[WARNING],
        meta=[("文件", ver.get("filename")), ("版本", ver.get("version_id")), ("接收时间", ver.get("received_at")),
              ("大小(字节)", ver.get("size_bytes")), ("SHA-256", ver.get("sha256"))],
        columns=COLUMNS_ZH,
        findings=[{"severity": f["severity"], "cells": [f[k] for k in _FINDING_CELLS]} for f in payload["findings"]],
        marked=any(f["sheet"] and f["excel_row"] for f in payload["findings"]),
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
