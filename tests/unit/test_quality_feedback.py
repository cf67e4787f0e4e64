"""The feedback package: JSON valid against its schema, escaped HTML, annotated workbook copy."""

from __future__ import annotations

import datetime as dt
import json

import jsonschema
import pytest
from fixtures.bad_workbooks import ON_TIME
from fixtures.validation import shared_validator
from fixtures.workbooks import FIRST_DATA_ROW, valid_submission, write_workbook
from greenpark.intake.workbook import parse_workbook
from greenpark.quality.feedback import (
    SUMMARY_SHEET,
    findings_payload,
    format_findings_text,
    write_feedback_package,
)
from greenpark.submission.findings import status_of
from greenpark.settings import REPO_ROOT
from openpyxl import load_workbook

SCHEMA = json.loads((REPO_ROOT / "expectations" / "feedback_schema.json").read_text(encoding="utf-8"))
EVIL = "<script>alert(1)</script>"
LATE = dt.datetime(2025, 12, 1, 9, 30)  # months after the 2025 Q2 deadline


@pytest.fixture(scope="session")
def validator():
    return shared_validator()


def _submission(tmp_path, validator, ext="xlsx"):
    rows = valid_submission()
    rows["park_quarter"][5]["electricity"] = -35
    rows["park_quarter"][1]["park_name"] = EVIL
    rows["enterprise_quarter"][0]["enterprise_name"] = EVIL
    rows["enterprise_quarter"][2]["uscc"] = "91330100000000003X"
    path = write_workbook(tmp_path / f"330100_2025Q2.{ext}", rows)
    findings = validator.validate(parse_workbook(path), expected_city="330100", received_at=ON_TIME)
    version = {
        "version_id": "330100-2025Q2-v1", "city_code": "330100", "city_name": "杭州市", "year": 2025, "quarter": 2,
        "version_no": 1, "filename": path.name, "sha256": "a" * 64, "size_bytes": path.stat().st_size,
        "received_at": ON_TIME.isoformat(), "status": status_of(findings),
    }
    return path, version, findings


@pytest.mark.parametrize("ext", ["xlsx", "xls"])
def test_package_files(tmp_path, validator, ext):
    path, version, findings = _submission(tmp_path, validator, ext)
    assert {f.rule_id for f in findings} == {"value.nonnegative", "park.name_mismatch", "uscc.check_digit"}
    out = write_feedback_package(tmp_path / "outbox", version, findings, path)
    assert sorted(p.name for p in out.values()) == sorted(
        ["330100-2025Q2-v1.json", "330100-2025Q2-v1.html", "330100-2025Q2-v1_标注.xlsx"])
    assert not [p for p in (tmp_path / "outbox").iterdir() if p.name.startswith(".")]  # no temp files left

    doc = json.loads(out["json"].read_text(encoding="utf-8"))
    jsonschema.validate(doc, SCHEMA)
    assert doc == json.loads(json.dumps(findings_payload(version, findings), ensure_ascii=False))
    assert doc["status"] == "退回" and doc["counts"] == {"fatal": 0, "error": 2, "warning": 1}

    page = out["html"].read_text(encoding="utf-8")
    assert EVIL not in page and "&lt;script&gt;" in page
    assert "<link" not in page and "src=" not in page and 'lang="zh-CN"' in page
    assert "第 8 行" in page

    book = load_workbook(out["xlsx"])
    assert book.sheetnames[0] == SUMMARY_SHEET
    ws = book["园区季度指标"]
    cell = ws[f"J{FIRST_DATA_ROW + 5}"]
    assert cell.value == -35
    assert cell.fill.fgColor.rgb.endswith("FFC7CE")
    assert "value.nonnegative" in cell.comment.text and "错误" in cell.comment.text
    warn = ws[f"B{FIRST_DATA_ROW + 1}"]
    assert warn.fill.fgColor.rgb.endswith("FFEB9C") and "park.name_mismatch" in warn.comment.text
    assert ws[f"J{FIRST_DATA_ROW + 4}"].comment is None
    ent = book["企业季度数据"][f"A{FIRST_DATA_ROW + 2}"]
    assert "uscc.check_digit" in ent.comment.text
    summary = [r for r in book[SUMMARY_SHEET].iter_rows(values_only=True)]
    assert sum(1 for r in summary if r and r[1] in {f.rule_id for f in findings}) == len(findings)


def test_file_level_findings_alone_make_no_annotated_copy(tmp_path, validator):
    """Nothing to mark (unreadable, or valid but sent late): JSON and HTML only, no workbook copy."""
    path = tmp_path / "330100_2025Q2.xlsx"
    path.write_bytes(b"not a workbook")
    findings = validator.validate(parse_workbook(path), expected_city="330100")
    version = {"version_id": "330100-2025Q2-v2", "filename": path.name}
    out = write_feedback_package(tmp_path / "unreadable", version, findings, path)
    assert set(out) == {"json", "html"} and sorted(p.name for p in (tmp_path / "unreadable").iterdir()) == [
        "330100-2025Q2-v2.html", "330100-2025Q2-v2.json"]
    doc = json.loads(out["json"].read_text(encoding="utf-8"))
    jsonschema.validate(doc, SCHEMA)
    assert doc["status"] == "无法读取" and any(f["rule_id"] == "file.unreadable" for f in doc["findings"])

    late = write_workbook(tmp_path / "late_drop" / "330100_2025Q2.xlsx", valid_submission())
    findings = validator.validate(parse_workbook(late), expected_city="330100", received_at=LATE)
    assert [f.rule_id for f in findings] == ["period.late"] and findings[0].excel_row is None
    out = write_feedback_package(tmp_path / "late", {"version_id": "330100-2025Q2-v3", "filename": late.name},
                                 findings, late)
    assert set(out) == {"json", "html"}
    assert "标注" not in out["html"].read_text(encoding="utf-8")


def test_text_for_the_cli(tmp_path, validator):
    _, _, findings = _submission(tmp_path, validator)
    text = format_findings_text(findings, filename="330100_2025Q2.xlsx", status=status_of(findings))
    lines = text.strip().splitlines()
    assert lines[0].startswith("330100_2025Q2.xlsx:退回")
    assert len(lines) == 1 + len(findings)
    assert any("[错误] 园区季度指标 第 8 行 J 列 用电量(万千瓦时) 填报值“-35”" in line for line in lines)
