"""Open data a researcher can use: a valid Frictionless package, Chinese headers from the one field
table, numbers at their documented precision, every dataset the issue lists, the disclosed 亩均 table,
and the release in file names and datapackage.json."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re

import openpyxl
import pyarrow.parquet as pq
import pytest
from frictionless import validate
from greenpark.publish import disclosure, open_data
from greenpark.publish.marts import load_marts
from greenpark.publish.provenance import Release
from publish_fixtures import build_fixture_warehouse

RELEASE = Release(release_id="2026.1", published=dt.date(2026, 11, 30), issuer="浙江省经济和信息化厅（示例）",
                  contact="0571-00000000（示例）", licence_name="CC BY 4.0",
                  licence_url="https://creativecommons.org/licenses/by/4.0/")


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    root = tmp_path_factory.mktemp("open_data")
    marts = load_marts(build_fixture_warehouse(root / "warehouse.duckdb"))
    plain = open_data.export_open_data(marts, root / "plain", demo_data=True)
    released = open_data.export_open_data(marts, root / "released", demo_data=True, release=RELEASE)
    return root, marts, plain, released


def _csv(path):
    return list(csv.reader(io.StringIO(path.read_text(encoding="utf-8-sig"))))


def test_frictionless_validates_the_package(exported):
    root = exported[0]
    for folder in ("plain", "released"):
        report = validate(str(root / folder / "datapackage.json"))
        errors = [(t.name, e.message) for t in report.tasks for e in t.errors] + [e.message for e in report.errors]
        assert report.valid, errors[:5]


def test_every_dataset_of_the_issue_in_three_formats(exported):
    root, _, plain, _ = exported
    names = {r["name"].rsplit("_", 1)[0] for r in plain if r["format"] != "json"}
    assert names == {"park_indicators", "park_scores", "park_year_totals", "park_quarters", "park_mujun_classes",
                     "dynamic_management", "park_designations", "indicator_revisions", "energy_factors",
                     "grid_emission_factors"}
    assert all(r["rows"] > 0 for r in plain if r["format"] != "json" and not r["name"].startswith("park_year_totals")
               ), [r for r in plain if r["rows"] == 0]
    scores = _csv(root / "plain" / "park_scores.csv")[0]
    assert {"B1 园区为省级或国家级", "B2 近三年无重大安全事故和突发环境污染事件", "B3 四个季度数据均已接收",
            "B4 重点企业清洁生产审核实施率 100%"} <= set(scores)
    flags = _csv(root / "plain" / "dynamic_management.csv")
    assert flags[0][-2:] == ["动态管理事项", "原因"] and all(row[-1] for row in flags[1:])
    totals = _csv(root / "plain" / "park_year_totals.csv")[0]
    assert {"综合能耗（tce）", "二氧化碳排放量（tCO2）", "新鲜水取水量（万m³）", "一般工业固体废物产生量（t）",
            "化学需氧量排放量（t）", "氨氮排放量（t）", "二氧化硫排放量（t）", "氮氧化物排放量（t）"} <= set(totals)


def test_headers_are_chinese_and_come_from_the_field_table(exported):
    root = exported[0]
    package = json.loads((root / "plain" / "datapackage.json").read_text(encoding="utf-8"))
    for resource in package["resources"]:
        if resource["format"] == "parquet":
            continue
        fields = resource["schema"]["fields"]
        for f in fields:
            spec = open_data.FIELDS[f["machineName"]]
            assert f["name"] == spec.header and f["type"] == spec.type and f.get("unit") == spec.unit
            assert re.search(r"[\u4e00-\u9fff]", f["name"]) or f["name"].startswith("B"), f["name"]
        path = root / "plain" / resource["path"]
        if resource["format"] == "csv":
            header = _csv(path)[0]
        else:
            header = [c.value for c in next(openpyxl.load_workbook(path, read_only=True).worksheets[0].iter_rows(max_row=1))]
        assert header == [f["name"] for f in fields], resource["name"]
    parquet = pq.read_table(root / "plain" / "park_scores.parquet")
    assert parquet.column_names == [f.name for f in open_data.SCORE_FIELDS]  # machine names for programs


def test_numbers_are_rounded_to_the_documented_precision(exported):
    root = exported[0]
    package = json.loads((root / "plain" / "datapackage.json").read_text(encoding="utf-8"))
    checked = 0
    for resource in (r for r in package["resources"] if r["format"] == "csv"):
        rows = _csv(root / "plain" / resource["path"])
        for i, f in enumerate(resource["schema"]["fields"]):
            if f["type"] != "number":
                continue
            assert "decimalPlaces" in f and f"保留 {f['decimalPlaces']} 位小数" in f["description"]
            for row in rows[1:]:
                if row[i]:
                    decimals = len(row[i].split(".")[1]) if "." in row[i] else 0
                    assert decimals == f["decimalPlaces"], (resource["name"], f["name"], row[i])
                    checked += 1
    assert checked > 100


def test_mujun_open_data_is_the_disclosed_table(exported):
    root, marts = exported[:2]
    rows = _csv(root / "plain" / "park_mujun_classes.csv")
    header, body = rows[0], rows[1:]
    n, status, share = header.index("企业数（家）"), header.index("企业数公开状态"), header.index("占比（%）")
    assert len(body) == len(marts.fct_park_mujun_public)
    texts = open_data.status_zh(3)
    kinds = {r[status] for r in body}
    assert kinds == set(texts.values())
    total = header.index("参评企业总数（家）")
    for r in body:
        assert (r[n] == "") == (r[status] == texts[disclosure.PRIMARY])
        assert (r[share] == "" and r[total] == "") == (r[status] != texts[None])
        assert r[n] == "" or int(r[n]) >= 3


def test_release_in_file_names_and_datapackage(exported):
    root, _, plain, released = exported
    assert {r["path"] for r in plain if r["format"] == "csv"} >= {"park_indicators.csv"}
    paths = [r["path"] for r in released if r["format"] != "json"]
    assert "greenpark_park_indicators_2026.1.csv" in paths
    assert all(p.startswith("greenpark_") and "_2026.1." in p for p in paths)
    assert all((root / "released" / p).is_file() for p in paths)
    package = json.loads((root / "released" / "datapackage.json").read_text(encoding="utf-8"))
    assert package["version"] == "2026.1" and package["created"] == "2026-11-30T00:00:00Z"
    assert package["licenses"] == [{"name": "CC-BY-4.0", "path": "https://creativecommons.org/licenses/by/4.0/",
                                    "title": "CC BY 4.0"}]
    assert package["contributors"][0]["title"] == "浙江省经济和信息化厅（示例）"
    assert package["contributors"][0]["role"] == "publisher" and package["contributors"][0]["contact"]
    assert package["sources"]
    unreleased = json.loads((root / "plain" / "datapackage.json").read_text(encoding="utf-8"))
    assert "version" not in unreleased and "created" not in unreleased  # no clock: deterministic


def test_export_is_byte_identical(exported, tmp_path):
    root, marts = exported[:2]
    again = open_data.export_open_data(marts, tmp_path, demo_data=True, release=RELEASE)
    for r in again:
        assert (tmp_path / r["path"]).read_bytes() == (root / "released" / r["path"]).read_bytes(), r["path"]
