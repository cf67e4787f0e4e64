"""Filled submission workbooks for the demo and the benchmarks, clean or messy, in the template's layout.

The layout (填报说明, then per contract sheet a title row above the header row; titles, widths,
drop-down lists) comes from workbook_template.py, the production template, so a generated file
always looks like a filled template. It feeds three file formats: .xlsx and .ods written as
streamed XML (a province run has 2.7 million cells; openpyxl without lxml needs ~13 µs a cell,
odfpy's output depends on process state), .xls through xlwt.
Files are byte-deterministic: zip entry times and document properties come from the reporting
period, never from the clock.
"""

from __future__ import annotations

import datetime as dt
import math
import zipfile
from collections.abc import Iterable, Mapping
from pathlib import Path
from xml.sax.saxutils import escape

import pandas as pd

from ..submission import contract
from ..submission.contract import BOOL, INTEGER, NUMBER, YEAR, Column, Sheet
from ..workbook_template import (
    SheetLayout,
    column_width,
    dropdown_choices,
    excel_column_letter,
    instructions_layout,
    last_validated_row,
    sheet_title,
)
from . import messy

STYLES = ("clean", "messy")
MESSY_NOTE = "注:流量为当季数(非累计),存量为季末数;单位见表头。"


def data_excel_rows(n_rows: int, style: str = "clean") -> list[int]:
    """Excel row number of each data row: clean has title + header; messy adds a note row and a blank spacer."""
    if style == "clean":
        return [3 + i for i in range(n_rows)]
    spacer_after = n_rows // 2
    return [4 + i + (1 if i >= spacer_after and n_rows > 1 else 0) for i in range(n_rows)]


def header_text(col: Column, index: int, style: str) -> str:
    return col.header if style == "clean" else messy.header(col.header, index)


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
    title = sheet_title(city_name, year, quarter, sheet.name, demo)
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
    last_row = last_validated_row(header_row, n)
    validations = []
    for j, c in enumerate(cols):
        choices = dropdown_choices(sheet, c, park_codes)
        if choices:
            validations.append((j, choices, header_row + 1, last_row))
    return SheetLayout(
        name=sheet.name,
        rows=rows,
        widths=[column_width(c) for c in cols],
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
