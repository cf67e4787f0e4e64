"""The submission contract (contract.md) as one table.

The template writer, the workbook parser, the rule catalogue and the warehouse DDL all read the
sheets and columns from here, so a header or a unit is written exactly once.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

# Column kinds: how a cell is normalised and typed.
TEXT = "text"  # free text, stripped
CODE = "code"  # identifier text (park code, USCC, industry code), stripped, upper-cased
NUMBER = "number"  # decimal, >= 0 unless stated
INTEGER = "integer"  # whole number
BOOL = "bool"  # 是/否 and its variants
ENUM = "enum"  # one of `choices`
YEAR = "year"  # four-digit year

SQL_TYPES = {
    TEXT: "VARCHAR",
    CODE: "VARCHAR",
    NUMBER: "DOUBLE",
    INTEGER: "BIGINT",
    BOOL: "BOOLEAN",
    ENUM: "VARCHAR",
    YEAR: "INTEGER",
}

BOOL_TRUE = ("是", "Y", "YES", "1", "√", "TRUE", "T")
BOOL_FALSE = ("否", "N", "NO", "0", "×", "X", "FALSE", "F")
RETROFIT_CHOICES = ("未开展", "实施中", "已完成")


@dataclass(frozen=True)
class Column:
    name: str  # identifier used in frames, raw tables and rules
    header: str  # header text as the template writes it (unit included)
    kind: str
    unit: str = ""
    required: bool = True
    confidential: bool = False
    choices: tuple[str, ...] = ()
    note: str = ""  # the contract's rule, shown in the template's 填报说明

    @property
    def sql_type(self) -> str:
        return SQL_TYPES[self.kind]


@dataclass(frozen=True)
class Sheet:
    key: str  # identifier: park_quarter / park_annual / enterprise_quarter
    name: str  # sheet name in the workbook
    raw_table: str  # DuckDB table the accepted rows land in
    columns: tuple[Column, ...]
    description: str
    confidential: bool = False
    key_columns: tuple[str, ...] = field(default=())

    def column(self, name: str) -> Column:
        for col in self.columns:
            if col.name == name:
                return col
        raise KeyError(name)

    @property
    def headers(self) -> dict[str, str]:
        return {c.name: c.header for c in self.columns}


def _n(name: str, header: str, unit: str, note: str = "≥ 0", **kw) -> Column:
    return Column(name=name, header=header, kind=NUMBER, unit=unit, note=note, **kw)


def _b(name: str, header: str, **kw) -> Column:
    return Column(name=name, header=header, kind=BOOL, note="是/否", **kw)


PARK_CODE = Column("park_code", "园区代码", CODE, note="NNNN-NN,见园区名录,须属于本市;每个园区一行")

PARK_QUARTER = Sheet(
    key="park_quarter",
    name="园区季度指标",
    raw_table="raw_park_quarter",
    description="每个园区一行,填报当季数(非累计);存量(用地、从业人员)为季末数。",
    key_columns=("park_code",),
    columns=(
        PARK_CODE,
        Column("park_name", "园区名称", TEXT, note="与园区名录不一致时给出警告"),
        _n("gross_output", "工业总产值(万元)", "万元"),
        _n("value_added", "工业增加值(万元)", "万元", "≥ 0,≤ 工业总产值"),
        _n("tax", "税收收入(万元)", "万元"),
        _n("hightech_output", "高新技术产业产值(万元)", "万元", "≤ 工业总产值"),
        _n("green_output", "绿色产业产值(万元)", "万元", "节能环保与新能源产业;≤ 工业总产值"),
        _n("land_mu", "工业用地面积(亩)", "亩", "> 0(季末存量)"),
        Column("employees", "从业人员(人)", INTEGER, unit="人", note="整数 ≥ 0(季末存量)"),
        _n("electricity", "用电量(万千瓦时)", "万kWh"),
        _n("renewable_electricity", "其中:可再生能源电力自用量(万千瓦时)", "万kWh", "≤ 用电量"),
        _n("raw_coal", "原煤(吨)", "t"),
        _n("natural_gas", "天然气(万立方米)", "万m³"),
        _n("fuel_oil", "燃料油(吨)", "t"),
        _n("diesel", "柴油(吨)", "t"),
        _n("gasoline", "汽油(吨)", "t"),
        _n("lpg", "液化石油气(吨)", "t"),
        _n("purchased_heat", "外购热力(吉焦)", "GJ"),
        _n("waste_heat_recovered", "余热余压回收利用量(吉焦)", "GJ"),
        _n("fresh_water", "新鲜水取水量(万立方米)", "万m³"),
        _n("reused_water", "重复用水量(万立方米)", "万m³"),
        _n("reclaimed_water", "中水回用量(万立方米)", "万m³"),
        _n("wastewater", "工业废水排放量(万立方米)", "万m³"),
        _n("cod", "化学需氧量排放量(吨)", "t"),
        _n("nh3n", "氨氮排放量(吨)", "t"),
        _n("so2", "二氧化硫排放量(吨)", "t"),
        _n("nox", "氮氧化物排放量(吨)", "t"),
        _n("vocs", "挥发性有机物排放量(吨)", "t"),
        _n("pm", "颗粒物排放量(吨)", "t"),
        _n("solid_waste", "一般工业固体废物产生量(吨)", "t"),
        _n(
            "solid_waste_utilised",
            "一般工业固体废物综合利用量(吨)",
            "t",
            "超过产生量给出警告(含贮存利用),超过产生量 2 倍为错误",
        ),
        _n("hazardous_waste", "危险废物产生量(吨)", "t"),
        _n(
            "hazardous_waste_treated",
            "危险废物利用处置量(吨)",
            "t",
            "超过产生量给出警告,超过产生量 2 倍为错误",
        ),
    ),
)

PARK_ANNUAL = Sheet(
    key="park_annual",
    name="园区年度信息",
    raw_table="raw_park_annual",
    description="每个园区一行;第四季度必填,其他季度可选(以最新接收版本为准)。",
    key_columns=("park_code",),
    columns=(
        PARK_CODE,
        _n("area_ha", "规划面积(公顷)", "公顷", "> 0"),
        _n("green_area_ha", "绿地面积(公顷)", "公顷", "≤ 规划面积"),
        _n("pv_capacity_mw", "光伏装机容量(兆瓦)", "MW"),
        _n("new_building_area", "当年新建建筑面积(万平方米)", "万m²"),
        _n(
            "green_building_area",
            "其中:绿色建筑面积(万平方米)",
            "万m²",
            "≤ 当年新建建筑面积(GB/T 50378 / GB/T 50878)",
        ),
        Column("buses", "园区公交车辆数(辆)", INTEGER, unit="辆", note="整数 ≥ 0"),
        Column("nev_buses", "其中:节能与新能源公交车(辆)", INTEGER, unit="辆", note="≤ 公交车辆数"),
        Column("key_enterprises", "重点企业数(家)", INTEGER, unit="家", note="整数 ≥ 0"),
        Column("energy_diagnosed", "完成节能诊断企业数(家)", INTEGER, unit="家", note="≤ 重点企业数"),
        Column(
            "clean_production_audited",
            "实施清洁生产审核企业数(家)",
            INTEGER,
            unit="家",
            note="≤ 重点企业数",
        ),
        _b("has_wastewater_plant", "污水集中处理设施"),
        _b("zero_discharge_zone", "污水零直排区建成"),
        _b("energy_monitoring_platform", "能耗在线监测平台"),
        _b("environment_monitoring_platform", "环境监测管理平台"),
        _b("air_monitoring", "空气质量监测"),
        _b("soil_monitoring", "土壤环境监测"),
        _b("groundwater_monitoring", "地下水环境监测"),
        Column("plan_year", "绿色低碳发展规划编制年份", YEAR, note="四位年份,不晚于报送年份"),
        _b("has_standard_system", "绿色低碳标准体系"),
        _b("publishes_annual_report", "年度绿色低碳发展报告发布"),
        _b("lan_publishing", "局域网信息发布"),
        Column("retrofit_status", "循环化改造", ENUM, choices=RETROFIT_CHOICES, note="未开展 / 实施中 / 已完成"),
        Column("major_accidents", "重大安全事故(起)", INTEGER, unit="起", note="整数 ≥ 0"),
        Column("pollution_incidents", "突发环境污染事件(起)", INTEGER, unit="起", note="整数 ≥ 0"),
    ),
)

ENTERPRISE_QUARTER = Sheet(
    key="enterprise_quarter",
    name="企业季度数据",
    raw_table="raw_enterprise_quarter",
    description="每家规上企业一行(保密数据,仅用于园区汇总与亩均评价,不公开)。",
    confidential=True,
    key_columns=("uscc",),
    columns=(
        Column("uscc", "统一社会信用代码", CODE, confidential=True, note="18 位,GB 32100-2015 校验位;文件内唯一"),
        Column("enterprise_name", "企业名称", TEXT, confidential=True, note="不能为空"),
        Column("park_code", "园区代码", CODE, note="本市园区"),
        Column("industry_code", "行业代码", CODE, note="GB/T 4754-2017 四位小类"),
        _n("value_added", "工业增加值(万元)", "万元", confidential=True),
        _n("tax", "税收(万元)", "万元", confidential=True),
        _n("revenue", "营业收入(万元)", "万元", confidential=True),
        _n("rd_expense", "研发费用(万元)", "万元", "≥ 0,≤ 营业收入", confidential=True),
        _n("land_mu", "用地面积(亩)", "亩", "≥ 0(季末存量)", confidential=True),
        _n("energy_tce", "综合能耗(吨标准煤)", "tce", confidential=True),
        _n(
            "pollutant_emissions",
            "主要污染物排放量(吨)",
            "t",
            "≥ 0(化学需氧量 + 氨氮 + 二氧化硫 + 氮氧化物)",
            confidential=True,
        ),
        Column("employees", "从业人员(人)", INTEGER, unit="人", note="整数 ≥ 0(季末存量)", confidential=True),
    ),
)

SHEETS: tuple[Sheet, ...] = (PARK_QUARTER, PARK_ANNUAL, ENTERPRISE_QUARTER)
SHEETS_BY_KEY = {s.key: s for s in SHEETS}
INSTRUCTIONS_SHEET = "填报说明"

# Columns every raw table carries besides the contract's own.
PROVENANCE_COLUMNS = (
    ("version_id", "VARCHAR"),
    ("city_code", "VARCHAR"),
    ("year", "INTEGER"),
    ("quarter", "INTEGER"),
    ("source_row", "INTEGER"),  # the row number as Excel shows it
)

FILENAME_RE = re.compile(r"^(?P<city>\d{6})_(?P<year>\d{4})Q(?P<quarter>[1-4])\.(?P<ext>xlsx|xls|ods)$", re.IGNORECASE)
PARK_CODE_RE = re.compile(r"^\d{4}-\d{2}$")
EXTENSIONS = ("xlsx", "xls", "ods")


def raw_table_ddl(sheet: Sheet) -> str:
    cols = [f"{name} {sql}" for name, sql in PROVENANCE_COLUMNS]
    cols += [f"{c.name} {c.sql_type}" for c in sheet.columns]
    return f"CREATE TABLE IF NOT EXISTS {sheet.raw_table} (\n    " + ",\n    ".join(cols) + "\n)"


DUE_DAY = 20  # a quarter's file is due by this day of the month after the quarter ends


def due_date(year: int, quarter: int, due_day: int = DUE_DAY) -> dt.date:
    """The deadline of a quarter's submission (Q4 → January of the next year)."""
    return dt.date(year + 1, 1, due_day) if quarter == 4 else dt.date(year, 3 * quarter + 1, due_day)


def submission_filename(city_code: str, year: int, quarter: int, ext: str = "xlsx") -> str:
    return f"{city_code}_{year}Q{quarter}.{ext}"
