"""Parsing real-looking workbooks (.xlsx / .xls / .ods) into typed frames with Excel positions."""

from __future__ import annotations

import pandas as pd
import pytest
from fixtures.bad_workbooks import _messy_valid, messy_row
from fixtures.workbooks import FIRST_DATA_ROW, HEADER_ROW, valid_submission, write_workbook
from greenpark.submission import contract
from greenpark.intake.workbook import parse_workbook

DTYPES = {
    contract.NUMBER: "float64", contract.INTEGER: "Int64", contract.YEAR: "Int64",
    contract.BOOL: "boolean", contract.CODE: "object", contract.TEXT: "object", contract.ENUM: "object",
}


@pytest.mark.parametrize("ext", ["xlsx", "xls", "ods"])
def test_valid_workbook_in_every_format(tmp_path, ext):
    rows = valid_submission()
    path = write_workbook(tmp_path / f"330100_2025Q2.{ext}", rows)
    parsed = parse_workbook(path)
    assert parsed.findings == []
    assert (parsed.city_code, parsed.year, parsed.quarter, parsed.ext) == ("330100", 2025, 2, ext)
    for sheet in contract.SHEETS:
        frame = parsed.frames[sheet.key]
        assert list(frame.columns) == ["source_row"] + [c.name for c in sheet.columns]
        assert {c.name: str(frame[c.name].dtype) for c in sheet.columns} == {c.name: DTYPES[c.kind] for c in sheet.columns}
        assert frame.source_row.tolist() == list(range(FIRST_DATA_ROW, FIRST_DATA_ROW + len(rows[sheet.key])))
        assert parsed.header_rows[sheet.key] == HEADER_ROW
        assert parsed.column_letters[sheet.key]["park_code"] in ("A", "C")
    pq = parsed.frames["park_quarter"]
    assert pq.electricity.tolist() == [r["electricity"] for r in rows["park_quarter"]]
    assert pq.park_code.tolist() == [r["park_code"] for r in rows["park_quarter"]]
    pa = parsed.frames["park_annual"]
    assert pa.has_wastewater_plant.tolist() == [True] * len(pa)
    assert pa.plan_year.tolist() == [2021] * len(pa)


def test_messy_workbook_reads_like_a_person_would(tmp_path):
    parsed = parse_workbook(_messy_valid(tmp_path))
    assert parsed.findings == []
    pq, pa = parsed.frames["park_quarter"], parsed.frames["park_annual"]
    assert parsed.header_rows["park_quarter"] == HEADER_ROW + 2
    assert len(pq) == len(valid_submission()["park_quarter"])  # spacer, 合计 and signature rows skipped
    assert pq.source_row.tolist()[:4] == [messy_row(i) for i in range(4)]
    assert pq.gross_output.iloc[0] == 106000.0  # "１０６,０００"
    assert pq.value_added.iloc[1] == 26750.0  # " 26,750.0 "
    assert parsed.headers_seen["park_quarter"]["gross_output"] == "工业总产值（万元）"
    assert pa.has_wastewater_plant.iloc[:4].tolist() == [True, True, True, True]
    assert pa.soil_monitoring.iloc[0] is False or pa.soil_monitoring.iloc[0] == False  # noqa: E712 -- numpy bool
    assert pa.plan_year.iloc[1] == 2021
    assert "填报单位" in parsed.preambles["park_quarter"]


def test_cell_problems_name_the_cell_and_leave_it_empty(tmp_path):
    rows = valid_submission()
    rows["park_quarter"][2]["electricity"] = "约三万"
    rows["park_annual"][0]["air_monitoring"] = "有"
    parsed = parse_workbook(write_workbook(tmp_path / "330100_2025Q2.xlsx", rows))
    by_rule = {f.rule_id: f for f in parsed.findings}
    f = by_rule["cell.not_number"]
    assert (f.sheet, f.excel_row, f.excel_column, f.column_header, f.value_seen) == (
        "园区季度指标", FIRST_DATA_ROW + 2, "J", "用电量(万千瓦时)", "约三万")
    assert "第 5 行" in f.message_zh and "约三万" in f.message_zh
    assert pd.isna(parsed.frames["park_quarter"].electricity.iloc[2])
    assert by_rule["cell.not_bool"].severity == "error"


def test_annual_rows_left_as_prefilled_are_optional_before_q4(tmp_path):
    rows = valid_submission()
    rows["park_annual"] = [{"park_code": r["park_code"]} for r in rows["park_annual"]]
    q2 = parse_workbook(write_workbook(tmp_path / "330100_2025Q2.xlsx", rows))
    assert q2.findings == [] and q2.frames["park_annual"].empty
    q4 = parse_workbook(write_workbook(tmp_path / "330100_2024Q4.xlsx", rows))
    assert len(q4.frames["park_annual"]) == len(rows["park_annual"])


def test_original_filename_is_used(tmp_path):
    path = write_workbook(tmp_path / "0f3a.xlsx", valid_submission())
    parsed = parse_workbook(path, filename="330100_2025Q2.XLSX")
    assert (parsed.city_code, parsed.quarter, parsed.ext, parsed.findings) == ("330100", 2, "xlsx", [])
    bad = parse_workbook(path)
    assert [f.rule_id for f in bad.findings] == ["file.name"] and bad.ext is None


def test_unreadable_file_is_one_fatal_finding(tmp_path):
    path = tmp_path / "330100_2025Q2.ods"
    path.write_bytes(b"\x00" * 100)
    parsed = parse_workbook(path)
    assert [(f.rule_id, f.severity) for f in parsed.findings] == [("file.unreadable", "fatal")]
    assert parsed.frames == {}
