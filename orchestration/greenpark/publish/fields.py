"""Every published column, once: machine name, Chinese title, type, unit and shown precision.

The open-data files (CSV/XLSX headers "标题（单位）", Parquet metadata, datapackage.json) and the
report pages' tables and charts read their labels from `FIELDS`, so a title or a unit is spelled
in one place (PUDL style). Submitted measures are not spelled here at all: their staged name,
title and unit come from the contract (`contract.PARK_QUARTER`), so a unit changed there reaches
dbt, the open data and the pages together. Columns that exist only in the marts (scores, B1–B4,
intensities, totals) are spelled here.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..submission import contract


@dataclass(frozen=True)
class Field:
    name: str
    type: str  # Frictionless: string, integer, number, boolean
    title: str
    unit: str | None = None
    digits: int | None = None  # decimals shown for numbers

    @property
    def header(self) -> str:
        """The Chinese column header of CSV and XLSX: title, with the unit when it has one."""
        return f"{self.title}（{self.unit}）" if self.unit else self.title


def _s(name: str, title: str) -> Field:
    return Field(name, "string", title)


def _i(name: str, title: str, unit: str | None = None) -> Field:
    return Field(name, "integer", title, unit)


def _f(name: str, title: str, unit: str | None, digits: int) -> Field:
    return Field(name, "number", title, unit, digits)


def _b(name: str, title: str) -> Field:
    return Field(name, "boolean", title)


# Decimals shown for a submitted measure, by its unit (2 for a unit not listed).
UNIT_DIGITS = {"万元": 1, "t": 1, "tce": 1, "tCO2": 1, "万m³": 2, "万kWh": 1, "GJ": 1, "亩": 1}


def contract_field(sheet: contract.Sheet, staged_name: str) -> Field:
    """A submitted measure as the marts carry it (e.g. cod_t), titled and united by the contract."""
    column = sheet.staged_column(staged_name)
    title, unit = column.title.replace("其中:", "其中："), column.unit or None
    if column.kind == contract.INTEGER:
        return _i(staged_name, title, unit)
    return _f(staged_name, title, unit, UNIT_DIGITS.get(column.unit, 2))


# The necessary conditions: mart column, id, wording on the report and methodology pages.
CONDITIONS = (
    ("b1_level_ok", "B1", "园区为省级或国家级"),
    ("b2_no_incidents", "B2", "近三年无重大安全事故和突发环境污染事件"),
    ("b3_four_quarters", "B3", "四个季度数据均已接收"),
    ("b4_clean_production", "B4", "重点企业清洁生产审核实施率 100 %"),
)


def _condition_field(column: str, cid: str, label: str) -> Field:
    # Open-data headers close up the percent sign ("100%", as the marts' failed_conditions_zh does);
    # the pages keep the space. Both are published as they are, so this rule keeps both bytes.
    return _b(column, f"{cid} {label.replace(' %', '%')}")


FIELDS: dict[str, Field] = {f.name: f for f in (
    _s("park_code", "园区代码"), _s("park_name", "园区名称"), _s("city_code", "城市代码"), _s("city_name", "城市"),
    _i("year", "年度"), _i("quarter", "季度"),
    _s("level", "园区级别"), _s("park_type", "园区类型"),
    _i("designation_batch_year", "认定批次年度"), _i("revoked_year", "撤销认定年度"), _s("designation_status", "认定状态"),
    _s("indicator_id", "指标编号"), _s("indicator_name", "指标名称"), _s("dimension_name", "评价维度"),
    _s("unit", "数值单位"),
    _f("value", "指标数值", None, 4), _f("score_points", "指标得分", "分", 2), _f("weight_points", "指标权重", "分", 2),
    _b("is_missing", "是否缺报"), _f("peer_median_value", "全省同年度中位数", None, 4),
    _s("source_version_ids", "来源报送版本"), _s("version_id", "来源报送版本"),
    _f("score_eg_points", "能源利用绿色化得分", "分", 2), _f("score_rg_points", "资源利用绿色化得分", "分", 2),
    _f("score_ig_points", "基础设施绿色化得分", "分", 2), _f("score_cg_points", "产业技术绿色化得分", "分", 2),
    _f("score_hg_points", "生态环境绿色化得分", "分", 2), _f("score_mg_points", "运行管理绿色化得分", "分", 2),
    _f("total_score_points", "综合评价得分", "分", 2),
    *(_condition_field(*c) for c in CONDITIONS),
    _b("necessary_conditions_met", "是否满足全部必要条件"), _s("failed_conditions_zh", "未满足的必要条件"),
    _b("is_compliant", "是否达到省级绿色低碳工业园区评价要求"),
    _i("rank_in_city", "市内排名", "名"), _i("rank_in_province", "全省排名", "名"),
    _i("quarters_accepted", "已接收季度数", "个"),
    *(contract_field(contract.PARK_QUARTER, c.staged_name) for c in contract.PARK_QUARTER.measures),
    _f("energy_tce", "综合能耗", "tce", 1), _f("co2_t", "二氧化碳排放量", "tCO2", 1),
    _f("energy_intensity_tce_per_wan_yuan", "单位工业增加值综合能耗", "tce/万元", 4),
    _f("co2_intensity_t_per_wan_yuan", "单位工业增加值二氧化碳排放量", "tCO2/万元", 4),
    _f("water_intensity_m3_per_wan_yuan", "单位工业增加值新鲜水耗", "m³/万元", 3),
    _f("solid_waste_intensity_t_per_wan_yuan", "单位工业增加值固体废物产生量", "t/万元", 4),
    _i("grid_factor_year", "所用电网排放因子年度"), _b("grid_factor_is_fallback", "电网排放因子沿用往年"),
    _s("mujun_class", "亩均分类"),
    _i("n_enterprises", "企业数", "家"), _s("n_enterprises_status", "企业数公开状态"),
    _f("share_pct", "占比", "%", 1), _i("n_enterprises_total", "参评企业总数", "家"),
    _s("flag_code", "事项代码"), _s("flag_zh", "动态管理事项"), _s("reason_zh", "原因"),
    _f("old_value", "原值", None, 4), _f("new_value", "修订后", None, 4), _f("change_pct", "变化幅度", "%", 1),
    _i("revised_quarter", "被修订的季度"), _s("superseded_version_id", "被替换版本"),
    _s("replacing_version_id", "替换版本"),
    _s("carrier", "能源品种代码"), _s("carrier_zh", "能源品种"), _s("carrier_unit", "计量单位"),
    _f("tce_per_unit", "折标系数（tce/计量单位）", None, 5), _f("tco2_per_unit", "排放因子（tCO2/计量单位）", None, 5),
    _s("source", "来源"), _i("valid_from_year", "适用起始年度"), _i("valid_to_year", "适用截止年度"),
    _f("tco2_per_mwh", "全国电网平均排放因子", "tCO2/MWh", 4),
)}

# Where the pages word a column differently from its open-data title. Both are published as they
# are; this is the one place such a difference may live (新鲜水用量 is the indicator formulas' word).
PAGE_TITLES = {"fresh_water_wan_m3": "新鲜水用量"}


def page_labels(*names: str) -> tuple[tuple[str, str, str | None], ...]:
    """(column, label, unit) of the pages' tables and charts, from FIELDS."""
    return tuple((n, PAGE_TITLES.get(n, FIELDS[n].title), FIELDS[n].unit) for n in names)
