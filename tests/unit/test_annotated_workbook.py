"""The annotated copy: a patched .xlsx keeps the submitter's workbook (values, merged title, other
sheets) and adds fills, comments and the summary; .xls/.ods become a marked value copy; both open in
openpyxl and python-calamine."""

from __future__ import annotations

import zipfile

import pandas as pd
import pytest
from fixtures.workbooks import CITY, QUARTER, YEAR, valid_submission, write_workbook
from greenpark.demo.template import data_excel_rows, write_submission
from greenpark.quality.annotated_workbook import SUMMARY_SHEET, write_annotated_workbook
from greenpark.submission.findings import Finding
from openpyxl import load_workbook
from python_calamine import CalamineWorkbook

PQ, EQ = "园区季度指标", "企业季度数据"
RED, YELLOW = "FFFFC7CE", "FFFFEB9C"


def _findings(first_data_row: int) -> list[Finding]:
    r = first_data_row
    return [
        Finding("value.nonnegative", "error", "用电量不能为负数", PQ, r + 1, "用电量", "J", "-35"),
        Finding("park.name_mismatch", "warning", "园区名称与名录不一致", PQ, r + 1, "园区名称", "B", "x"),
        Finding("value.nonnegative", "error", "=HYPERLINK(\"http://x\") 不是数", PQ, r + 1, None, "J", "=1+1"),
        Finding("enterprise.duplicate", "warning", "整行重复", EQ, r + 2),
        Finding("value.required", "error", "空单元格必须填写", PQ, r, "备注", "ZZ"),
        Finding("period.late", "warning", "逾期报送"),
    ]


def _values(path) -> dict[str, list[list]]:
    book = CalamineWorkbook.from_path(str(path))
    return {name: book.get_sheet_by_name(name).to_python() for name in book.sheet_names}


def _check_marks(copy, first_data_row: int, *, formatting_kept: bool) -> None:
    r = first_data_row
    book = load_workbook(copy)
    assert book.sheetnames[0] == SUMMARY_SHEET and book.active.title == SUMMARY_SHEET
    ws = book[PQ]
    cell = ws[f"J{r + 1}"]
    assert cell.fill.fgColor.rgb == RED  # the error wins over nothing; the warning cell is yellow
    assert "value.nonnegative" in cell.comment.text and "用电量不能为负数" in cell.comment.text
    assert ws[f"B{r + 1}"].fill.fgColor.rgb == YELLOW and "park.name_mismatch" in ws[f"B{r + 1}"].comment.text
    assert ws[f"C{r + 1}"].comment is None and ws[f"C{r + 1}"].fill.fgColor.rgb != RED
    assert ws[f"ZZ{r}"].fill.fgColor.rgb == RED  # a marked cell that held nothing
    row = book[EQ][r + 2]
    assert {c.fill.fgColor.rgb for c in row if c.value is not None} == {YELLOW}
    assert "整行重复" in book[EQ][f"A{r + 2}"].comment.text
    summary = list(book[SUMMARY_SHEET].iter_rows(values_only=True))
    assert summary[0][:2] == ("审核结果", "退回") and summary[1][:6] == ("无法读取", 0, "错误", 3, "警告", 3)
    assert any(row[1] == "period.late" for row in summary[4:])
    for ws in book.worksheets[:1]:
        assert all(c.data_type != "f" for line in ws.iter_rows() for c in line)
    if formatting_kept:
        assert book[PQ].merged_cells.ranges  # the submitter's merged title survives
    CalamineWorkbook.from_path(str(copy)).get_sheet_by_name(SUMMARY_SHEET).to_python()


@pytest.mark.parametrize("writer", ["openpyxl", "template"])
def test_xlsx_is_patched_in_place(tmp_path, writer):
    rows = valid_submission()
    if writer == "openpyxl":
        source, first = write_workbook(tmp_path / f"{CITY}_{YEAR}Q{QUARTER}.xlsx", rows), 3
    else:  # the demo's own streaming writer, messy style (title, note and spacer rows, full-width digits)
        frames = {k: pd.DataFrame(v) for k, v in rows.items()}
        source = write_submission(tmp_path / f"{CITY}_{YEAR}Q{QUARTER}.xlsx", CITY, YEAR, QUARTER, frames,
                                  style="messy", demo=True)
        first = data_excel_rows(3, "messy")[0]
    copy = tmp_path / "copy.xlsx"
    write_annotated_workbook(copy, source, _findings(first))
    with zipfile.ZipFile(copy) as z:
        assert any(n.endswith(".vml") for n in z.namelist())  # patched, not the value-copy fallback
    _check_marks(copy, first, formatting_kept=True)
    before, after = _values(source), _values(copy)
    assert after.pop(SUMMARY_SHEET) and after == before  # every submitted value as it was


@pytest.mark.parametrize("ext", ["xls", "ods"])
def test_xls_and_ods_become_a_marked_xlsx(tmp_path, ext):
    source = write_workbook(tmp_path / f"{CITY}_{YEAR}Q{QUARTER}.{ext}", valid_submission())
    copy = tmp_path / "copy.xlsx"
    write_annotated_workbook(copy, source, _findings(3))
    _check_marks(copy, 3, formatting_kept=False)
    before, after = _values(source), _values(copy)
    after.pop(SUMMARY_SHEET)
    assert after[PQ][3][:3] == before[PQ][3][:3]


def test_an_xlsx_the_patch_does_not_handle_still_gets_a_marked_copy(tmp_path):
    """A workbook with comments of its own goes the value-copy way."""
    from openpyxl.comments import Comment

    source = write_workbook(tmp_path / f"{CITY}_{YEAR}Q{QUARTER}.xlsx", valid_submission())
    book = load_workbook(source)
    book[PQ]["A1"].comment = Comment("填报人的批注", "市局")
    book.save(source)
    copy = tmp_path / "copy.xlsx"
    write_annotated_workbook(copy, source, _findings(3))
    _check_marks(copy, 3, formatting_kept=False)


@pytest.mark.parametrize("ext", ["xlsx", "ods"])
def test_same_findings_give_a_byte_identical_copy(tmp_path, ext):
    """No wall clock in the copy (zip entry dates, document properties): written again later, the
    same source and findings give the same bytes."""
    source = write_workbook(tmp_path / f"{CITY}_{YEAR}Q{QUARTER}.{ext}", valid_submission())
    write_annotated_workbook(first := tmp_path / "first.xlsx", source, _findings(3))
    with zipfile.ZipFile(first) as z:
        assert {info.date_time for info in z.infolist()} == {(1980, 1, 1, 0, 0, 0)}
        assert b"1980-01-01" in z.read("docProps/core.xml") or ext == "xlsx"
    write_annotated_workbook(second := tmp_path / "second.xlsx", source, _findings(3))
    assert first.read_bytes() == second.read_bytes()
