"""The submission workbook as the contract lays it out: template, clean and messy filled versions.

One layout (填报说明, then per contract sheet a title row above the header row) feeds three file
formats: .xlsx and .ods written as streamed XML (a province run has 2.7 million cells; openpyxl
without lxml needs ~13 µs a cell, odfpy's output depends on process state), .xls through xlwt.
Files are byte-deterministic: zip entry times and document properties come from the reporting
period, never from the clock.
"""

from __future__ import annotations

import datetime as dt
import math
import unicodedata
import zipfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from xml.sax.saxutils import escape

import pandas as pd

from .. import contract
from ..contract import BOOL, ENUM, INTEGER, NUMBER, YEAR, Column, Sheet
from . import messy

STYLES = ("clean", "messy")
KIND_ZH = {
    contract.TEXT: "文本",
    contract.CODE: "代码",
    NUMBER: "数值",
    INTEGER: "整数",
    BOOL: "是/否",
    ENUM: "选项",
    YEAR: "年份",
}
DEMO_NOTICE = "示例数据:本系统目前运行示例数据;文件中已填的数值均由系统生成,不代表任何园区或企业的真实情况。"
# Rows below the last data row that still carry drop-down lists, so a clerk can add rows.
VALIDATION_SPARE_ROWS = 200
MESSY_NOTE = "注:流量为当季数(非累计),存量为季末数;单位见表头。"


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


def data_excel_rows(n_rows: int, style: str = "clean") -> list[int]:
    """Excel row number of each data row: clean has title + header; messy adds a note row and a blank spacer."""
    if style == "clean":
        return [3 + i for i in range(n_rows)]
    spacer_after = n_rows // 2
    return [4 + i + (1 if i >= spacer_after and n_rows > 1 else 0) for i in range(n_rows)]


def header_text(col: Column, index: int, style: str) -> str:
    return col.header if style == "clean" else messy.header(col.header, index)


def excel_column_letter(index: int) -> str:
    """0-based column index → Excel letters (A, B, …, AA)."""
    letters = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def _display_width(text: str) -> float:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _column_width(col: Column) -> float:
    if col.name in ("park_name", "enterprise_name"):
        return 32
    return min(max(_display_width(col.header) + 2, 10), 40)


def _title(city_name: str, year: int, quarter: int, sheet_name: str, demo: bool) -> str:
    title = f"{city_name} {year}年第{quarter}季度 {sheet_name}"
    return title + "(示例数据)" if demo else title


def instructions_layout(city_code: str, city_name: str, year: int, quarter: int, demo: bool) -> SheetLayout:
    """The 填报说明 sheet, generated from contract.py so it can never disagree with the parser."""
    due = contract.due_date(year, quarter)
    rows: list[list] = [[f"浙江省绿色低碳工业园区季度数据报送 — {city_name}({city_code}){year}年第{quarter}季度"]]
    bold = {1}
    if demo:
        rows.append([DEMO_NOTICE])
    true_false = "、".join(contract.BOOL_TRUE) + " 表示“是”;" + "、".join(contract.BOOL_FALSE) + " 表示“否”"
    general = [
        "一、报送要求",
        f"文件名:{contract.submission_filename(city_code, year, quarter)}"
        "(<城市代码>_<年份>Q<季度>.<扩展名>,扩展名可为 xlsx、xls 或 ods),放入本市报送目录。",
        "只能报送本市园区;文件名或内容写成其他城市的,整个文件无法接收。",
        f"报送截止:{due.year}年{due.month}月{due.day}日(季度结束后次月 20 日);逾期仍接收,但给出警告。"
        "可随时重新报送,新版本整体替换本季度的上一版本。",
        "流量填当季数(本季度三个月合计,不是年初至今的累计数);存量(用地、从业人员、面积)填季末数。",
        "表头行(含单位)请勿修改;表头以上的标题行可以保留。工作表按名称识别,顺序不限。",
        "数字可以是文本,可带千分位分隔符或全角数字;空行会被忽略。",
        f"是/否 单元格可填:{true_false}(不区分大小写和全半角)。",
        "下拉列表给出 是/否、循环化改造 与企业表中本市园区代码的可选值。",
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
            note = col.note + (
                f"(可选值:{' / '.join(col.choices)})" if col.choices and col.choices[0] not in col.note else ""
            )
            rows.append(
                [
                    col.header,
                    col.name,
                    col.unit,
                    KIND_ZH[col.kind],
                    "是" if col.required else "否",
                    "是" if col.confidential or sheet.confidential else "否",
                    note,
                ]
            )
    widths = [44, 28, 10, 8, 6, 6, 60]
    return SheetLayout(name=contract.INSTRUCTIONS_SHEET, rows=rows, widths=widths, bold_rows=bold)


def _cn_ordinal(n: int) -> str:
    return "〇一二三四五六七八九十"[n]


def _cell(col: Column, value, row: int, index: int, style: str):
    """One frame value as the cell content of the given style; strings pass through as typed."""
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA:
        return None
    if isinstance(value, str):
        if style == "messy" and col.name in ("park_name", "enterprise_name"):
            return messy.name(value, row)
        return value
    if col.kind == BOOL:
        flag = bool(value)
        return messy.boolean(flag, row, index) if style == "messy" else ("是" if flag else "否")
    if col.kind in (INTEGER, YEAR):
        number = int(value)
    elif col.kind == NUMBER:
        number = float(value)
    else:
        return str(value)
    if style == "messy" and col.kind != YEAR:
        return messy.number(number, row, index)
    return number


def _column_cells(col: Column, series: pd.Series | None, excel_rows: list[int], index: int, style: str) -> list:
    """One column's cells; clean numeric columns skip the per-cell path (millions of cells at province size)."""
    if series is None:
        return [None] * len(excel_rows)
    values = series.tolist()
    if style == "clean":
        if col.kind == NUMBER and series.dtype.kind == "f":
            return [None if v != v else v for v in values]  # v != v: NaN
        if col.kind in (INTEGER, YEAR) and series.dtype.kind == "i":
            return values
    return [_cell(col, v, r, index, style) for v, r in zip(values, excel_rows)]


def sheet_layout(
    sheet: Sheet,
    frame: pd.DataFrame | None,
    *,
    city_name: str,
    year: int,
    quarter: int,
    style: str = "clean",
    demo: bool = True,
    park_codes: tuple[str, ...] = (),
) -> SheetLayout:
    """A contract sheet with its title, header and the frame's rows (columns by contract name)."""
    cols = sheet.columns
    headers = [header_text(c, i, style) for i, c in enumerate(cols)]
    title = _title(city_name, year, quarter, sheet.name, demo)
    rows: list[list] = [[title]]
    if style == "messy":
        rows.append([MESSY_NOTE])
    rows.append(headers)
    header_row = len(rows)
    n = 0 if frame is None else len(frame)
    excel_rows = data_excel_rows(n, style)
    if n:
        columns = [_column_cells(c, frame.get(c.name), excel_rows, j, style) for j, c in enumerate(cols)]
        for excel_row, cells in zip(excel_rows, zip(*columns)):
            while len(rows) + 1 < excel_row:
                rows.append([])
            rows.append(cells)
    last_row = max(header_row + n + VALIDATION_SPARE_ROWS, 1000)
    validations = []
    for j, c in enumerate(cols):
        choices = ()
        if c.kind == BOOL:
            choices = (contract.BOOL_TRUE[0], contract.BOOL_FALSE[0])
        elif c.kind == ENUM:
            choices = c.choices
        elif c.name == "park_code" and sheet.key == contract.ENTERPRISE_QUARTER.key and park_codes:
            choices = park_codes
        # Excel limits an inline list to 255 characters; longer lists go without a drop-down.
        if choices and len(",".join(choices)) <= 255:
            validations.append((j, tuple(choices), header_row + 1, last_row))
    return SheetLayout(
        name=sheet.name,
        rows=rows,
        widths=[_column_width(c) for c in cols],
        header_row=header_row,
        bold_rows={1, header_row},
        merge_title=style == "messy",
        validations=validations,
    )


def workbook_layouts(
    city_code: str,
    year: int,
    quarter: int,
    frames: Mapping[str, pd.DataFrame | None],
    *,
    city_name: str,
    style: str = "clean",
    demo: bool = True,
    park_codes: tuple[str, ...] = (),
) -> list[SheetLayout]:
    if style not in STYLES:
        raise ValueError(f"style must be one of {STYLES}")
    unknown = set(frames) - set(contract.SHEETS_BY_KEY)
    if unknown:
        raise ValueError(f"unknown sheet keys: {sorted(unknown)}")
    layouts = [instructions_layout(city_code, city_name, year, quarter, demo)]
    for sheet in contract.SHEETS:
        layouts.append(
            sheet_layout(
                sheet,
                frames.get(sheet.key),
                city_name=city_name,
                year=year,
                quarter=quarter,
                style=style,
                demo=demo,
                park_codes=park_codes,
            )
        )
    return layouts


# --- public API -------------------------------------------------------------------------------


def write_template(
    path: Path,
    city_code: str,
    year: int,
    quarter: int,
    parks: pd.DataFrame,
    *,
    demo: bool | None = None,
) -> Path:
    """An empty ready-to-fill workbook: headers, units, drop-downs, the city's parks pre-filled.

    `parks` is the registry (any columns of registry.REGISTRY_COLUMNS); rows of other cities are
    ignored. `demo` marks titles 示例数据; by default it follows settings.demo_data.
    """
    city_parks = _city_parks(parks, city_code)
    frames = {
        contract.PARK_QUARTER.key: city_parks[["park_code", "park_name"]],
        contract.PARK_ANNUAL.key: city_parks[["park_code"]],
        contract.ENTERPRISE_QUARTER.key: None,
    }
    return write_submission(
        path,
        city_code,
        year,
        quarter,
        frames,
        ext="xlsx",
        style="clean",
        city_name=_city_name(parks, city_code),
        demo=demo,
        park_codes=tuple(city_parks.park_code),
    )


def write_submission(
    path: Path,
    city_code: str,
    year: int,
    quarter: int,
    frames: Mapping[str, pd.DataFrame | None],
    *,
    ext: str = "xlsx",
    style: str = "clean",
    city_name: str | None = None,
    demo: bool | None = None,
    park_codes: Iterable[str] = (),
) -> Path:
    """A filled workbook in the template's layout; `frames` maps sheet key → rows by contract name.

    Values are written as given: numbers as numbers, bools as 是/否, strings as typed text (so a
    deliberately wrong "约500" lands in a number column as text). `style='messy'` renders the same
    values the way bureaus type them (see messy.py); the data rows then sit at data_excel_rows(n, 'messy').
    """
    path = Path(path)
    if ext not in contract.EXTENSIONS:
        raise ValueError(f"ext must be one of {contract.EXTENSIONS}")
    if path.suffix.lower() != f".{ext}":
        raise ValueError(f"{path.name} does not end in .{ext}")
    if demo is None:
        from ..settings import get_settings

        demo = get_settings().demo_data
    layouts = workbook_layouts(
        city_code,
        year,
        quarter,
        frames,
        city_name=city_name or city_code,
        style=style,
        demo=demo,
        park_codes=tuple(park_codes),
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    stamp = dt.datetime(year, quarter * 3, 1)  # the reporting period, not the clock
    {"xlsx": _write_xlsx, "xls": _write_xls, "ods": _write_ods}[ext](path, layouts, stamp)
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


# --- backends ---------------------------------------------------------------------------------


class _FixedTimeZip(zipfile.ZipFile):
    """A ZipFile that stamps every entry with one given time, so equal content gives equal bytes."""

    def __init__(self, *args, stamp: dt.datetime, **kwargs):
        super().__init__(*args, **kwargs)
        self._stamp = stamp.timetuple()[:6]

    def writestr(self, zinfo_or_arcname, data, compress_type=None, compresslevel=None):
        if isinstance(zinfo_or_arcname, zipfile.ZipInfo):
            zinfo = zinfo_or_arcname
            zinfo.date_time = self._stamp
        else:
            zinfo = zipfile.ZipInfo(zinfo_or_arcname, self._stamp)
            zinfo.compress_type = self.compression
            zinfo.external_attr = 0o600 << 16
        super().writestr(zinfo, data, compress_type=compress_type, compresslevel=compresslevel)

    def write(self, filename, arcname=None, compress_type=None, compresslevel=None):
        with open(filename, "rb") as fh:
            self.writestr(arcname or Path(filename).name, fh.read(), compress_type, compresslevel)


_MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG_REL_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
_XML_DECL = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
_XLSX_STYLES = (
    f'{_XML_DECL}<styleSheet xmlns="{_MAIN_NS}">'
    '<fonts count="2"><font><sz val="11"/><name val="等线"/><family val="2"/></font>'
    '<font><b/><sz val="11"/><name val="等线"/><family val="2"/></font></fonts>'
    '<fills count="2"><fill><patternFill patternType="none"/></fill>'
    '<fill><patternFill patternType="gray125"/></fill></fills>'
    '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
    '<cellXfs count="3"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
    '<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/>'
    '<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1" applyAlignment="1">'
    '<alignment vertical="center" wrapText="1"/></xf></cellXfs>'
    '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles></styleSheet>'
)
_BOLD_XF, _HEADER_XF = 1, 2


def _write_xlsx(path: Path, layouts: list[SheetLayout], stamp: dt.datetime) -> None:
    """SpreadsheetML written as a stream of strings.

    openpyxl's write-only mode spends ~13 µs per cell without lxml; a province run has 2.7 million
    cells, so the parts are written here directly (shared strings, one bold style, frozen header,
    merged title, list validations), which is ~10× faster and byte-deterministic.
    """
    strings: dict[str, int] = {}
    with _FixedTimeZip(path, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=5, stamp=stamp) as archive:
        for i, layout in enumerate(layouts, start=1):
            archive.writestr(
                f"xl/worksheets/sheet{i}.xml", _xlsx_sheet(layout, strings, selected=i == 1).encode("utf-8")
            )
        sst = "".join(f"<si>{_xlsx_text(text)}</si>" for text in strings)
        count = len(strings)
        archive.writestr(
            "xl/sharedStrings.xml",
            f'{_XML_DECL}<sst xmlns="{_MAIN_NS}" count="{count}" uniqueCount="{count}">{sst}</sst>'.encode(),
        )
        n = len(layouts)
        sheets = "".join(
            f'<sheet name="{_xml(layout.name)}" sheetId="{i}" r:id="rId{i}"/>'
            for i, layout in enumerate(layouts, start=1)
        )
        archive.writestr(
            "xl/workbook.xml",
            f'{_XML_DECL}<workbook xmlns="{_MAIN_NS}" xmlns:r="{_REL_NS}"><bookViews><workbookView activeTab="0"/>'
            f"</bookViews><sheets>{sheets}</sheets></workbook>".encode(),
        )
        rels = "".join(
            f'<Relationship Id="rId{i}" Type="{_REL_NS}/worksheet" Target="worksheets/sheet{i}.xml"/>'
            for i in range(1, n + 1)
        )
        rels += f'<Relationship Id="rId{n + 1}" Type="{_REL_NS}/styles" Target="styles.xml"/>'
        rels += f'<Relationship Id="rId{n + 2}" Type="{_REL_NS}/sharedStrings" Target="sharedStrings.xml"/>'
        archive.writestr(
            "xl/_rels/workbook.xml.rels",
            f'{_XML_DECL}<Relationships xmlns="{_PKG_REL_NS}">{rels}</Relationships>'.encode(),
        )
        archive.writestr("xl/styles.xml", _XLSX_STYLES.encode())
        archive.writestr(
            "_rels/.rels",
            f'{_XML_DECL}<Relationships xmlns="{_PKG_REL_NS}">'
            f'<Relationship Id="rId1" Type="{_REL_NS}/officeDocument" Target="xl/workbook.xml"/>'
            '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/package/2006/relationships/metadata/'
            'core-properties" Target="docProps/core.xml"/>'
            f'<Relationship Id="rId3" Type="{_REL_NS}/extended-properties" Target="docProps/app.xml"/>'
            "</Relationships>".encode(),
        )
        when = stamp.strftime("%Y-%m-%dT%H:%M:%SZ")
        archive.writestr(
            "docProps/core.xml",
            f'{_XML_DECL}<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/'
            'core-properties" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/" '
            'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><dc:creator>greenpark</dc:creator>'
            f'<dcterms:created xsi:type="dcterms:W3CDTF">{when}</dcterms:created>'
            f'<dcterms:modified xsi:type="dcterms:W3CDTF">{when}</dcterms:modified></cp:coreProperties>'.encode(),
        )
        archive.writestr(
            "docProps/app.xml",
            f'{_XML_DECL}<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties">'
            "<Application>greenpark</Application></Properties>".encode(),
        )
        overrides = "".join(
            f'<Override PartName="/xl/worksheets/sheet{i}.xml" ContentType="application/'
            'vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
            for i in range(1, n + 1)
        )
        archive.writestr(
            "[Content_Types].xml",
            f'{_XML_DECL}<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/xl/workbook.xml" ContentType="application/'
            'vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
            f"{overrides}"
            '<Override PartName="/xl/styles.xml" ContentType="application/'
            'vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
            '<Override PartName="/xl/sharedStrings.xml" ContentType="application/'
            'vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>'
            '<Override PartName="/docProps/core.xml" ContentType="application/'
            'vnd.openxmlformats-package.core-properties+xml"/>'
            '<Override PartName="/docProps/app.xml" ContentType="application/'
            'vnd.openxmlformats-officedocument.extended-properties+xml"/>'
            "</Types>".encode(),
        )


def _xlsx_text(text: str) -> str:
    if text != text.strip():
        return f'<t xml:space="preserve">{_xml(text)}</t>'
    return f"<t>{_xml(text)}</t>"


def _xlsx_sheet(layout: SheetLayout, strings: dict[str, int], selected: bool) -> str:
    n_cols = max([len(layout.widths)] + [len(r) for r in layout.rows])
    letters = [excel_column_letter(j) for j in range(max(n_cols, 1))]
    last = f"{letters[-1]}{max(len(layout.rows), 1)}"
    view = '<sheetView workbookViewId="0"' + (' tabSelected="1"' if selected else "") + ">"
    if layout.header_row:
        top = f"A{layout.header_row + 1}"
        view += (
            f'<pane ySplit="{layout.header_row}" topLeftCell="{top}" activePane="bottomLeft" state="frozen"/>'
            f'<selection pane="bottomLeft" activeCell="{top}" sqref="{top}"/>'
        )
    parts = [
        f'{_XML_DECL}<worksheet xmlns="{_MAIN_NS}" xmlns:r="{_REL_NS}"><dimension ref="A1:{last}"/>',
        f'<sheetViews>{view}</sheetView></sheetViews><sheetFormatPr defaultRowHeight="15"/>',
    ]
    if layout.widths:
        parts.append("<cols>")
        parts += [
            f'<col min="{j}" max="{j}" width="{w}" customWidth="1"/>' for j, w in enumerate(layout.widths, start=1)
        ]
        parts.append("</cols>")
    parts.append("<sheetData>")
    for r, row in enumerate(layout.rows, start=1):
        if not row:
            continue
        xf = (_HEADER_XF if r == layout.header_row else _BOLD_XF) if r in layout.bold_rows else 0
        style = f' s="{xf}"' if xf else ""
        cells = []
        for letter, value in zip(letters, row):
            if value is None:
                continue
            if isinstance(value, str):
                index = strings.get(value)
                if index is None:
                    index = strings[value] = len(strings)
                cells.append(f'<c r="{letter}{r}"{style} t="s"><v>{index}</v></c>')
            elif isinstance(value, bool):
                cells.append(f'<c r="{letter}{r}"{style} t="b"><v>{int(value)}</v></c>')
            else:
                cells.append(f'<c r="{letter}{r}"{style}><v>{value!r}</v></c>')
        parts.append(f'<row r="{r}">{"".join(cells)}</row>')
    parts.append("</sheetData>")
    if layout.merge_title and layout.widths:
        parts.append(f'<mergeCells count="1"><mergeCell ref="A1:{letters[len(layout.widths) - 1]}1"/></mergeCells>')
    if layout.validations:
        parts.append(f'<dataValidations count="{len(layout.validations)}">')
        for j, choices, first, last_row in layout.validations:
            ref = f"{letters[j]}{first}:{letters[j]}{last_row}"
            parts.append(
                f'<dataValidation type="list" allowBlank="1" showErrorMessage="1" errorTitle="输入有误" '
                f'error="请从下拉列表中选择。" sqref="{ref}"><formula1>{_xml(chr(34) + ",".join(choices) + chr(34))}'
                "</formula1></dataValidation>"
            )
        parts.append("</dataValidations>")
    parts.append('<pageMargins left="0.7" right="0.7" top="0.75" bottom="0.75" header="0.3" footer="0.3"/></worksheet>')
    return "".join(parts)


def _write_xls(path: Path, layouts: list[SheetLayout], stamp: dt.datetime) -> None:
    import xlwt

    wb = xlwt.Workbook(encoding="utf-8")
    bold = xlwt.easyxf("font: bold on; alignment: wrap on, vert centre")
    for layout in layouts:
        ws = wb.add_sheet(layout.name)
        for j, width in enumerate(layout.widths):
            ws.col(j).width = int(256 * width)
        if layout.header_row:
            ws.set_panes_frozen(True)
            ws.set_horz_split_pos(layout.header_row)
            ws.set_remove_splits(True)
        for r, row in enumerate(layout.rows):
            style = bold if (r + 1) in layout.bold_rows else None
            if r == 0 and layout.merge_title and row:
                ws.write_merge(0, 0, 0, len(layout.widths) - 1, row[0], bold)
                continue
            for c, value in enumerate(row):
                if value is None:
                    continue
                if style is not None:
                    ws.write(r, c, value, style)
                else:
                    ws.write(r, c, value)
    wb.save(str(path))


_ODS_NS = (
    'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
    'xmlns:style="urn:oasis:names:tc:opendocument:xmlns:style:1.0" '
    'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" '
    'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
    'xmlns:fo="urn:oasis:names:tc:opendocument:xmlns:xsl-fo-compatible:1.0" '
    'xmlns:meta="urn:oasis:names:tc:opendocument:xmlns:meta:1.0" '
    'xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" office:version="1.2"'
)
_ODS_MIMETYPE = "application/vnd.oasis.opendocument.spreadsheet"


def _write_ods(path: Path, layouts: list[SheetLayout], stamp: dt.datetime) -> None:
    """OpenDocument spreadsheet XML written directly: odfpy's output varies with process state
    (namespace declarations accumulate), which would break byte-identical regeneration."""
    widths = sorted({w for layout in layouts for w in layout.widths})
    width_style = {w: f"co{i}" for i, w in enumerate(widths, start=1)}
    styles = [
        '<style:style style:name="bold" style:family="table-cell"><style:text-properties '
        'fo:font-weight="bold" style:font-weight-asian="bold"/></style:style>'
    ]
    styles += [
        f'<style:style style:name="{name}" style:family="table-column"><style:table-column-properties '
        f'style:column-width="{w * 0.21:.2f}cm"/></style:style>'
        for w, name in width_style.items()
    ]
    parts = [
        f'<?xml version="1.0" encoding="UTF-8"?>\n<office:document-content {_ODS_NS}>',
        "<office:automatic-styles>",
        *styles,
        "</office:automatic-styles>",
        "<office:body><office:spreadsheet>",
    ]
    for layout in layouts:
        parts.append(f'<table:table table:name="{_xml(layout.name)}">')
        parts += [f'<table:table-column table:style-name="{width_style[w]}"/>' for w in layout.widths]
        for r, row in enumerate(layout.rows, start=1):
            style = ' table:style-name="bold"' if r in layout.bold_rows else ""
            parts.append("<table:table-row>")
            if r == 1 and layout.merge_title and row:
                span = len(layout.widths)
                parts.append(
                    f'<table:table-cell{style} office:value-type="string" '
                    f'table:number-columns-spanned="{span}"><text:p>{_xml(str(row[0]))}</text:p>'
                    "</table:table-cell>"
                )
                parts.append("<table:covered-table-cell/>" * (span - 1))
            elif not row:
                parts.append("<table:table-cell/>")
            else:
                parts += [_ods_cell(value, style) for value in row]
            parts.append("</table:table-row>")
        parts.append("</table:table>")
    parts.append("</office:spreadsheet></office:body></office:document-content>")
    files = {
        "content.xml": "".join(parts),
        "styles.xml": f'<?xml version="1.0" encoding="UTF-8"?>\n<office:document-styles {_ODS_NS}>'
        "<office:styles/></office:document-styles>",
        "meta.xml": f'<?xml version="1.0" encoding="UTF-8"?>\n<office:document-meta {_ODS_NS}><office:meta>'
        f"<meta:generator>greenpark</meta:generator><meta:creation-date>{stamp.isoformat()}</meta:creation-date>"
        "</office:meta></office:document-meta>",
        "META-INF/manifest.xml": '<?xml version="1.0" encoding="UTF-8"?>\n<manifest:manifest '
        'xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2">'
        f'<manifest:file-entry manifest:full-path="/" manifest:media-type="{_ODS_MIMETYPE}"/>'
        + "".join(
            f'<manifest:file-entry manifest:full-path="{n}" manifest:media-type="text/xml"/>'
            for n in ("content.xml", "styles.xml", "meta.xml")
        )
        + "</manifest:manifest>",
    }
    with _FixedTimeZip(path, "w", compression=zipfile.ZIP_DEFLATED, stamp=stamp) as archive:
        # The mimetype entry comes first and uncompressed, as ODF requires.
        archive.writestr("mimetype", _ODS_MIMETYPE, compress_type=zipfile.ZIP_STORED)
        for name, text in files.items():
            archive.writestr(name, text.encode("utf-8"))


def _xml(text: str) -> str:
    if "&" in text or "<" in text or ">" in text or '"' in text:
        return escape(text, {'"': "&quot;"})
    return text


def _ods_cell(value, style: str) -> str:
    if value is None:
        return f"<table:table-cell{style}/>"
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return (
            f'<table:table-cell{style} office:value-type="float" office:value="{value!r}">'
            f"<text:p>{value}</text:p></table:table-cell>"
        )
    return f'<table:table-cell{style} office:value-type="string"><text:p>{_xml(str(value))}</text:p></table:table-cell>'
