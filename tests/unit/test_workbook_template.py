"""`greenpark template`: the empty workbook a city fills in, laid out as contract.py says, with text
code columns, checked numeric columns with Chinese prompts, and drop-down lists; a correctly
filled template is accepted by the validator as it stands."""

from __future__ import annotations

import hashlib
import re

import openpyxl
import pytest
from click.testing import CliRunner
from fixtures.workbooks import make_uscc, valid_submission
from python_calamine import CalamineWorkbook

from greenpark.submission import contract
from greenpark.cli import main
from greenpark.submission.contract import due_date
from greenpark.intake.workbook import parse_workbook
from greenpark.submission.findings import status_of
from greenpark.quality.validation import Validator
from greenpark.registry import load_parks
from greenpark.settings import get_settings
from greenpark.workbook_template import write_template

CITY = "330200"
NUMERIC = (contract.NUMBER, contract.INTEGER, contract.YEAR)


@pytest.fixture()
def settings(workdir):
    return get_settings()


@pytest.fixture()
def template(tmp_path, settings):
    parks = load_parks(settings)
    path = write_template(tmp_path / "out" / f"{CITY}_2025Q3.xlsx", CITY, 2025, 3, parks, demo=True)
    return path, parks[parks.city_code == CITY].sort_values("park_code")


def _rows(path, sheet_name):
    return CalamineWorkbook.from_path(str(path)).get_sheet_by_name(sheet_name).to_python(skip_empty_area=False)


def _validations(ws) -> dict[str, openpyxl.worksheet.datavalidation.DataValidation]:
    return {re.match(r"[A-Z]+", str(dv.sqref)).group(0): dv for dv in ws.data_validations.dataValidation}


def test_template_has_instructions_and_every_contract_sheet_with_headers_in_order(template):
    path, _ = template
    names = CalamineWorkbook.from_path(str(path)).sheet_names
    assert names == [contract.INSTRUCTIONS_SHEET] + [s.name for s in contract.SHEETS]
    for sheet in contract.SHEETS:
        rows = _rows(path, sheet.name)
        assert "宁波市 2025年第3季度" in rows[0][0] and sheet.name in rows[0][0] and "示例数据" in rows[0][0]
        assert rows[1][: len(sheet.columns)] == [c.header for c in sheet.columns]


def test_template_prefills_the_city_parks_and_nothing_else(template):
    path, city_parks = template
    quarter = _rows(path, contract.PARK_QUARTER.name)[2:]
    assert [r[0] for r in quarter] == list(city_parks.park_code)
    assert [r[1] for r in quarter] == list(city_parks.park_name)
    assert all(v == "" for r in quarter for v in r[2:])
    annual = _rows(path, contract.PARK_ANNUAL.name)[2:]
    assert [r[0] for r in annual] == list(city_parks.park_code)
    assert len(_rows(path, contract.ENTERPRISE_QUARTER.name)) == 2  # title and header only


def test_instructions_are_generated_from_the_contract(template):
    path, _ = template
    rows = _rows(path, contract.INSTRUCTIONS_SHEET)
    text = "\n".join(" ".join(str(v) for v in row) for row in rows)
    assert "示例数据" in text and "9.13E+17" in text  # the note on text code columns
    assert contract.submission_filename(CITY, 2025, 3) in text
    due = due_date(2025, 3)
    assert f"{due.year}年{due.month}月{due.day}日" in text
    for variant in contract.BOOL_TRUE + contract.BOOL_FALSE:
        assert variant in text
    for sheet in contract.SHEETS:
        assert sheet.description in text
        for col in sheet.columns:
            assert any(r[:3] == [col.header, col.name, col.unit] and col.note in r[6] for r in rows), (
                sheet.name,
                col.name,
            )


def test_code_columns_are_text_so_a_typed_code_stays_as_typed(template):
    path, _ = template
    wb = openpyxl.load_workbook(path)
    for sheet in contract.SHEETS:
        ws = wb[sheet.name]
        # A <col> element may span several columns of the same width and format.
        formats = {i: dim.number_format for dim in ws.column_dimensions.values() for i in range(dim.min, dim.max + 1)}
        for j, col in enumerate(sheet.columns):
            fmt = formats.get(j + 1, "General")
            assert (fmt == "@") == (col.kind == contract.CODE), (sheet.name, col.name, fmt)
    prefilled = wb[contract.PARK_QUARTER.name]["A3"]
    assert prefilled.data_type == "s" and prefilled.number_format == "@"
    codes = {c.name for s in contract.SHEETS for c in s.columns if c.kind == contract.CODE}
    assert {"uscc", "industry_code", "park_code"} <= codes


def test_numeric_columns_take_only_numbers_at_or_above_zero_with_a_chinese_prompt(template):
    path, _ = template
    wb = openpyxl.load_workbook(path)
    for sheet in contract.SHEETS:
        validations = _validations(wb[sheet.name])
        for j, col in enumerate(sheet.columns):
            if col.kind not in NUMERIC:
                continue
            dv = validations[openpyxl.utils.get_column_letter(j + 1)]
            assert str(dv.sqref).endswith(f"3:{openpyxl.utils.get_column_letter(j + 1)}1000"), dv.sqref
            assert dv.showInputMessage and dv.showErrorMessage and dv.errorStyle in (None, "stop")
            assert dv.promptTitle and re.search(r"[\u4e00-\u9fff]", dv.prompt), (col.name, dv.prompt)
            assert re.search(r"[\u4e00-\u9fff]", dv.error)
            if col.kind == contract.YEAR:
                assert dv.operator in (None, "between")  # OOXML's default operator
                assert (dv.type, dv.formula1, dv.formula2) == ("whole", "1949", "2025")
            else:
                assert dv.type == ("decimal" if col.kind == contract.NUMBER else "whole"), col.name
                assert (dv.operator, dv.formula1) == ("greaterThanOrEqual", "0"), col.name
                assert "不小于 0" in dv.prompt and (not col.unit or col.unit in dv.prompt)


def test_dropdowns_on_choice_columns_and_the_city_parks(template):
    path, city_parks = template
    wb = openpyxl.load_workbook(path)
    for sheet in contract.SHEETS:
        ws = wb[sheet.name]
        assert ws.freeze_panes == "A3"
        assert all(ws.cell(row=2, column=j + 1).font.b for j in range(len(sheet.columns)))
        lists = {k: dv.formula1.strip('"').split(",") for k, dv in _validations(ws).items() if dv.type == "list"}
        for j, col in enumerate(sheet.columns):
            letter = openpyxl.utils.get_column_letter(j + 1)
            if col.kind == contract.BOOL:
                assert lists.pop(letter) == ["是", "否"], col.name
            elif col.kind == contract.ENUM:
                assert lists.pop(letter) == list(col.choices)
            elif col.name == "park_code" and sheet.confidential:
                assert lists.pop(letter) == list(city_parks.park_code)
        assert not lists  # no drop-down on any other column
        assert ws.column_dimensions["B"].width >= 10


def test_the_template_is_byte_deterministic(tmp_path, settings):
    parks = load_parks(settings)
    digests = {
        hashlib.sha256(write_template(tmp_path / run / f"{CITY}_2025Q3.xlsx", CITY, 2025, 3, parks,
                                      demo=True).read_bytes()).hexdigest()
        for run in ("a", "b")
    }
    assert len(digests) == 1


def test_the_cli_template_filled_in_is_accepted(tmp_path, settings):
    """Fill the CLI's template cell by cell (openpyxl keeps its formats and checks), then validate."""
    city = "330100"
    result = CliRunner().invoke(main, ["template", city, "2025", "4", "-o", str(tmp_path / f"{city}_2025Q4.xlsx")])
    assert result.exit_code == 0, result.output
    path = tmp_path / f"{city}_2025Q4.xlsx"
    rows = valid_submission(city, annual=True)
    digits = next(code for code in map(make_uscc, range(900, 1000)) if code.isdigit())  # all digits: the risky kind
    rows["enterprise_quarter"][0]["uscc"] = digits
    wb = openpyxl.load_workbook(path)
    for sheet in contract.SHEETS:
        ws = wb[sheet.name]
        for i, row in enumerate(rows[sheet.key]):
            for j, col in enumerate(sheet.columns):
                value = row.get(col.name)
                if isinstance(value, bool):
                    value = "是" if value else "否"
                ws.cell(row=3 + i, column=j + 1, value=value)
    wb.save(path)

    parsed = parse_workbook(path)
    findings = Validator(settings).validate(parsed, expected_city=city)
    assert status_of(findings) != "退回", [f.message_zh for f in findings]
    assert parsed.frames["enterprise_quarter"].uscc.iloc[0] == digits
