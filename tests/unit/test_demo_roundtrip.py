"""What the writer and the generator put in a file is what a person reads out of it.

The reader below is deliberately independent of greenpark.intake: it finds the header row, maps
headers after NFKC and whitespace removal, and reads text numbers the way a clerk would.
"""

from __future__ import annotations

import math
import re
import unicodedata

import pandas as pd
import pytest
from python_calamine import CalamineWorkbook

from greenpark.submission import contract
from greenpark import uscc
from greenpark.demo.generator import OUTLIER_FACTOR, build_demo_world, generate, submission_frames
from greenpark.demo.template import data_excel_rows, write_submission
from greenpark.settings import get_settings

SEED = 4242


def _text(value) -> str:
    return unicodedata.normalize("NFKC", str(value)).strip()


def _header(value) -> str:
    return re.sub(r"\s+", "", _text(value))


def _value(col: contract.Column, cell):
    """A cell as a person reads it: None when blank, numbers from text, 是/否 from its variants."""
    if cell is None or cell == "":
        return None
    if col.kind in (contract.NUMBER, contract.INTEGER, contract.YEAR):
        if isinstance(cell, (int, float)) and not isinstance(cell, bool):
            return float(cell)
        try:
            return float(_text(cell).replace(",", ""))
        except ValueError:
            return _text(cell)  # text no person reads as a number ("约500") stays text
    if col.kind == contract.BOOL:
        text = _text(cell).upper()
        if text in contract.BOOL_TRUE:
            return True
        assert text in contract.BOOL_FALSE, cell
        return False
    return _text(cell)


def read_sheet(path, sheet: contract.Sheet) -> dict[int, dict]:
    """{excel row: {column name: value}} for the data rows under the sheet's header row."""
    rows = CalamineWorkbook.from_path(str(path)).get_sheet_by_name(sheet.name).to_python(skip_empty_area=False)
    wanted = {_header(c.header): c for c in sheet.columns}
    for i, row in enumerate(rows):  # noqa: B007 -- i is the header row, read after the loop
        found = {_header(v): j for j, v in enumerate(row) if _header(v) in wanted}
        if len(found) == len(wanted):
            break
    else:
        raise AssertionError(f"no header row in {sheet.name}")
    data = {}
    for k, row in enumerate(rows[i + 1 :], start=i + 2):
        if all(v in ("", None) for v in row):
            continue
        data[k] = {wanted[h].name: _value(wanted[h], row[j]) for h, j in found.items()}
    return data


def read_raw_cell(path, sheet_name: str, excel_row: int, letter: str):
    rows = CalamineWorkbook.from_path(str(path)).get_sheet_by_name(sheet_name).to_python(skip_empty_area=False)
    col = 0
    for ch in letter:
        col = col * 26 + ord(ch) - 64
    return rows[excel_row - 1][col - 1]


def _expected(col: contract.Column, value):
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    if col.kind in (contract.NUMBER, contract.INTEGER, contract.YEAR):
        return float(value)
    if col.kind == contract.BOOL:
        return bool(value)
    return str(value)


def assert_sheet_matches(path, sheet: contract.Sheet, frame: pd.DataFrame | None, style: str, skip=frozenset()):
    read = read_sheet(path, sheet)
    n = 0 if frame is None else len(frame)
    assert sorted(read) == data_excel_rows(n, style)
    for excel_row, (_, row) in zip(data_excel_rows(n, style), (frame.iterrows() if n else [])):
        for col in sheet.columns:
            if (excel_row, col.name) in skip:
                continue
            assert read[excel_row][col.name] == _expected(col, row.get(col.name)), (path.name, excel_row, col.name)


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    work = tmp_path_factory.mktemp("demo_roundtrip")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("GREENPARK_WORKDIR", str(work))
        settings = get_settings()
        manifest = generate(settings.inbox_dir, size="demo", seed=SEED, settings=settings)
        world = build_demo_world("demo", SEED, settings)
    return settings.inbox_dir, manifest, world


@pytest.mark.parametrize("ext", contract.EXTENSIONS)
@pytest.mark.parametrize("style", ["clean", "messy"])
def test_write_submission_round_trips_every_kind_of_value(tmp_path, ext, style):
    park_quarter = pd.DataFrame(
        {
            "park_code": ["3301-01", "3301-02", "3301-03", "3301-04"],
            "park_name": ["杭州经济技术开发区", "萧山经济技术开发区", "杭州余杭经济技术开发区", "富阳经济技术开发区"],
            "gross_output": [1234567.89, 0.05, 999.5, 12.0],
            "value_added": [300000.12, 0.01, 250.25, 3.0],
            "employees": [123456, 7, 1000, 0],
            "solid_waste": ["约500", 1.0, None, 2.5],  # text in a number column stays text
        }
    )
    annual = pd.DataFrame(
        {
            "park_code": ["3301-01", "3301-02", "3301-03"],
            "area_ha": [1500.5, 800.0, 99.9],
            "has_wastewater_plant": [True, False, True],
            "air_monitoring": [False, True, True],
            "plan_year": [2021, 2019, 2024],
            "retrofit_status": ["实施中", "已完成", "未开展"],
        }
    )
    frames = {"park_quarter": park_quarter, "park_annual": annual, "enterprise_quarter": None}
    path = write_submission(
        tmp_path / f"330100_2025Q2.{ext}",
        "330100",
        2025,
        2,
        frames,
        ext=ext,
        style=style,
        city_name="杭州市",
        demo=True,
    )
    rows = data_excel_rows(len(park_quarter), style)
    assert read_raw_cell(path, "园区季度指标", rows[0], "AD") == "约500"
    assert_sheet_matches(path, contract.PARK_QUARTER, park_quarter, style, skip={(rows[0], "solid_waste")})
    assert_sheet_matches(path, contract.PARK_ANNUAL, annual, style)
    assert_sheet_matches(path, contract.ENTERPRISE_QUARTER, None, style)


def test_every_generated_file_reads_back_as_the_values_generated(demo):
    inbox, manifest, world = demo
    injected = {}
    for err in manifest["injected_errors"]:
        injected.setdefault(err["file"], set()).add((err["sheet"], err["excel_row"], err["column"]))
    kinds = set()
    for entry in manifest["files"]:
        path = inbox / entry["path"]
        frames = submission_frames(
            world.city(entry["city_code"]), entry["year"], entry["quarter"], entry["rows"]["park_annual"] > 0
        )
        kinds.add((entry["ext"], entry["style"]))
        for sheet in contract.SHEETS:
            skip = {(r, c) for s, r, c in injected.get(entry["path"], ()) if s == sheet.name}
            assert_sheet_matches(path, sheet, frames[sheet.key], entry["style"], skip)
    assert kinds == {(e, s) for e in contract.EXTENSIONS for s in ("clean", "messy")}


def test_injected_cells_hold_the_wrong_value_the_manifest_names(demo):
    inbox, manifest, _ = demo
    errors = manifest["injected_errors"]
    assert {e["rule"] for e in errors} == {
        "negative",
        "text_in_number",
        "park_other_city",
        "uscc_check_digit",
        "share_over_100",
        "park_name_mismatch",
        "intensity_outlier",
    }
    assert len({e["city_code"] for e in errors}) == 4
    latest = max(manifest["years"])
    assert sorted(e["year"] == latest for e in {e["file"]: e for e in errors}.values()) == [False, True, True, True]
    styles = {f["path"]: f["style"] for f in manifest["files"]}
    for err in errors:
        cell = read_raw_cell(inbox / err["file"], err["sheet"], err["excel_row"], err["excel_column"])
        assert cell == err["value"]
        header_row = 2 if styles[err["file"]] == "clean" else 3
        assert read_raw_cell(inbox / err["file"], err["sheet"], header_row, err["excel_column"]) == err["column_header"]
        assert err["severity"] == ("warning" if err["rule"] in ("park_name_mismatch", "intensity_outlier") else "error")
    (outlier,) = [e for e in errors if e["rule"] == "intensity_outlier"]
    assert outlier["value"] == round(outlier["original_value"] * OUTLIER_FACTOR, 3)


def test_every_uscc_is_valid_and_unique_except_the_injected_one(demo):
    inbox, manifest, world = demo
    bad = {(e["file"], e["excel_row"]) for e in manifest["injected_errors"] if e["rule"] == "uscc_check_digit"}
    assert len(bad) == 1
    assert world.enterprises.uscc.is_unique and world.enterprises.uscc.map(uscc.is_valid).all()
    seen_bad = set()
    for entry in manifest["files"]:
        read = read_sheet(inbox / entry["path"], contract.ENTERPRISE_QUARTER)
        codes = [row["uscc"] for row in read.values()]
        assert len(codes) == len(set(codes)) == entry["rows"]["enterprise_quarter"]
        for excel_row, code in zip(read, codes):
            if not uscc.is_valid(code):
                seen_bad.add((entry["path"], excel_row))
    assert seen_bad == bad


def test_the_planted_outlier_is_the_one_peer_outlier_the_rule_finds(demo):
    """Calibration: the peer-outlier rule (peer.intensity_outlier) fires on the planted firm of
    the demo, and on no other firm of any demo file."""
    import datetime as dt

    from greenpark.intake.workbook import parse_workbook
    from greenpark.quality import cross_rules
    from greenpark.submission.catalogue import catalogue_path, load_catalogue
    from greenpark.registry import load_parks

    inbox, manifest, _ = demo
    settings = get_settings()
    rule = load_catalogue(catalogue_path(settings.expectations_dir))["peer.intensity_outlier"]
    parks = load_parks(settings)
    (planted,) = [e for e in manifest["injected_errors"] if e["rule"] == "intensity_outlier"]
    found = []
    for entry in manifest["files"]:
        parsed = parse_workbook(inbox / entry["path"])
        ctx = cross_rules.Context(entry["city_code"], entry["city_name"], entry["year"], entry["quarter"], parks,
                                  dt.date(2026, 3, 1))
        found += [(entry["path"], f.sheet, f.excel_row) for f in cross_rules.peer_outlier(rule, parsed, ctx)]
    assert found == [(planted["file"], planted["sheet"], planted["excel_row"])]
