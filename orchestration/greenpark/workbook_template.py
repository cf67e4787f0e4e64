"""The empty submission workbook a city bureau fills in (`greenpark template`), laid out by submission/contract.py.

The template decides what a clerk can get wrong, so it sets what a spreadsheet can: code columns
(park code, 统一社会信用代码, 行业代码) are text, because an 18-digit code typed into a General cell
becomes a number shown as 9.13E+17 with its last digits gone, and 0610 loses its zero; numeric
columns accept only a whole number or a decimal >= 0 and say so in a Chinese input prompt; fixed
choices are drop-down lists.

Written with XlsxWriter: one small file opened in Excel or WPS, where what counts is that every
data validation, prompt and cell format is valid OOXML, and XlsxWriter documents and tests exactly
these. It is byte-deterministic here (in-memory packaging with fixed zip times, creation date = the
reporting period). The demo generator's bulk writer (demo/template.py) streams millions of cells
and also writes .xls and .ods; it reuses the layout defined here (instructions, titles, widths,
drop-down lists), so both always agree with the contract.
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from .submission import contract
from .submission.contract import BOOL, CODE, ENUM, INTEGER, NUMBER, YEAR, Column, Sheet
from .excel_cells import column_letter

KIND_ZH = {
    contract.TEXT: "文本",
    CODE: "代码",
    NUMBER: "数值",
    INTEGER: "整数",
    BOOL: "是/否",
    ENUM: "选项",
    YEAR: "年份",
}
DEMO_NOTICE = "示例数据:本系统目前运行示例数据;文件中已填的数值均由系统生成,不代表任何园区或企业的真实情况。"
# Rows below the last data row that still carry drop-downs and checks, so a clerk can add rows.
VALIDATION_SPARE_ROWS = 200
MIN_VALIDATED_ROWS = 1000
EARLIEST_YEAR = 1949  # plan years and the like: four digits, not before the province existed
TEMPLATE_NOTES = (
    (
        "代码列(园区代码、统一社会信用代码、行业代码)已设为文本格式:请直接输入,或粘贴为“值”;不要改成“常规”"
        "或数值格式,否则 18 位代码会变成 9.13E+17 并丢失末尾数字,以 0 开头的行业代码会丢失开头的 0。"
    ),
    "数值列只接受不小于 0 的数字,年份列只接受四位年份;选中单元格时有填写提示(单位与要求)。",
)
# Excel's limits: a list typed into a validation, a prompt's title and its text.
LIST_CHARS, PROMPT_TITLE_CHARS, PROMPT_CHARS = 255, 32, 255


@dataclass
class SheetLayout:
    """One worksheet as rows of plain values plus the little styling every backend applies."""

    name: str
    rows: list[list | tuple]
    widths: list[float]
    header_row: int | None = None  # 1-based; bold and frozen below it
    bold_rows: set[int] = field(default_factory=set)  # 1-based
    merge_title: bool = False  # merge row 1 across the header's width
    validations: list[tuple[int, tuple[str, ...], int, int]] = field(default_factory=list)  # col, choices, rows


def excel_column_letter(index: int) -> str:
    """0-based column index → Excel letters (A, B, …, AA)."""
    return column_letter(index + 1)


def _display_width(text: str) -> float:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def column_width(col: Column) -> float:
    if col.name in ("park_name", "enterprise_name"):
        return 32
    return min(max(_display_width(col.header) + 2, 10), 40)


def sheet_title(city_name: str, year: int, quarter: int, sheet_name: str, demo: bool) -> str:
    title = f"{city_name} {year}年第{quarter}季度 {sheet_name}"
    return title + "(示例数据)" if demo else title


def dropdown_choices(sheet: Sheet, col: Column, park_codes: tuple[str, ...]) -> tuple[str, ...]:
    """The drop-down list of a column, or () when it has none (Excel caps an inline list at 255 characters)."""
    choices: tuple[str, ...] = ()
    if col.kind == BOOL:
        choices = (contract.BOOL_TRUE[0], contract.BOOL_FALSE[0])
    elif col.kind == ENUM:
        choices = col.choices
    elif col.name == "park_code" and sheet.key == contract.ENTERPRISE_QUARTER.key and park_codes:
        choices = park_codes
    return choices if choices and len(",".join(choices)) <= LIST_CHARS else ()


def last_validated_row(header_row: int, n_rows: int) -> int:
    return max(header_row + n_rows + VALIDATION_SPARE_ROWS, MIN_VALIDATED_ROWS)


def instructions_layout(city_code: str, city_name: str, year: int, quarter: int, demo: bool,
                        *, template: bool = False) -> SheetLayout:
    """The 填报说明 sheet, generated from contract.py so it can never disagree with the parser.
    `template`: the notes on what only the empty template sets (text code columns, checks)."""
    due = contract.due_date(year, quarter)
    rows: list[list] = [[f"浙江省绿色低碳工业园区季度数据报送 — {city_name}({city_code}){year}年第{quarter}季度"]]
    bold = {1}
    if demo:
        rows.append([DEMO_NOTICE])
    true_false = "、".join(contract.BOOL_TRUE) + " 表示“是”;" + "、".join(contract.BOOL_FALSE) + " 表示“否”"
    general = [
        "一、报送要求",
        (
            f"文件名:{contract.submission_filename(city_code, year, quarter)}"
            "(<城市代码>_<年份>Q<季度>.<扩展名>,扩展名可为 xlsx、xls 或 ods),放入本市报送目录。"
        ),
        "只能报送本市园区;文件名或内容写成其他城市的,整个文件无法接收。",
        (
            f"报送截止:{due.year}年{due.month}月{due.day}日(季度结束后次月 20 日);逾期仍接收,但给出警告。"
            "可随时重新报送,新版本整体替换本季度的上一版本。"
        ),
        "流量填当季数(本季度三个月合计,不是年初至今的累计数);存量(用地、从业人员、面积)填季末数。",
        "表头行(含单位)请勿修改;表头以上的标题行可以保留。工作表按名称识别,顺序不限。",
        "数字可以是文本,可带千分位分隔符或全角数字;空行会被忽略。",
        f"是/否 单元格可填:{true_false}(不区分大小写和全半角)。",
        "下拉列表给出 是/否、循环化改造 与企业表中本市园区代码的可选值。",
        *(TEMPLATE_NOTES if template else ()),
        "校验结果分三级:无法读取(整个文件不能作为报送)、错误(本版本退回,不入库)、警告(接收,请核实)。",
    ]
    rows.append([])
    for line in general:
        rows.append([line])
    bold.add(len(rows) - len(general) + 1)
    table_header = ["表头(含单位)", "字段名", "单位", "类型", "必填", "保密", "填报要求"]
    for number, sheet in enumerate(contract.SHEETS, start=2):
        rows.append([])
        rows.append([f"{_cn_ordinal(number)}、工作表“{sheet.name}”:{sheet.description}"])
        bold.add(len(rows))
        rows.append(table_header)
        bold.add(len(rows))
        for col in sheet.columns:
            rows.append(
                [
                    col.header,
                    col.name,
                    col.unit,
                    KIND_ZH[col.kind],
                    "是" if col.required else "否",
                    "是" if col.confidential or sheet.confidential else "否",
                    _note(col),
                ]
            )
    widths = [44, 28, 10, 8, 6, 6, 60]
    return SheetLayout(name=contract.INSTRUCTIONS_SHEET, rows=rows, widths=widths, bold_rows=bold)


def _note(col: Column) -> str:
    if col.choices and col.choices[0] not in col.note:
        return col.note + f"(可选值:{' / '.join(col.choices)})"
    return col.note


def _cn_ordinal(n: int) -> str:
    return "〇一二三四五六七八九十"[n]


def number_rule(col: Column, year: int) -> dict | None:
    """The XlsxWriter data validation of a numeric column, with its Chinese prompt and error text."""
    unit = f"单位:{col.unit};" if col.unit else ""
    if col.kind == NUMBER:
        rule = {"validate": "decimal", "criteria": ">=", "value": 0}
        prompt, error = f"请填写不小于 0 的数字,{unit}{col.note}", "应为不小于 0 的数字(单位已在表头,格内只填数字)。"
    elif col.kind == INTEGER:
        rule = {"validate": "integer", "criteria": ">=", "value": 0}
        prompt, error = f"请填写不小于 0 的整数,{unit}{col.note}", "应为不小于 0 的整数。"
    elif col.kind == YEAR:
        rule = {"validate": "integer", "criteria": "between", "minimum": EARLIEST_YEAR, "maximum": year}
        prompt, error = f"请填写四位年份,{col.note}", f"应为 {EARLIEST_YEAR}–{year} 之间的四位年份。"
    else:
        return None
    return {
        **rule,
        "ignore_blank": True,
        "input_title": _clip(col.header, PROMPT_TITLE_CHARS),
        "input_message": _clip(prompt.rstrip(",;"), PROMPT_CHARS),
        "error_type": "stop",
        "error_title": "输入有误",
        "error_message": _clip(f"{col.header}:{error}", PROMPT_CHARS),
    }


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def write_template(
    path: Path,
    city_code: str,
    year: int,
    quarter: int,
    parks: pd.DataFrame,
    *,
    demo: bool | None = None,
) -> Path:
    """An empty ready-to-fill .xlsx: instructions, headers with units, the city's parks pre-filled,
    text code columns, checked numeric columns, drop-down lists.

    `parks` is the registry (any columns of registry.REGISTRY_COLUMNS); rows of other cities are
    ignored. `demo` marks titles 示例数据; by default it follows settings.demo_data.
    """
    import xlsxwriter

    if demo is None:
        from .settings import get_settings

        demo = get_settings().demo_data
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    city_parks = _city_parks(parks, city_code)
    city_name = _city_name(parks, city_code)
    prefill = {
        contract.PARK_QUARTER.key: city_parks[["park_code", "park_name"]],
        contract.PARK_ANNUAL.key: city_parks[["park_code"]],
    }
    park_codes = tuple(city_parks.park_code)

    workbook = xlsxwriter.Workbook(str(path), {"in_memory": True, "strings_to_numbers": False,
                                               "strings_to_formulas": False, "strings_to_urls": False})
    workbook.set_properties({"title": f"{city_name} {year}年第{quarter}季度 报送模板", "author": "greenpark",
                             "created": dt.datetime(year, quarter * 3, 1)})  # the period, not the clock
    bold = workbook.add_format({"bold": True, "font_name": "等线"})
    header = workbook.add_format({"bold": True, "font_name": "等线", "text_wrap": True, "valign": "vcenter"})
    text = workbook.add_format({"num_format": "@", "font_name": "等线"})

    layout = instructions_layout(city_code, city_name, year, quarter, demo, template=True)
    sheet = workbook.add_worksheet(layout.name)
    for j, width in enumerate(layout.widths):
        sheet.set_column(j, j, width)
    for r, row in enumerate(layout.rows):
        for c, value in enumerate(row):
            sheet.write_string(r, c, value, bold if r + 1 in layout.bold_rows else None)

    for spec in contract.SHEETS:
        sheet = workbook.add_worksheet(spec.name)
        header_row = 2  # 1-based: title above it
        frame = prefill.get(spec.key)
        n = 0 if frame is None else len(frame)
        last = last_validated_row(header_row, n)
        sheet.write_string(0, 0, sheet_title(city_name, year, quarter, spec.name, demo), bold)
        sheet.freeze_panes(header_row, 0)
        for j, col in enumerate(spec.columns):
            # A column's format is what Excel gives every cell typed into it later.
            sheet.set_column(j, j, column_width(col), text if col.kind == CODE else None)
            sheet.write_string(header_row - 1, j, col.header, header)
            if frame is not None and col.name in frame.columns:
                for i, value in enumerate(frame[col.name]):
                    sheet.write_string(header_row + i, j, str(value), text if col.kind == CODE else None)
            choices = dropdown_choices(spec, col, park_codes)
            if choices:
                rule = {"validate": "list", "source": list(choices), "error_title": "输入有误",
                        "error_message": "请从下拉列表中选择。", "input_title": _clip(col.header, PROMPT_TITLE_CHARS),
                        "input_message": "请从下拉列表中选择。"}
            else:
                rule = number_rule(col, year)
            if rule is None and col.kind == CODE:
                rule = {"validate": "any", "input_title": _clip(col.header, PROMPT_TITLE_CHARS),
                        "input_message": _clip(f"本列为文本格式,请输入完整代码:{col.note}", PROMPT_CHARS)}
            if rule is not None:
                sheet.data_validation(header_row, j, last - 1, j, rule)
    workbook.close()
    return path


def _city_parks(parks: pd.DataFrame, city_code: str) -> pd.DataFrame:
    if "city_code" in parks.columns:
        parks = parks[parks.city_code.astype(str) == str(city_code)]
    return parks.sort_values("park_code").reset_index(drop=True)


def _city_name(parks: pd.DataFrame, city_code: str) -> str:
    if "city_name" in parks.columns and "city_code" in parks.columns:
        names = parks.loc[parks.city_code.astype(str) == str(city_code), "city_name"]
        if len(names):
            return str(names.iloc[0])
    return city_code
