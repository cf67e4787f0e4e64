"""Open data downloads: park-year indicators and scores as CSV, XLSX and Parquet + datapackage.json.

Only park-level marts are exported (no enterprise rows, ever). Files are byte-reproducible: rows
are sorted, the XLSX zip entries and document properties carry a fixed date, Parquet is written
without the pandas index. CSV/XLSX text cells that a spreadsheet would read as a formula get a
leading apostrophe (CSV injection).
"""

from __future__ import annotations

import csv
import io
import json
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path

import openpyxl
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from .markup import is_missing, split_ids
from .marts import Marts, join_new_columns

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
_FIXED_ZIP_DATE = (1980, 1, 1, 0, 0, 0)
_FIXED_DOC_DATE = "1980-01-01T00:00:00Z"


@dataclass(frozen=True)
class Field:
    name: str
    type: str  # Frictionless: string, integer, number, boolean
    title: str
    unit: str | None = None


PARK_FIELDS = (
    Field("park_code", "string", "园区代码"),
    Field("park_name", "string", "园区名称"),
    Field("city_code", "string", "城市代码"),
    Field("city_name", "string", "城市"),
    Field("year", "integer", "年度", "年"),
)
INDICATOR_FIELDS = PARK_FIELDS + (
    Field("indicator_id", "string", "指标编号"),
    Field("indicator_name", "string", "指标名称"),
    Field("dimension_name", "string", "评价维度"),
    Field("unit", "string", "数值单位（是/否指标：1 为是，0 为否）"),
    Field("value", "number", "指标数值（单位见 unit 字段）"),
    Field("score_points", "number", "指标得分", "分"),
    Field("weight_points", "number", "指标权重", "分"),
    Field("is_missing", "boolean", "是否缺报"),
    Field("peer_median_value", "number", "全省同年度中位数（单位见 unit 字段）"),
    Field("source_version_ids", "string", "来源报送版本（分号分隔）"),
)
SCORE_FIELDS = PARK_FIELDS + (
    Field("score_eg_points", "number", "能源利用绿色化得分", "分"),
    Field("score_rg_points", "number", "资源利用绿色化得分", "分"),
    Field("score_ig_points", "number", "基础设施绿色化得分", "分"),
    Field("score_cg_points", "number", "产业技术绿色化得分", "分"),
    Field("score_hg_points", "number", "生态环境绿色化得分", "分"),
    Field("score_mg_points", "number", "运行管理绿色化得分", "分"),
    Field("total_score_points", "number", "综合评价得分", "分"),
    Field("necessary_conditions_met", "boolean", "是否满足全部必要条件"),
    Field("failed_conditions_zh", "string", "未满足的必要条件"),
    Field("is_compliant", "boolean", "是否达到省级绿色低碳工业园区评价要求"),
    Field("rank_in_city", "integer", "市内排名", "名"),
    Field("rank_in_province", "integer", "全省排名", "名"),
    Field("quarters_accepted", "integer", "已接收季度数", "个"),
    Field("source_version_ids", "string", "来源报送版本（分号分隔）"),
)


def escape_formula(value):
    """A text cell that Excel/WPS would evaluate as a formula gets a leading apostrophe."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def _ids_text(value) -> str | None:
    ids = split_ids(value)
    return ";".join(ids) if ids else None


def _park_columns(marts: Marts) -> pd.DataFrame:
    return marts.dim_park[["park_code", "park_name", "city_code", "city_name"]]


def indicator_frame(marts: Marts) -> pd.DataFrame:
    ind = join_new_columns(join_new_columns(marts.fct_park_indicators, _park_columns(marts), "park_code"),
                           marts.dim_indicator[["indicator_id", "indicator_name", "dimension_name"]], "indicator_id")
    ind = ind.rename(columns={"weight": "weight_points"})
    ind["source_version_ids"] = ind["source_version_ids"].map(_ids_text)
    return _conform(ind, INDICATOR_FIELDS, ["park_code", "year", "indicator_id"])


def score_frame(marts: Marts) -> pd.DataFrame:
    ev = join_new_columns(marts.fct_park_evaluation, _park_columns(marts), "park_code")
    ev = ev.rename(columns={c: f"{c}_points" for c in ev.columns if c.startswith("score_") or c == "total_score"})
    ev["source_version_ids"] = ev["source_version_ids"].map(_ids_text)
    return _conform(ev, SCORE_FIELDS, ["park_code", "year"])


def _conform(frame: pd.DataFrame, fields: tuple[Field, ...], key: list[str]) -> pd.DataFrame:
    out = pd.DataFrame(index=frame.index)
    for f in fields:
        col = frame[f.name] if f.name in frame.columns else pd.Series([None] * len(frame), index=frame.index)
        if f.type == "integer":
            col = pd.to_numeric(col, errors="coerce").round().astype("Int64")
        elif f.type == "number":
            col = pd.to_numeric(col, errors="coerce").astype("float64")
        elif f.type == "boolean":
            col = col.astype("boolean")
        else:
            col = col.astype("string")
        out[f.name] = col
    return out.sort_values(key, kind="mergesort").reset_index(drop=True)


def _cell(value):
    return None if is_missing(value) else value


def _number_text(value: float) -> str:
    return repr(float(value)) if float(value) != int(value) or abs(value) >= 1e16 else str(int(value))


def write_csv(frame: pd.DataFrame, fields: tuple[Field, ...], path: Path) -> None:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow([f.name for f in fields])
    for row in frame.itertuples(index=False):
        cells = []
        for f, v in zip(fields, row, strict=True):
            v = _cell(v)
            if v is None:
                cells.append("")
            elif f.type == "boolean":
                cells.append("true" if v else "false")
            elif f.type == "number":
                cells.append(_number_text(v))
            elif f.type == "string":
                cells.append(escape_formula(str(v)))
            else:
                cells.append(str(v))
        writer.writerow(cells)
    path.write_bytes(buf.getvalue().encode("utf-8-sig"))


def write_xlsx(frame: pd.DataFrame, fields: tuple[Field, ...], path: Path, sheet_title: str) -> None:
    wb = openpyxl.Workbook(write_only=True)  # streams rows: ~2× faster, flat memory at national size
    ws = wb.create_sheet(sheet_title)
    ws.append([f.name for f in fields])
    for row in frame.itertuples(index=False):
        cells = []
        for f, v in zip(fields, row, strict=True):
            v = _cell(v)
            if v is not None:
                v = escape_formula(str(v)) if f.type == "string" else bool(v) if f.type == "boolean" else (
                    int(v) if f.type == "integer" else float(v))
            cells.append(v)
        ws.append(cells)
    about = wb.create_sheet("字段说明")
    about.append(["字段", "名称", "类型", "单位"])
    for f in fields:
        about.append([f.name, f.title, f.type, f.unit or ""])
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


def export_open_data(marts: Marts, out_dir: Path, *, demo_data: bool = True) -> list[dict]:
    """Write every dataset in three formats plus datapackage.json; returns the resources."""
    out_dir.mkdir(parents=True, exist_ok=True)
    datasets = (
        ("park_indicators", "园区年度指标", INDICATOR_FIELDS, indicator_frame(marts)),
        ("park_scores", "园区年度评价得分", SCORE_FIELDS, score_frame(marts)),
    )
    resources, package_resources = [], []
    suffix = "（示例数据）" if demo_data else ""
    for name, title, fields, frame in datasets:
        for fmt, mediatype in (("csv", "text/csv"),
                               ("xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
                               ("parquet", "application/vnd.apache.parquet")):
            path = out_dir / f"{name}.{fmt}"
            if fmt == "csv":
                write_csv(frame, fields, path)
            elif fmt == "xlsx":
                write_xlsx(frame, fields, path, title)
            else:
                write_parquet(frame, fields, path)
            size = path.stat().st_size
            resources.append({"name": f"{name}_{fmt}", "title": f"{title}{suffix}", "path": path.name,
                              "format": fmt, "rows": len(frame), "bytes": size})
            entry = {"name": f"{name}_{fmt}", "title": f"{title}{suffix}", "path": path.name, "format": fmt,
                     "mediatype": mediatype, "bytes": size, "profile": "tabular-data-resource",
                     "schema": {"fields": [_field_descriptor(f) for f in fields],
                                "primaryKey": ["park_code", "year"] + (["indicator_id"] if name == "park_indicators" else [])}}
            if fmt == "csv":
                entry["encoding"] = "utf-8"
                entry["dialect"] = {"delimiter": ",", "lineTerminator": "\r\n", "header": True}
            if fmt == "xlsx":
                entry["dialect"] = {"sheet": title}
            package_resources.append(entry)
    package = {
        "profile": "tabular-data-package",
        "name": "zhejiang-green-low-carbon-parks",
        "title": f"浙江省绿色低碳工业园区年度指标与评价{suffix}",
        "description": ("园区层面的年度指标值、得分与综合评价结果；不含企业层面数据。"
                        + ("所有数值均为合成的示例数据。" if demo_data else "")),
        "resources": package_resources,
    }
    data = json.dumps(package, ensure_ascii=False, indent=2, sort_keys=False) + "\n"
    path = out_dir / "datapackage.json"
    path.write_text(data, encoding="utf-8")
    resources.append({"name": "datapackage", "title": "数据包说明（字段、类型、单位）", "path": path.name,
                      "format": "json", "rows": len(package_resources), "bytes": len(data.encode("utf-8"))})
    return resources


def _field_descriptor(f: Field) -> dict:
    desc = {"name": f.name, "type": f.type, "title": f.title}
    if f.unit:
        desc["unit"] = f.unit
        desc["description"] = f"{f.title}，单位：{f.unit}"
    if f.type == "boolean":
        desc["trueValues"], desc["falseValues"] = ["true"], ["false"]
    return desc
