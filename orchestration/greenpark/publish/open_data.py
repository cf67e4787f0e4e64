"""Open data: every public park-level table as CSV, XLSX and Parquet, described by datapackage.json.

What a researcher needs, in one package: park-year indicators and evaluation (with B1–B4), park-year
totals (energy, CO2, water, waste, pollutants), park-quarter values, the 亩均 classes, 动态管理 flags
with reasons, designations, revisions and the factors used. The frames come from `load_marts`, so
disclosure control has already been applied: a withheld 亩均 cell is empty and its status column
says why. No enterprise row is ever exported.

One place for each column: `fields.FIELDS` holds the machine name, Chinese title, type, unit and
shown precision of every exported column (the contract's own titles and units for submitted
measures); the report pages read the same table. CSV and XLSX carry the Chinese header "标题（单位）"; Parquet carries the machine name; the
datapackage.json schema states both, with type, unit and precision, so `frictionless validate` can
check the files against it. Numbers are rounded to the field's precision (no 14-digit floats).

Files are byte-reproducible: rows are sorted, numbers are formatted from the rounded value, the XLSX
zip entries and document properties carry a fixed date, Parquet is written without the pandas
index. CSV/XLSX text cells that a spreadsheet would read as a formula get a leading apostrophe
(CSV injection). With a `Release`, file names and datapackage.json carry its id, date, issuer and
licence; without one they are the fixed defaults.
"""

from __future__ import annotations

import csv
import io
import json
import re
import zipfile
from pathlib import Path

import openpyxl
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from .disclosure import COMPLEMENTARY, PRIMARY, marker_column
from .fields import FIELDS, Field
from .markup import is_missing, split_ids
from .marts import Marts, join_new_columns
from .provenance import Release

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
_FIXED_ZIP_DATE = (1980, 1, 1, 0, 0, 0)
_FIXED_DOC_DATE = "1980-01-01T00:00:00Z"
FILE_PREFIX = "greenpark_"

_FLOW_COLUMNS = ("gross_output_wan_yuan", "value_added_wan_yuan", "tax_wan_yuan", "electricity_wan_kwh",
                 "renewable_electricity_wan_kwh", "fresh_water_wan_m3", "reused_water_wan_m3",
                 "reclaimed_water_wan_m3", "wastewater_wan_m3", "cod_t", "nh3n_t", "so2_t", "nox_t", "vocs_t",
                 "pm_t", "solid_waste_t", "solid_waste_utilised_t", "hazardous_waste_t", "hazardous_waste_treated_t")
_QUARTER_FLOWS = ("value_added_wan_yuan", "electricity_wan_kwh", "renewable_electricity_wan_kwh",
                  "fresh_water_wan_m3", "solid_waste_t")


def status_zh(threshold: int) -> dict[str | None, str]:
    """The 企业数公开状态 of a 亩均 row, by the disclosure marker of its count and share."""
    return {None: "公开", PRIMARY: f"少于 {threshold} 家，不公开",
            COMPLEMENTARY: f"公开；本园区本年度有少于 {threshold} 家的分类，占比和参评企业总数不公开（以免据此推算）"}


def _suppress_below(marts: Marts) -> int:
    return int(marts.thresholds["suppress_below_enterprises"])


def fields(*names: str) -> tuple[Field, ...]:
    return tuple(FIELDS[n] for n in names)


PARK_FIELDS = fields("park_code", "park_name", "city_code", "city_name", "year")
INDICATOR_FIELDS = PARK_FIELDS + fields("indicator_id", "indicator_name", "dimension_name", "unit", "value",
                                        "score_points", "weight_points", "is_missing", "peer_median_value",
                                        "source_version_ids")
SCORE_FIELDS = PARK_FIELDS + fields(
    "score_eg_points", "score_rg_points", "score_ig_points", "score_cg_points", "score_hg_points", "score_mg_points",
    "total_score_points", "b1_level_ok", "b2_no_incidents", "b3_four_quarters", "b4_clean_production",
    "necessary_conditions_met", "failed_conditions_zh", "is_compliant", "rank_in_city", "rank_in_province",
    "quarters_accepted", "source_version_ids")
TOTAL_FIELDS = PARK_FIELDS + fields("quarters_accepted", *_FLOW_COLUMNS[:2], "energy_tce", "co2_t",
                                    *_FLOW_COLUMNS[2:], "grid_factor_year", "source_version_ids")
QUARTER_FIELDS = PARK_FIELDS + fields("quarter", *_QUARTER_FLOWS[:1], "energy_tce", "co2_t", *_QUARTER_FLOWS[1:],
                                      "energy_intensity_tce_per_wan_yuan", "co2_intensity_t_per_wan_yuan",
                                      "water_intensity_m3_per_wan_yuan", "solid_waste_intensity_t_per_wan_yuan",
                                      "grid_factor_year", "grid_factor_is_fallback", "version_id")
MUJUN_FIELDS = PARK_FIELDS + fields("mujun_class", "n_enterprises", "n_enterprises_status", "share_pct",
                                    "n_enterprises_total")
FLAG_FIELDS = PARK_FIELDS + fields("flag_code", "flag_zh", "reason_zh")
DESIGNATION_FIELDS = fields("park_code", "park_name", "city_code", "city_name", "level", "park_type",
                            "designation_batch_year", "revoked_year", "designation_status")
REVISION_FIELDS = PARK_FIELDS + fields("indicator_id", "indicator_name", "unit", "old_value", "new_value",
                                       "change_pct", "revised_quarter", "superseded_version_id",
                                       "replacing_version_id")
ENERGY_FACTOR_FIELDS = fields("carrier", "carrier_zh", "carrier_unit", "tce_per_unit", "tco2_per_unit", "source",
                              "valid_from_year", "valid_to_year")
GRID_FACTOR_FIELDS = fields("year", "tco2_per_mwh", "source")


def escape_formula(value):
    """A text cell that Excel/WPS would evaluate as a formula gets a leading apostrophe."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def _ids_text(value) -> str | None:
    ids = split_ids(value)
    return ";".join(ids) if ids else None


def _with_parks(frame: pd.DataFrame, marts: Marts) -> pd.DataFrame:
    return join_new_columns(frame, marts.dim_park[["park_code", "park_name", "city_code", "city_name"]], "park_code")


def indicator_frame(marts: Marts) -> pd.DataFrame:
    ind = join_new_columns(_with_parks(marts.fct_park_indicators, marts),
                           marts.dim_indicator[["indicator_id", "indicator_name", "dimension_name"]], "indicator_id")
    ind = ind.rename(columns={"weight": "weight_points"})
    ind["source_version_ids"] = ind["source_version_ids"].map(_ids_text)
    return _conform(ind, INDICATOR_FIELDS, ["park_code", "year", "indicator_id"])


def score_frame(marts: Marts) -> pd.DataFrame:
    ev = _with_parks(marts.fct_park_evaluation, marts)
    ev = ev.rename(columns={c: f"{c}_points" for c in ev.columns if c.startswith("score_") or c == "total_score"})
    ev["source_version_ids"] = ev["source_version_ids"].map(_ids_text)
    return _conform(ev, SCORE_FIELDS, ["park_code", "year"])


def total_frame(marts: Marts) -> pd.DataFrame:
    wide = marts.fct_park_year_wide
    if "source_version_ids" in wide.columns:
        wide = wide.assign(source_version_ids=wide["source_version_ids"].map(_ids_text))
    return _conform(_with_parks(wide, marts), TOTAL_FIELDS, ["park_code", "year"])


def quarter_frame(marts: Marts) -> pd.DataFrame:
    return _conform(_with_parks(marts.fct_park_quarter, marts), QUARTER_FIELDS, ["park_code", "year", "quarter"])


def mujun_frame(marts: Marts) -> pd.DataFrame:
    mj = marts.fct_park_mujun_public
    none = pd.Series([None] * len(mj), index=mj.index, dtype=object)
    count, share = (mj.get(marker_column(c), none).astype(object).where(lambda s: s.notna(), None)
                    for c in ("n_enterprises", "share_pct"))
    texts = status_zh(_suppress_below(marts))
    mj = mj.assign(n_enterprises_status=[texts[PRIMARY if c == PRIMARY else COMPLEMENTARY if s == COMPLEMENTARY
                                               else None] for c, s in zip(count, share, strict=True)])
    return _conform(_with_parks(mj, marts), MUJUN_FIELDS, ["park_code", "year", "mujun_class"])


def flag_frame(marts: Marts) -> pd.DataFrame:
    return _conform(_with_parks(marts.fct_dynamic_management, marts), FLAG_FIELDS, ["park_code", "year", "flag_code"])


def designation_frame(marts: Marts) -> pd.DataFrame:
    return _conform(marts.dim_park, DESIGNATION_FIELDS, ["park_code"])


def revision_frame(marts: Marts) -> pd.DataFrame:
    rv = join_new_columns(_with_parks(marts.fct_revisions, marts),
                          marts.dim_indicator[["indicator_id", "indicator_name", "unit"]], "indicator_id")
    return _conform(rv, REVISION_FIELDS, ["park_code", "year", "indicator_id"])


def energy_factor_frame(marts: Marts) -> pd.DataFrame:
    return _conform(marts.energy_factors.rename(columns={"unit": "carrier_unit"}), ENERGY_FACTOR_FIELDS,
                    ["carrier", "valid_from_year"])


def grid_factor_frame(marts: Marts) -> pd.DataFrame:
    return _conform(marts.grid_emission_factors, GRID_FACTOR_FIELDS, ["year"])


# name, title, fields, frame builder, primary key
DATASETS = (
    ("park_indicators", "园区年度指标", INDICATOR_FIELDS, indicator_frame, ("park_code", "year", "indicator_id")),
    ("park_scores", "园区年度综合评价（含必要条件 B1–B4）", SCORE_FIELDS, score_frame, ("park_code", "year")),
    ("park_year_totals", "园区年度流量合计（能耗、排放、用水、固废、污染物）", TOTAL_FIELDS, total_frame,
     ("park_code", "year")),
    ("park_quarters", "园区季度数据", QUARTER_FIELDS, quarter_frame, ("park_code", "year", "quarter")),
    ("park_mujun_classes", "园区亩均论英雄分类企业数（已做保密处理）", MUJUN_FIELDS, mujun_frame,
     ("park_code", "year", "mujun_class")),
    ("dynamic_management", "动态管理事项及原因", FLAG_FIELDS, flag_frame, ("park_code", "year", "flag_code")),
    ("park_designations", "园区认定名录", DESIGNATION_FIELDS, designation_frame, ("park_code",)),
    ("indicator_revisions", "已公开指标的修订", REVISION_FIELDS, revision_frame, ("park_code", "year", "indicator_id")),
    ("energy_factors", "能源折标系数与排放因子", ENERGY_FACTOR_FIELDS, energy_factor_frame,
     ("carrier", "valid_from_year")),
    ("grid_emission_factors", "电网排放因子", GRID_FACTOR_FIELDS, grid_factor_frame, ("year",)),
)


def _conform(frame: pd.DataFrame, fields: tuple[Field, ...], key: list[str]) -> pd.DataFrame:
    out = pd.DataFrame(index=frame.index)
    for f in fields:
        col = frame[f.name] if f.name in frame.columns else pd.Series([None] * len(frame), index=frame.index)
        if f.type == "integer":
            col = pd.to_numeric(col, errors="coerce").round().astype("Int64")
        elif f.type == "number":
            col = pd.to_numeric(col, errors="coerce").astype("float64")
            if f.digits is not None:
                col = col.round(f.digits)
        elif f.type == "boolean":
            col = col.astype("boolean")
        else:
            col = col.astype("string")
        out[f.name] = col
    return out.sort_values([k for k in key if k in out.columns], kind="mergesort").reset_index(drop=True)


def _cell(value):
    return None if is_missing(value) else value


def _number_text(value: float, digits: int | None) -> str:
    if digits is None:
        return repr(float(value)) if float(value) != int(value) or abs(value) >= 1e16 else str(int(value))
    text = f"{float(value):.{digits}f}"
    return text.lstrip("-") if float(text) == 0 else text


def write_csv(frame: pd.DataFrame, fields: tuple[Field, ...], path: Path) -> None:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow([f.header for f in fields])
    for row in frame.itertuples(index=False):
        cells = []
        for f, v in zip(fields, row, strict=True):
            v = _cell(v)
            if v is None:
                cells.append("")
            elif f.type == "boolean":
                cells.append("true" if v else "false")
            elif f.type == "number":
                cells.append(_number_text(v, f.digits))
            elif f.type == "string":
                cells.append(escape_formula(str(v)))
            else:
                cells.append(str(v))
        writer.writerow(cells)
    path.write_bytes(buf.getvalue().encode("utf-8-sig"))


def write_xlsx(frame: pd.DataFrame, fields: tuple[Field, ...], path: Path, sheet_title: str) -> None:
    wb = openpyxl.Workbook(write_only=True)  # streams rows: ~2× faster, flat memory at national size
    ws = wb.create_sheet(sheet_title)
    ws.append([f.header for f in fields])
    for row in frame.itertuples(index=False):
        cells = []
        for f, v in zip(fields, row, strict=True):
            v = _cell(v)
            if v is not None:
                v = escape_formula(str(v)) if f.type == "string" else bool(v) if f.type == "boolean" else (
                    int(v) if f.type == "integer" else float(v))
            cells.append(v)
        if cells and cells[-1] is None:
            cells[-1] = ""  # a write-only sheet drops trailing empty cells; readers then see a short row
        ws.append(cells)
    about = wb.create_sheet("字段说明")
    about.append(["列标题", "字段名", "类型", "单位", "小数位数"])
    for f in fields:
        about.append([f.header, f.name, f.type, f.unit or "", "" if f.digits is None else f.digits])
    buf = io.BytesIO()
    wb.save(buf)
    path.write_bytes(_reproducible_zip(buf.getvalue()))


def _reproducible_zip(data: bytes) -> bytes:
    """openpyxl stamps the save time into docProps/core.xml and every zip entry; fix both."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            content = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                content = re.sub(rb"(<dcterms:(created|modified)[^>]*>)[^<]*(</dcterms:)",
                                 rb"\g<1>" + _FIXED_DOC_DATE.encode() + rb"\g<3>", content)
            entry = zipfile.ZipInfo(info.filename, date_time=_FIXED_ZIP_DATE)
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = 0o600 << 16
            dst.writestr(entry, content)
    return out.getvalue()


def write_parquet(frame: pd.DataFrame, fields: tuple[Field, ...], path: Path) -> None:
    types = {"string": pa.string(), "integer": pa.int64(), "number": pa.float64(), "boolean": pa.bool_()}
    schema = pa.schema([pa.field(f.name, types[f.type], metadata={"title": f.title, "unit": f.unit or ""})
                        for f in fields])
    table = pa.Table.from_pandas(frame, schema=schema, preserve_index=False).replace_schema_metadata(None)
    pq.write_table(table, path, compression="zstd")


def file_name(name: str, fmt: str, release: Release | None) -> str:
    """'park_indicators.csv', or with a release 'greenpark_park_indicators_2026.1.csv'."""
    return f"{FILE_PREFIX}{name}_{release.release_id}.{fmt}" if release else f"{name}.{fmt}"


_MEDIATYPES = {"csv": "text/csv", "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
               "parquet": "application/vnd.apache.parquet"}


def export_open_data(marts: Marts, out_dir: Path, *, demo_data: bool = True,
                     release: Release | None = None) -> list[dict]:
    """Write every dataset in three formats plus datapackage.json; returns the resources."""
    out_dir.mkdir(parents=True, exist_ok=True)
    resources, package_resources = [], []
    suffix = "（示例数据）" if demo_data else ""
    for name, title, fields_, build, key in DATASETS:
        frame = build(marts)
        for fmt in ("csv", "xlsx", "parquet"):
            path = out_dir / file_name(name, fmt, release)
            if fmt == "csv":
                write_csv(frame, fields_, path)
            elif fmt == "xlsx":
                write_xlsx(frame, fields_, path, _sheet_title(title))
            else:
                write_parquet(frame, fields_, path)
            size = path.stat().st_size
            resources.append({"name": f"{name}_{fmt}", "title": f"{title}{suffix}", "path": path.name,
                              "format": fmt, "rows": len(frame), "bytes": size})
            package_resources.append(_resource(name, title + suffix, fmt, path.name, size, fields_, key))
    package = _package(package_resources, demo_data, release, marts)
    data = json.dumps(package, ensure_ascii=False, indent=2, sort_keys=False) + "\n"
    path = out_dir / "datapackage.json"
    path.write_text(data, encoding="utf-8")
    resources.append({"name": "datapackage", "title": "数据包说明（字段、类型、单位）", "path": path.name,
                      "format": "json", "rows": len(package_resources), "bytes": len(data.encode("utf-8"))})
    return resources


def _sheet_title(title: str) -> str:
    """Excel sheet names: at most 31 characters, none of []:*?/\\."""
    return re.sub(r"[\[\]:*?/\\]", "", title.split("（")[0])[:31]


def _resource(name: str, title: str, fmt: str, path: str, size: int, fields_: tuple[Field, ...],
              key: tuple[str, ...]) -> dict:
    entry = {"name": f"{name}_{fmt}", "title": title, "path": path, "format": fmt, "mediatype": _MEDIATYPES[fmt]}
    if fmt == "parquet":  # same rows as the CSV, columns by machine name; described, not table-validated
        entry.update({"type": "file", "profile": "data-resource", "bytes": size,
                      "description": "与同名 CSV 内容相同，列名为字段名（machineName），类型与单位见同名 CSV 资源的 schema。"})
        return entry
    entry.update({"bytes": size, "profile": "tabular-data-resource",
                  "schema": {"fields": [_field_descriptor(f) for f in fields_],
                             "primaryKey": [FIELDS[k].header for k in key]}})
    if fmt == "csv":
        entry["encoding"] = "utf-8-sig"
        entry["dialect"] = {"delimiter": ",", "lineTerminator": "\r\n", "header": True}
    if fmt == "xlsx":
        entry["dialect"] = {"sheet": _sheet_title(title)}
    return entry


def _field_descriptor(f: Field) -> dict:
    desc = {"name": f.header, "type": f.type, "title": f.title, "machineName": f.name}
    notes = [f"字段名 {f.name}"]
    if f.unit:
        desc["unit"] = f.unit
        notes.append(f"单位：{f.unit}")
    if f.type == "number" and f.digits is not None:
        desc["decimalPlaces"] = f.digits
        notes.append(f"保留 {f.digits} 位小数")
    if f.type == "boolean":
        desc["trueValues"], desc["falseValues"] = ["true"], ["false"]
    if f.name in ("n_enterprises", "share_pct", "n_enterprises_total"):
        notes.append("为空表示不公开，原因见“企业数公开状态”")
    desc["description"] = "；".join(notes)
    return desc


def _package(resources: list[dict], demo_data: bool, release: Release | None, marts: Marts) -> dict:
    suffix = "（示例数据）" if demo_data else ""
    factor_sources = sorted({str(v) for frame in (marts.energy_factors, marts.grid_emission_factors)
                             for v in frame.get("source", []) if not is_missing(v)})
    package = {
        "profile": "data-package",  # Parquet files are described, not tabular-validated
        "name": "zhejiang-green-low-carbon-parks",
        "title": f"浙江省绿色低碳工业园区年度指标与评价{suffix}",
        "description": ("园区层面的年度与季度数据、指标、综合评价、动态管理、认定名录、修订记录和所用因子；不含企业层面数据。"
                        f"亩均论英雄分类中企业数少于 {_suppress_below(marts)} 家的单元不公开，"
                        "该园区该年度的各类占比和参评企业总数也不公开（以免据此推算）。"
                        "数值按各字段说明中的小数位数四舍五入。"
                        + ("所有数值均为合成的示例数据。" if demo_data else "")),
        "sources": [{"title": "各市季度报送：园区季度指标、园区年度信息（已接收版本）"}]
                   + [{"title": f"因子来源：{s}"} for s in factor_sources],
    }
    if release is not None:
        package.update({
            "version": release.release_id,
            "created": f"{release.published.isoformat()}T00:00:00Z",
            "licenses": [{"name": _licence_id(release.licence_name), "path": release.licence_url,
                          "title": release.licence_name}],
            "contributors": [{"title": release.issuer, "role": "publisher", "contact": release.contact}],
        })
    package["resources"] = resources
    return package


def _licence_id(name: str) -> str:
    """'CC BY 4.0' → 'CC-BY-4.0' (the SPDX-style id the Data Package spec asks for)."""
    return re.sub(r"\s+", "-", name.strip())
