"""The submitter's own workbook with every offending cell filled and commented, plus a summary sheet.

Why not openpyxl: loading and saving a 5,000-row workbook through it costs ~3.4 s, once per
feedback package, which made the annotated copy the largest cost of a bulk load (issue 16). A copy
changes a few cells, so for .xlsx only what changes is written: the marked rows of the sheet XML
get a style index, styles.xml gets one cloned cell format per (original format, severity), and
comments, their VML shapes and a summary sheet are added as new parts of the zip. Everything else
(values, shared strings, formatting, merged cells, validations) is the submitter's bytes, inflated
and deflated again. .xls and .ods have no XML to patch: their values are read with python-calamine
and written, marked, as a new .xlsx in one pass with XlsxWriter. So is any .xlsx the patch does not
understand (no cell references, prefixed namespaces, comments of its own): slower, values only, but
never a missing copy.

Submitted text never becomes a formula: the patch leaves cell values alone, XlsxWriter writes every
string as a string, and the summary sheet holds inline strings.
"""

from __future__ import annotations

import datetime as dt
import math
import posixpath
import re
import xml.etree.ElementTree as ET
import zipfile
from collections.abc import Iterable
from pathlib import Path

from ..excel_cells import column_letter, column_number
from ..submission.findings import (
    ERROR,
    FATAL,
    SEVERITY_ORDER,
    SEVERITY_ZH,
    WARNING,
    Finding,
    status_of,
)
from ..submission.guards import inspect_file

SUMMARY_SHEET = "审核结果"
COLUMNS_ZH = ("严重程度", "规则", "工作表", "行", "列", "表头", "填报值", "应为", "说明")
SUMMARY_WIDTHS = (10, 34, 14, 6, 6, 30, 16, 20, 80)
FILLS = {FATAL: "FFC7CE", ERROR: "FFC7CE", WARNING: "FFEB9C"}  # Excel's own bad / neutral fills
AUTHOR = "greenpark 报送审核"

_MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG_REL_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
_CT_NS = "http://schemas.openxmlformats.org/package/2006/content-types"
_XML_DECL = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
_CT_WORKSHEET = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"
_CT_COMMENTS = "application/vnd.openxmlformats-officedocument.spreadsheetml.comments+xml"
_CT_VML = "application/vnd.openxmlformats-officedocument.vmlDrawing"
# Elements that come after <legacyDrawing> in a worksheet (ECMA-376 CT_Worksheet order).
_AFTER_LEGACY_DRAWING = ("legacyDrawingHF", "drawingHF", "picture", "oleObjects", "controls", "webPublishItems",
                         "tableParts", "extLst")
_ILLEGAL_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_ATTR = re.compile(r'([\w:.-]+)\s*=\s*"([^"]*)"')
_ROW = re.compile(r"<row\b([^>]*?)(?:/>|>(.*?)</row>)", re.DOTALL)
_CELL = re.compile(r"<c\b([^>]*?)(?:/>|>(.*?)</c>)", re.DOTALL)
_REF = re.compile(r"([A-Z]+)(\d+)$")


_ZIP_EPOCH = (1980, 1, 1, 0, 0, 0)


class _Unsupported(Exception):
    """The .xlsx is laid out in a way the patch does not handle; convert it instead."""


def cells_to_mark(findings: Iterable[Finding]) -> list[Finding]:
    """Findings that point at a cell or a row: the reason an annotated copy exists at all."""
    return [f for f in findings if f.sheet and f.excel_row]


def sorted_findings(findings: Iterable[Finding]) -> list[Finding]:
    return sorted(findings, key=lambda f: (f.sort_key, f.message_zh))


def counts_of(findings: Iterable[Finding]) -> dict[str, int]:
    severities = [f.severity for f in findings]
    return {s: severities.count(s) for s in SEVERITY_ORDER}


def write_annotated_workbook(target: Path, source: Path, findings: list[Finding]) -> None:
    """Write the annotated copy of `source` to `target` (.xlsx whatever the source format)."""
    if source.suffix.lower() in (".xlsx", ".xlsm"):
        try:
            _patch_xlsx(target, source, findings)
            return
        except (_Unsupported, zipfile.BadZipFile, KeyError, ET.ParseError, ValueError, UnicodeDecodeError):
            pass  # fall through to the value copy
    _convert(target, source, findings)


# --- shared ----------------------------------------------------------------------------------------
def _by_cell(findings: list[Finding], sheets: set[str]) -> dict[tuple[str, int, int | None], list[Finding]]:
    """(sheet, excel row, column index or None for the whole row) → its findings, worst first."""
    out: dict[tuple[str, int, int | None], list[Finding]] = {}
    for f in sorted_findings(findings):
        if f.sheet in sheets and f.excel_row:
            column = column_number(f.excel_column) if f.excel_column and f.excel_column.isascii() and f.excel_column.isalpha() else None
            out.setdefault((f.sheet, int(f.excel_row), column), []).append(f)
    return out


def _worst(items: list[Finding]) -> str:
    return min(items, key=lambda f: SEVERITY_ORDER[f.severity]).severity


def _comment_text(items: list[Finding]) -> str:
    return "\n".join(f"[{SEVERITY_ZH[f.severity]}] {f.rule_id}:{f.message_zh}" for f in items)


def _summary_rows(findings: list[Finding]) -> list[tuple[list, str | None]]:
    """The summary sheet's rows, each with the severity whose fill it carries (no cell to mark)."""
    c = counts_of(findings)
    rows: list[tuple[list, str | None]] = [
        (["审核结果", status_of(findings)], None),
        (["无法读取", c[FATAL], "错误", c[ERROR], "警告", c[WARNING]], None),
        ([], None),
        (list(COLUMNS_ZH), "header"),
    ]
    for f in sorted_findings(findings):
        rows.append(([SEVERITY_ZH[f.severity], f.rule_id, f.sheet, f.excel_row, f.excel_column, f.column_header,
                      f.value_seen, f.expected, f.message_zh], None if f.excel_row else f.severity))
    return rows


def _esc(value) -> str:
    text = _ILLEGAL_XML.sub("\ufffd", str(value))
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


def _unesc(text: str) -> str:
    return text.replace("&quot;", '"').replace("&apos;", "'").replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


# --- .xlsx: patch the parts that change ----------------------------------------------------------
def _rels(xml: bytes) -> dict[str, tuple[str, str]]:
    """Relationship id → (type, target) of one .rels part."""
    root = ET.fromstring(xml)
    return {el.get("Id"): (el.get("Type", ""), el.get("Target", "")) for el in root if el.tag.endswith("Relationship")}


def _resolve(base_part: str, target: str) -> str:
    if target.startswith("/"):
        return target.lstrip("/")
    return posixpath.normpath(posixpath.join(posixpath.dirname(base_part), target))


def _rels_path(part: str) -> str:
    return posixpath.join(posixpath.dirname(part), "_rels", posixpath.basename(part) + ".rels")


def _set_attr(attrs: str, name: str, value: str) -> str:
    pattern = re.compile(rf'(\s){re.escape(name)}\s*=\s*"[^"]*"')
    if pattern.search(attrs):
        return pattern.sub(rf'\g<1>{name}="{value}"', attrs, count=1)
    return f'{attrs} {name}="{value}"'


def _append_to_list(xml: str, tag: str, items: list[str]) -> tuple[str, int]:
    """Append items to <tag count="n">…</tag>; returns the new xml and the index of the first item."""
    match = re.search(rf"<{tag}\b([^>]*?)(?:/>|>(.*?)</{tag}>)", xml, re.DOTALL)
    if match is None:
        raise _Unsupported(f"styles.xml has no <{tag}>")
    body = match.group(2) or ""
    child = tag[:-1]  # fills → fill, cellXfs → xf, fonts → font
    if tag == "cellXfs":
        child = "xf"
    first = len(re.findall(rf"<{child}[\s/>]", body))
    attrs = _set_attr(match.group(1), "count", str(first + len(items)))
    return xml[: match.start()] + f"<{tag}{attrs}>{body}{''.join(items)}</{tag}>" + xml[match.end():], first


class _Styles:
    """styles.xml with cloned cell formats added on demand: (format, severity) → new format index."""

    def __init__(self, xml: str):
        match = re.search(r"<cellXfs\b[^>]*>(.*?)</cellXfs>", xml, re.DOTALL)
        if match is None:
            raise _Unsupported("styles.xml has no cellXfs")
        self.xfs = re.findall(r"<xf\b[^>]*?/>|<xf\b[^>]*?>.*?</xf>", match.group(1), re.DOTALL)
        fills = [f'<fill><patternFill patternType="solid"><fgColor rgb="FF{FILLS[s]}"/><bgColor indexed="64"/>'
                 "</patternFill></fill>" for s in (ERROR, WARNING)]
        xml, first_fill = _append_to_list(xml, "fills", fills)
        self.fill_id = {FATAL: first_fill, ERROR: first_fill, WARNING: first_fill + 1}
        xml, self.bold_font = _append_to_list(xml, "fonts", ['<font><b/><sz val="11"/></font>'])
        self.xml = xml
        self.added: list[str] = []
        self.memo: dict[tuple[int, str | None, bool], int] = {}

    def xf(self, base: int, severity: str | None, bold: bool = False) -> int:
        key = (base, severity, bold)
        if key not in self.memo:
            if not 0 <= base < len(self.xfs):
                raise _Unsupported(f"cell format {base} does not exist")
            match = re.match(r"<xf\b([^>]*?)(/?)>(.*)$", self.xfs[base], re.DOTALL)
            attrs, closed, rest = match.group(1), match.group(2), match.group(3)
            if severity:
                attrs = _set_attr(_set_attr(attrs, "fillId", str(self.fill_id[severity])), "applyFill", "1")
            if bold:
                attrs = _set_attr(_set_attr(attrs, "fontId", str(self.bold_font)), "applyFont", "1")
            clone = f"<xf{attrs}/>" if closed else f"<xf{attrs}>{rest}"
            self.memo[key] = len(self.xfs) + len(self.added)
            self.added.append(clone)
        return self.memo[key]

    def finished(self) -> str:
        xml, _ = _append_to_list(self.xml, "cellXfs", self.added)
        return xml


def _mark_sheet(xml: str, marks: dict[tuple[int, int | None], list[Finding]], styles: _Styles,
                comments_rel: str | None) -> str:
    """Give every marked cell a filled copy of its format; whole-row findings fill the row."""
    start, end = xml.find("<sheetData"), xml.find("</sheetData>")
    if start < 0 or end < 0:
        raise _Unsupported("no sheetData")
    body_start = xml.index(">", start) + 1
    body = xml[body_start:end]
    dim = re.search(r'<dimension\b[^>]*\bref="[A-Z]*\d*:?([A-Z]+)\d*"', xml)
    last_col = column_number(dim.group(1)) if dim else 1
    by_row: dict[int, dict[int | None, str]] = {}
    for (row, col), items in marks.items():
        by_row.setdefault(row, {})[col] = _worst(items)
    pieces, pos = [], 0
    seen: set[int] = set()
    for match in _ROW.finditer(body):
        attrs = match.group(1)
        r = re.search(r'\br="(\d+)"', attrs)
        if r is None:
            raise _Unsupported("row without r")
        row = int(r.group(1))
        pending = sorted(n for n in by_row if n < row and n not in seen)
        for n in pending:  # marked rows with no <row> element at all
            pieces.append(body[pos:match.start()])
            pos = match.start()
            pieces.append(_new_row(n, by_row[n], styles, last_col))
            seen.add(n)
        if row not in by_row:
            continue
        seen.add(row)
        pieces.append(body[pos:match.start()])
        pieces.append(f"<row{attrs}>{_mark_cells(match.group(2) or '', row, by_row[row], styles, last_col)}</row>")
        pos = match.end()
    pieces.append(body[pos:])
    for n in sorted(set(by_row) - seen):
        pieces.append(_new_row(n, by_row[n], styles, last_col))
    out = xml[:body_start] + "".join(pieces) + xml[end:]
    if comments_rel:
        tag = f'<legacyDrawing xmlns:r="{_REL_NS}" r:id="{comments_rel}"/>'
        at = min([i for i in (out.find(f"<{t}") for t in _AFTER_LEGACY_DRAWING) if i >= 0] or [out.rindex("</")])
        out = out[:at] + tag + out[at:]
    return out


def _new_row(row: int, cols: dict[int | None, str], styles: _Styles, last_col: int) -> str:
    return f'<row r="{row}">{_mark_cells("", row, cols, styles, last_col)}</row>'


def _mark_cells(body: str, row: int, cols: dict[int | None, str], styles: _Styles, last_col: int) -> str:
    cells = []
    for match in _CELL.finditer(body):
        ref = re.search(r'\br="([A-Z]+)(\d+)"', match.group(1))
        if ref is None:
            raise _Unsupported("cell without r")
        cells.append([column_number(ref.group(1)), match.group(1), match.group(2)])
    whole = cols.get(None)
    wanted = {c: s for c, s in cols.items() if c is not None}
    if whole:
        for c in range(1, max([last_col] + [c for c, _, _ in cells]) + 1):
            wanted[c] = min(wanted.get(c, whole), whole, key=SEVERITY_ORDER.__getitem__)
    present = {c for c, _, _ in cells}
    cells += [[c, f' r="{column_letter(c)}{row}"', None] for c in wanted if c not in present]
    cells.sort(key=lambda cell: cell[0])
    out = []
    for col, attrs, inner in cells:
        if col in wanted:
            base = re.search(r'\bs="(\d+)"', attrs)
            attrs = _set_attr(attrs, "s", str(styles.xf(int(base.group(1)) if base else 0, wanted[col])))
        out.append(f"<c{attrs}/>" if inner is None else f"<c{attrs}>{inner}</c>")
    return "".join(out)


def _notes(marks: dict[tuple[int, int | None], list[Finding]]) -> dict[tuple[int, int], list[Finding]]:
    """(row, column) → findings noted there, in row order; a whole-row finding's note sits in column A."""
    out: dict[tuple[int, int], list[Finding]] = {}
    for (row, col), items in marks.items():
        out.setdefault((row, col or 1), []).extend(items)
    return {key: sorted_findings(out[key]) for key in sorted(out)}


def _comments_xml(marks: dict[tuple[int, int | None], list[Finding]]) -> str:
    items = "".join(
        f'<comment ref="{column_letter(col)}{row}" authorId="0"><text><r><t xml:space="preserve">'
        f"{_esc(_comment_text(found))}</t></r></text></comment>"
        for (row, col), found in _notes(marks).items()
    )
    return (f'{_XML_DECL}<comments xmlns="{_MAIN_NS}"><authors><author>{_esc(AUTHOR)}</author></authors>'
            f"<commentList>{items}</commentList></comments>")


def _vml_xml(marks: dict[tuple[int, int | None], list[Finding]], block: int) -> tuple[str, int]:
    """Legacy VML shapes: Excel shows a comment only if its note shape exists. Returns the next free
    id block (each block holds 1,024 shape ids)."""
    notes = _notes(marks)
    blocks = math.ceil((len(notes) + 1) / 1024)
    shapes = []
    for i, ((row, col), found) in enumerate(notes.items()):
        c, r = col - 1, row - 1
        height = 40 + 15 * len(found)
        shapes.append(
            f'<v:shape id="_x0000_s{block * 1024 + 1 + i}" type="#_x0000_t202" style="position:absolute;'
            f'margin-left:80pt;margin-top:2pt;width:270pt;height:{height}pt;z-index:{i + 1};visibility:hidden" '
            'fillcolor="#ffffe1" o:insetmode="auto"><v:fill color2="#ffffe1"/>'
            '<v:shadow on="t" color="black" obscured="t"/><v:path o:connecttype="none"/>'
            '<v:textbox style="mso-direction-alt:auto"><div style="text-align:left"></div></v:textbox>'
            '<x:ClientData ObjectType="Note"><x:MoveWithCells/><x:SizeWithCells/>'
            f"<x:Anchor>{c + 1}, 15, {r}, 2, {c + 5}, 15, {r + 4}, 16</x:Anchor><x:AutoFill>False</x:AutoFill>"
            f"<x:Row>{r}</x:Row><x:Column>{c}</x:Column></x:ClientData></v:shape>"
        )
    ids = ",".join(str(block + k) for k in range(blocks))
    xml = (
        '<xml xmlns:v="urn:schemas-microsoft-com:vml" xmlns:o="urn:schemas-microsoft-com:office:office" '
        'xmlns:x="urn:schemas-microsoft-com:office:excel">'
        f'<o:shapelayout v:ext="edit"><o:idmap v:ext="edit" data="{ids}"/></o:shapelayout>'
        '<v:shapetype id="_x0000_t202" coordsize="21600,21600" o:spt="202" path="m,l,21600r21600,l21600,xe">'
        '<v:stroke joinstyle="miter"/><v:path gradientshapeok="t" o:connecttype="rect"/></v:shapetype>'
        + "".join(shapes) + "</xml>"
    )
    return xml, block + blocks


def _summary_sheet_xml(findings: list[Finding], styles: _Styles) -> str:
    fill = {s: styles.xf(0, s) for s in (FATAL, ERROR, WARNING)}
    bold = styles.xf(0, None, bold=True)
    rows = []
    for r, (values, kind) in enumerate(_summary_rows(findings), start=1):
        style = bold if kind == "header" else fill.get(kind) if kind else None
        s = f' s="{style}"' if style is not None else ""
        cells = []
        for j, value in enumerate(values, start=1):
            ref = f"{column_letter(j)}{r}"
            if value is None or value == "":
                if s:
                    cells.append(f'<c r="{ref}"{s}/>')
            elif isinstance(value, int) and not isinstance(value, bool):
                cells.append(f'<c r="{ref}"{s}><v>{value}</v></c>')
            else:
                cells.append(f'<c r="{ref}"{s} t="inlineStr"><is><t xml:space="preserve">{_esc(value)}</t></is></c>')
        rows.append(f'<row r="{r}">{"".join(cells)}</row>' if cells else f'<row r="{r}"/>')
    cols = "".join(f'<col min="{j}" max="{j}" width="{w}" customWidth="1"/>'
                   for j, w in enumerate(SUMMARY_WIDTHS, start=1))
    return (f'{_XML_DECL}<worksheet xmlns="{_MAIN_NS}" xmlns:r="{_REL_NS}">'
            '<sheetViews><sheetView workbookViewId="0" tabSelected="1"/></sheetViews>'
            f'<sheetFormatPr defaultRowHeight="15"/><cols>{cols}</cols><sheetData>{"".join(rows)}</sheetData>'
            '<pageMargins left="0.7" right="0.7" top="0.75" bottom="0.75" header="0.3" footer="0.3"/></worksheet>')


def _unused(names: set[str], pattern: str) -> str:
    n = 1
    while pattern.format(n) in names:
        n += 1
    return pattern.format(n)


def _patch_xlsx(target: Path, source: Path, findings: list[Finding]) -> None:
    with zipfile.ZipFile(source) as zin:
        infos = zin.infolist()
        names = {i.filename for i in infos}
        if any(n.endswith(".vml") or "/comments" in n for n in names):
            raise _Unsupported("the workbook has comments of its own")
        parts: dict[str, bytes] = {}

        def read(name: str) -> str:
            if name not in parts:
                parts[name] = zin.read(name)
            return parts[name].decode("utf-8")

        book_part = next((_resolve("", t) for _, (typ, t) in _rels(zin.read("_rels/.rels")).items()
                          if typ.endswith("/officeDocument")), None)
        if book_part is None:
            raise _Unsupported("no workbook part")
        book_rels_part = _rels_path(book_part)
        book_rels = _rels(zin.read(book_rels_part))
        book_xml = read(book_part)
        sheets = []  # (name, part) in workbook order
        for match in re.finditer(r"<sheet\b([^>]*?)/?>", book_xml):
            attrs = dict(_ATTR.findall(match.group(1)))
            rid = next((v for k, v in attrs.items() if k.endswith(":id")), None)
            if rid not in book_rels or not book_rels[rid][0].endswith("/worksheet"):
                continue
            sheets.append((_unesc(attrs["name"]), _resolve(book_part, book_rels[rid][1])))
        styles_part = next((_resolve(book_part, t) for typ, t in book_rels.values() if typ.endswith("/styles")), None)
        if styles_part is None or styles_part not in names:
            raise _Unsupported("no styles part")
        styles = _Styles(read(styles_part))

        by_cell = _by_cell(findings, {name for name, _ in sheets})
        content_types = read("[Content_Types].xml")
        new_parts: dict[str, str] = {}
        overrides: list[tuple[str, str]] = []
        block = 1
        for name, part in sheets:
            marks = {(row, col): items for (sheet, row, col), items in by_cell.items() if sheet == name}
            if not marks:
                continue
            rels_part = _rels_path(part)
            rels_xml = read(rels_part) if rels_part in names else f'{_XML_DECL}<Relationships xmlns="{_PKG_REL_NS}"></Relationships>'
            if "legacyDrawing" in read(part):
                raise _Unsupported("the sheet has a legacy drawing")
            comments = _unused(names | set(new_parts), "xl/comments{}.xml")
            vml = _unused(names | set(new_parts), "xl/drawings/vmlDrawing{}.vml")
            taken = set(re.findall(r'Id="([^"]+)"', rels_xml))
            rel_c = _unused(taken, "rIdGp{}")
            rel_v = _unused(taken | {rel_c}, "rIdGp{}")
            new_parts[comments] = _comments_xml(marks)
            new_parts[vml], block = _vml_xml(marks, block)
            links = (f'<Relationship Id="{rel_c}" Type="{_REL_NS}/comments" Target="{posixpath.relpath(comments, posixpath.dirname(part))}"/>'
                     f'<Relationship Id="{rel_v}" Type="{_REL_NS}/vmlDrawing" Target="{posixpath.relpath(vml, posixpath.dirname(part))}"/>')
            rels_xml = rels_xml.replace("</Relationships>", links + "</Relationships>")
            if rels_part in names:
                parts[rels_part] = rels_xml.encode("utf-8")
            else:
                new_parts[rels_part] = rels_xml
            parts[part] = _mark_sheet(read(part), marks, styles, rel_v).encode("utf-8")
            overrides.append((comments, _CT_COMMENTS))

        summary_part = _unused(names | set(new_parts), "xl/worksheets/sheet{}.xml")
        new_parts[summary_part] = _summary_sheet_xml(findings, styles)
        overrides.append((summary_part, _CT_WORKSHEET))
        parts[styles_part] = styles.finished().encode("utf-8")

        rel_s = _unused(set(book_rels), "rIdGp{}")
        book_rels_xml = read(book_rels_part)
        target_rel = posixpath.relpath(summary_part, posixpath.dirname(book_part))
        parts[book_rels_part] = book_rels_xml.replace(
            "</Relationships>", f'<Relationship Id="{rel_s}" Type="{_REL_NS}/worksheet" Target="{target_rel}"/></Relationships>'
        ).encode("utf-8")
        parts[book_part] = _insert_summary_sheet(book_xml, rel_s, {name for name, _ in sheets}).encode("utf-8")

        if 'Extension="vml"' not in content_types and any(p.endswith(".vml") for p in new_parts):
            content_types = content_types.replace(
                "</Types>", f'<Default Extension="vml" ContentType="{_CT_VML}"/></Types>')
        content_types = content_types.replace("</Types>", "".join(
            f'<Override PartName="/{p}" ContentType="{ct}"/>' for p, ct in overrides) + "</Types>")
        parts["[Content_Types].xml"] = content_types.encode("utf-8")

        sheet_parts = {part for _, part in sheets}
        with zipfile.ZipFile(target, "w") as zout:
            for info in infos:
                data = parts[info.filename] if info.filename in parts else zin.read(info)
                if info.filename in sheet_parts:  # the summary sheet is the one selected
                    data = data.replace(b'tabSelected="1"', b'tabSelected="0"')
                zout.writestr(_stamped(info.filename), data, zipfile.ZIP_DEFLATED, 1)
            for name, xml in new_parts.items():
                zout.writestr(_stamped(name), xml.encode("utf-8"), zipfile.ZIP_DEFLATED, 1)


def _stamped(name: str) -> zipfile.ZipInfo:
    """A zip entry dated 1980-01-01, not now: the same findings give a byte-identical copy."""
    return zipfile.ZipInfo(name, date_time=_ZIP_EPOCH)


def _insert_summary_sheet(book_xml: str, rel_id: str, existing: set[str]) -> str:
    """The summary becomes the first and active sheet; sheet-scoped names move up by one."""
    name = SUMMARY_SHEET
    n = 1
    while name in existing:
        name, n = f"{SUMMARY_SHEET}{n}", n + 1
    ids = [int(v) for v in re.findall(r'<sheet\b[^>]*?\bsheetId="(\d+)"', book_xml)]
    tag = f'<sheet xmlns:r="{_REL_NS}" name="{_esc(name)}" sheetId="{max(ids, default=0) + 1}" r:id="{rel_id}"/>'
    match = re.search(r"<sheets\b[^>]*>", book_xml)
    if match is None:
        raise _Unsupported("no <sheets>")
    out = book_xml[: match.end()] + tag + book_xml[match.end():]
    out = re.sub(r'localSheetId="(\d+)"', lambda m: f'localSheetId="{int(m.group(1)) + 1}"', out)
    return re.sub(r"<workbookView\b[^>]*>", lambda m: re.sub(r'\s(?:activeTab|firstSheet)="\d+"', "", m.group(0)), out)


# --- .xls, .ods and anything else: a marked value copy -------------------------------------------
def _convert(target: Path, source: Path, findings: list[Finding]) -> None:
    import xlsxwriter

    book = None
    if inspect_file(source, source.name) is None:  # refused: never inflate it again
        try:
            from python_calamine import CalamineWorkbook

            book = CalamineWorkbook.from_path(str(source))
        except Exception:
            book = None
    wb = xlsxwriter.Workbook(str(target), {"strings_to_formulas": False, "strings_to_urls": False,
                                           "strings_to_numbers": False, "in_memory": True})
    wb.set_properties({"created": dt.datetime(*_ZIP_EPOCH)})  # no wall clock in the output
    try:
        fills = {s: wb.add_format({"bg_color": f"#{FILLS[s]}", "pattern": 1}) for s in SEVERITY_ORDER}
        date_fmt = wb.add_format({"num_format": "yyyy-mm-dd"})
        summary = wb.add_worksheet(SUMMARY_SHEET)
        bold = wb.add_format({"bold": True})
        for r, (values, kind) in enumerate(_summary_rows(findings)):
            fmt = bold if kind == "header" else fills.get(kind) if kind else None
            for j, value in enumerate(values):
                if isinstance(value, int) and not isinstance(value, bool):
                    summary.write_number(r, j, value, fmt)
                elif value is None or value == "":
                    if fmt is not None:
                        summary.write_blank(r, j, None, fmt)
                else:
                    summary.write_string(r, j, _ILLEGAL_XML.sub("\ufffd", str(value)), fmt)
        for j, width in enumerate(SUMMARY_WIDTHS):
            summary.set_column(j, j, width)
        summary.activate()
        if book is None:
            return
        names = {}
        for name in book.sheet_names:
            safe = re.sub(r"[\[\]:*?/\\]", "_", name)[:31] or "Sheet"
            names[safe] = name
        by_cell = _by_cell(findings, set(names.values()))
        for safe, name in names.items():
            try:
                rows = book.get_sheet_by_name(name).to_python(skip_empty_area=False)
            except Exception:
                rows = []
            ws = wb.add_worksheet(safe)
            marks = {(row, col): items for (sheet, row, col), items in by_cell.items() if sheet == name}
            fill_at: dict[tuple[int, int], str] = {}
            width = max((len(row) for row in rows), default=1)
            for (row, col), items in marks.items():
                severity = _worst(items)
                for c in ([col] if col else range(1, width + 1)):
                    old = fill_at.get((row, c))
                    if old is None or SEVERITY_ORDER[severity] < SEVERITY_ORDER[old]:
                        fill_at[(row, c)] = severity
            for r, row in enumerate(rows):
                for c, value in enumerate(row):
                    severity = fill_at.pop((r + 1, c + 1), None)
                    _write_value(ws, r, c, value, fills[severity] if severity else None, date_fmt)
            for (row, col), severity in fill_at.items():  # marked cells beyond the data
                ws.write_blank(row - 1, col - 1, None, fills[severity])
            for (row, col), items in _notes(marks).items():
                ws.write_comment(row - 1, col - 1, _ILLEGAL_XML.sub("\ufffd", _comment_text(items)),
                                 {"author": AUTHOR, "x_scale": 3, "y_scale": 1 + 0.5 * len(items)})
    finally:
        wb.close()


def _write_value(ws, r: int, c: int, value, fmt, date_fmt) -> None:
    if value is None or value == "":
        if fmt is not None:
            ws.write_blank(r, c, None, fmt)
    elif isinstance(value, bool):
        ws.write_boolean(r, c, value, fmt)
    elif isinstance(value, (int, float)):
        if isinstance(value, float) and not math.isfinite(value):
            ws.write_string(r, c, str(value), fmt)
        else:
            ws.write_number(r, c, value, fmt)
    elif isinstance(value, (dt.datetime, dt.date)):
        ws.write_datetime(r, c, value, fmt or date_fmt)
    else:
        ws.write_string(r, c, _ILLEGAL_XML.sub("\ufffd", str(value)), fmt)
