"""The contract is the one source of column names, types and units: dbt, open data and pages follow it."""

from __future__ import annotations

import ast
import dataclasses
import shutil
from pathlib import Path

import pytest
from greenpark.submission import contract
from greenpark.dbt_macros import MACRO_FILE, expected_macro_file, main, render_contract_columns
from greenpark.publish import fields, pages

REPO = Path(__file__).resolve().parents[2]
DBT_PROJECT_DIR = REPO / "dbt_project"
PUBLISH = REPO / "orchestration" / "greenpark" / "publish"


def test_committed_dbt_macro_file_matches_the_contract():
    committed = (DBT_PROJECT_DIR / MACRO_FILE).read_bytes().decode("utf-8")
    assert committed == expected_macro_file(), "run: uv run python -m greenpark.dbt_macros"


def test_macro_file_names_its_source_and_lists_every_measure():
    text = expected_macro_file()
    assert text.startswith(f"{{#-\n  GENERATED from the contract ({contract.__name__}) by `python -m greenpark.dbt_macros`")
    for sheet in contract.SHEETS:
        assert f"{{% macro {sheet.key}_measures() %}}" in text
        for column in sheet.measures:
            assert f'"raw": "{column.name}", "name": "{column.staged_name}"' in text
    assert '{"raw": "land_mu", "name": "land_mu", "type": "double", "kind": "stock"}' in text
    assert '{"raw": "employees", "name": "employees_persons", "type": "bigint", "kind": "stock"}' in text
    assert '{"raw": "buses", "name": "buses_count", "type": "bigint", "kind": "attr"}' in text


def _with_unit(sheet: contract.Sheet, name: str, header: str, unit: str) -> contract.Sheet:
    columns = tuple(dataclasses.replace(c, header=header, unit=unit) if c.name == name else c for c in sheet.columns)
    return dataclasses.replace(sheet, columns=columns)


def test_a_unit_changed_in_the_contract_reaches_dbt_and_the_open_data():
    sheet = _with_unit(contract.PARK_QUARTER, "fresh_water", "新鲜水取水量(吨)", "t")
    text = render_contract_columns((sheet,), "contract.py")
    assert '{"raw": "fresh_water", "name": "fresh_water_t", "type": "double", "kind": "flow"}' in text
    assert "fresh_water_wan_m3" not in text
    field = fields.contract_field(sheet, "fresh_water_t")
    assert (field.header, field.digits) == ("新鲜水取水量（t）", 1)
    with pytest.raises(KeyError):
        fields.contract_field(sheet, "fresh_water_wan_m3")
    with pytest.raises(KeyError):  # a unit without a staged suffix cannot reach dbt unnoticed
        _ = dataclasses.replace(contract.PARK_QUARTER.column("cod"), unit="kg").staged_name


def test_open_data_and_pages_take_submitted_measures_from_the_contract():
    for staged in ("value_added_wan_yuan", "renewable_electricity_wan_kwh", "solid_waste_t", "employees_persons"):
        column = contract.PARK_QUARTER.staged_column(staged)
        assert fields.FIELDS[staged].unit == column.unit
        assert fields.FIELDS[staged].title == column.title.replace("其中:", "其中：")
    for column, label, unit in pages.FLOWS + pages.INTENSITIES:
        assert (label, unit) == (fields.PAGE_TITLES.get(column, fields.FIELDS[column].title), fields.FIELDS[column].unit)
    for column, cid, label in pages.CONDITIONS:
        assert fields.FIELDS[column].title.replace("%", " %") == f"{cid} {label}"


def _published_labels() -> set[str]:
    labels = {label for _, label, _ in pages.FLOWS + pages.INTENSITIES + fields.CONDITIONS}
    labels |= {c.title for s in contract.SHEETS for c in s.measures}
    return {label for label in labels if len(label) >= 4}


def test_no_published_label_is_spelled_outside_the_contract_and_the_fields_table():
    spelled = []
    for path in sorted(PUBLISH.glob("*.py")):
        if path.name == "fields.py":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                spelled += [(path.name, node.lineno, label) for label in _published_labels() if label in node.value]
    assert spelled == []


def test_check_flags_a_hand_edited_macro_file_and_export_repairs_it(tmp_path, capsys):
    project = tmp_path / "dbt_project"
    (project / "macros").mkdir(parents=True)
    shutil.copy(DBT_PROJECT_DIR / MACRO_FILE, project / MACRO_FILE)
    assert main(["--check", "--dbt-project-dir", str(project)]) == 0
    edited = (project / MACRO_FILE).read_text(encoding="utf-8").replace('"cod_t"', '"cod_kg"')
    (project / MACRO_FILE).write_text(edited, encoding="utf-8")
    assert main(["--check", "--dbt-project-dir", str(project)]) == 1
    assert "与契约不一致" in capsys.readouterr().err
    assert main(["--dbt-project-dir", str(project)]) == 0
    assert main(["--check", "--dbt-project-dir", str(project)]) == 0
