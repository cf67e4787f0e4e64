"""The template writer lays the workbook out exactly as contract.py says."""

from __future__ import annotations

import hashlib
import re
import unicodedata

import openpyxl
import pandas as pd
import pytest
from python_calamine import CalamineWorkbook

from greenpark import contract
from greenpark.demo import messy
from greenpark.contract import due_date
from greenpark.demo.template import data_excel_rows, write_submission, write_template
from greenpark.registry import load_parks
from greenpark.settings import get_settings

CITY = "330200"


@pytest.fixture()
def settings(tmp_path, monkeypatch):
    monkeypatch.setenv("GREENPARK_WORKDIR", str(tmp_path / "work"))
    return get_settings()


@pytest.fixture()
def template(tmp_path, settings):
    parks = load_parks(settings)
    path = write_template(tmp_path / "out" / f"{CITY}_2025Q3.xlsx", CITY, 2025, 3, parks, demo=True)
    return path, parks[parks.city_code == CITY].sort_values("park_code")


def _rows(path, sheet_name):
    return CalamineWorkbook.from_path(str(path)).get_sheet_by_name(sheet_name).to_python(skip_empty_area=False)


def test_template_has_instructions_and_every_contract_sheet_with_headers_in_order(template):
    path, city_parks = template
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
    assert "示例数据" in text
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


def test_template_styles_freeze_and_dropdowns(template):
    path, city_parks = template
    wb = openpyxl.load_workbook(path)
    for sheet in contract.SHEETS:
        ws = wb[sheet.name]
        assert ws.freeze_panes == "A3"
        assert all(ws.cell(row=2, column=j + 1).font.b for j in range(len(sheet.columns)))
        lists = {}
        for dv in ws.data_validations.dataValidation:
            col = re.match(r"[A-Z]+", str(dv.sqref)).group(0)
            lists[col] = dv.formula1.strip('"').split(",")
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


def test_written_files_are_byte_deterministic(tmp_path, settings):
    frames = {"park_quarter": pd.DataFrame({"park_code": ["3302-01"], "value_added": [1.5]})}
    digests = set()
    for run in ("a", "b"):
        for ext in contract.EXTENSIONS:
            path = write_submission(tmp_path / run / f"{CITY}_2025Q1.{ext}", CITY, 2025, 1, frames, ext=ext, demo=True)
            digests.add((ext, hashlib.sha256(path.read_bytes()).hexdigest()))
    assert len(digests) == len(contract.EXTENSIONS)


def test_write_submission_rejects_a_name_that_disagrees_with_the_format(tmp_path):
    with pytest.raises(ValueError):
        write_submission(tmp_path / f"{CITY}_2025Q1.xls", CITY, 2025, 1, {}, ext="xlsx", demo=True)


def test_messy_headers_read_back_as_the_contract_header():
    def norm(text):
        return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text))

    for sheet in contract.SHEETS:
        for j, col in enumerate(sheet.columns):
            written = messy.header(col.header, j)
            assert norm(written) == norm(col.header)
    assert any("（" in messy.header(c.header, j) for j, c in enumerate(contract.PARK_QUARTER.columns))


def test_data_rows_skip_the_messy_spacer_row():
    assert data_excel_rows(3, "clean") == [3, 4, 5]
    rows = data_excel_rows(6, "messy")
    assert rows[0] == 4 and len(set(rows)) == 6
    assert rows[-1] - rows[0] == 6  # one blank row in between
