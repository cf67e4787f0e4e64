"""Checks on a submitted file's bytes before any workbook reader touches it.

python-calamine inflates a whole sheet into a dense grid sized by the sheet's extent, so a tiny file
can ask for gigabytes: a zip bomb, or one cell written at XFD1048576. Everything here reads only
the container's metadata (zip central directory, OLE directory) and streams sheet XML with a fixed
buffer, so refusing a hostile file costs about as much as reading it. A refusal is a `fatal`
finding (status 无法读取) naming why; the raw bytes stay in the archive regardless.

Limits: a `FileLimits` (settings.file_limits, from these environment variables via settings.py) is
handed in by the caller; without one, the defaults apply.

| variable | default | refuses |
|---|---|---|
| GREENPARK_MAX_FILE_MB | 100 | files larger than this many MiB |
| GREENPARK_MAX_UNCOMPRESSED_MB | 512 | xlsx/ods whose entries declare more than this in total |
| GREENPARK_MAX_ZIP_RATIO | 200 | an entry over 1 MiB inflating more than this many times its size |
| GREENPARK_MAX_ZIP_ENTRIES | 10000 | more entries than this in the zip |
| GREENPARK_MAX_ROWS | 200000 | a sheet reaching beyond this row |
| GREENPARK_MAX_COLUMNS | 1000 | a sheet reaching beyond this column |
"""

from __future__ import annotations

import os
import posixpath
import re
import zipfile
import zlib
from pathlib import Path
from xml.etree import ElementTree

from ..excel_cells import column_letter, column_number
from ..settings import FileLimits
from .findings import FATAL, Finding

RULE_ID = "file.unreadable"  # every refusal here is "cannot be read as a submission"
MIB = 1024 * 1024
ZIP_MAGIC = b"PK\x03\x04"
EMPTY_ZIP_MAGIC = b"PK\x05\x06"
CFB_MAGIC = bytes.fromhex("D0CF11E0A1B11AE1")  # OLE compound file: .xls, or an encrypted .xlsx
# Directory entry names in a compound file are UTF-16LE; Office encryption stores the real
# workbook in a stream with this name (MS-OFFCRYPTO), next to "EncryptionInfo".
_ENCRYPTED_STREAM = "EncryptedPackage".encode("utf-16-le")
_RATIO_MIN_BYTES = MIB  # small entries may compress extremely well (empty styles, shared strings)
_STREAM_CHUNK = 1 << 20
# Cell and row references in sheet XML (<c r="AB12">, <row r="12">); ODS repeats are attributes.
_CELL_REF = re.compile(rb'<(?:\w+:)?c\b[^>]*?\sr="([A-Z]{1,3})([0-9]{1,7})"')
_ROW_REF = re.compile(rb'<(?:\w+:)?row\b[^>]*?\sr="([0-9]{1,7})"')
_ODS_REPEAT = re.compile(rb'number-(rows|columns)-repeated="([0-9]{1,9})"')
DEFAULT_LIMITS = FileLimits()


def refusal(filename: str, why: str, *, sheet: str | None = None, value: str | None = None) -> Finding:
    return Finding(
        rule_id=RULE_ID,
        severity=FATAL,
        message_zh=f"文件 {filename} {why}",
        sheet=sheet,
        value_seen=value,
        expected=".xlsx / .xls / .ods 工作簿",
    )


def _mb(n: int) -> str:
    return f"{n / MIB:,.1f} MB"


def inspect_file(path: Path, filename: str, limits: FileLimits = DEFAULT_LIMITS) -> Finding | None:
    """The first reason this file must not be opened by a workbook reader, or None if it may be."""
    path = Path(path)
    size = path.stat().st_size
    if size == 0:
        return refusal(filename, "是空文件(0 字节),请重新导出工作簿后报送")
    if size > limits.max_file_bytes:
        return refusal(filename, f"大小为 {_mb(size)},超过上限 {_mb(limits.max_file_bytes)},未予读取;"
                       "请删除模板以外的工作表、图片和空白行列后重新报送", value=str(size))
    with open(path, "rb") as fh:
        head = fh.read(8)
    if head.startswith(ZIP_MAGIC) or head.startswith(EMPTY_ZIP_MAGIC):
        return _inspect_zip(path, filename, limits)
    if head == CFB_MAGIC:
        return _inspect_cfb(path, filename)
    return refusal(filename, f"不是工作簿(文件内容{_looks_like(path)}),请用报送模板另存为 .xlsx、.xls 或 .ods 后重新报送")


def _looks_like(path: Path) -> str:
    with open(path, "rb") as fh:
        head = fh.read(512).lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if head.startswith((b"<!doctype html", b"<html", b"<table", b"<meta")):
        return "是网页 HTML"
    if head.startswith(b"%pdf"):
        return "是 PDF"
    if head.startswith(b"<?xml"):
        return "是 XML"
    if head[:4] in (b"\x89png", b"\xff\xd8\xff\xe0", b"\xff\xd8\xff\xe1", b"gif8"):
        return "是图片"
    try:
        head.decode("utf-8")
        return "是纯文本或 CSV"
    except UnicodeDecodeError:
        try:
            head.decode("gb18030")
            return "是纯文本或 CSV"
        except UnicodeDecodeError:
            return "无法识别"


def _inspect_cfb(path: Path, filename: str) -> Finding | None:
    """An OLE compound file is an .xls workbook, or an encrypted Office file (password set)."""
    # The directory sits in sectors anywhere in the file; the stream name is 32 bytes, so a plain
    # scan is exact enough (a workbook's cell text is stored in BIFF, never as this UTF-16 name).
    with open(path, "rb") as fh:
        while chunk := fh.read(_STREAM_CHUNK + len(_ENCRYPTED_STREAM)):
            if _ENCRYPTED_STREAM in chunk:
                return refusal(filename, "已加密(设置了打开密码),无法读取;文件已加密,请去除密码后重新报送")
            if len(chunk) <= len(_ENCRYPTED_STREAM):
                break
            fh.seek(-len(_ENCRYPTED_STREAM), os.SEEK_CUR)
    return None


def _inspect_zip(path: Path, filename: str, limits: FileLimits) -> Finding | None:
    try:
        zf = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        return refusal(filename, "已损坏或不完整(压缩包目录无法读取,可能上传中断),请重新保存后报送")
    with zf:
        infos = zf.infolist()
        if len(infos) > limits.max_entries:
            return refusal(filename, f"包含 {len(infos):,} 个内部文件,超过上限 {limits.max_entries:,},未予读取")
        total = 0
        for info in infos:
            if info.flag_bits & 0x1:
                return refusal(filename, "内部文件已加密,无法读取;文件已加密,请去除密码后重新报送")
            total += info.file_size
            if info.file_size >= _RATIO_MIN_BYTES and info.file_size > limits.max_ratio * max(info.compress_size, 1):
                return refusal(filename, f"内部文件 {info.filename} 声明解压后 {_mb(info.file_size)},"
                               f"是压缩后大小的 {info.file_size // max(info.compress_size, 1):,} 倍(疑似压缩炸弹),未予解压")
        if total > limits.max_uncompressed_bytes:
            return refusal(filename, f"解压后共 {_mb(total)},超过上限 {_mb(limits.max_uncompressed_bytes)},未予解压")
        names = {i.filename for i in infos}
        try:
            if "xl/workbook.xml" in names:
                return _xlsx_extents(zf, filename, limits)
            if "content.xml" in names:
                return _ods_extents(zf, filename, limits)
        except (zipfile.BadZipFile, zlib.error, OSError, EOFError, ValueError, NotImplementedError, RuntimeError):
            return refusal(filename, "已损坏或不完整(内部数据无法解压,可能上传中断),请重新保存后报送")
    return None  # not an Office zip: calamine reports it as unreadable


def _xlsx_sheet_names(zf: zipfile.ZipFile) -> dict[str, str]:
    """Worksheet part path → sheet name as the submitter sees it (best effort; path if unknown)."""
    out: dict[str, str] = {}
    try:
        ns_rel = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"
        rels = ElementTree.fromstring(zf.read("xl/_rels/workbook.xml.rels"))
        targets = {r.get("Id"): r.get("Target", "") for r in rels}
        book = ElementTree.fromstring(zf.read("xl/workbook.xml"))
        for el in book.iter():
            if el.tag.endswith("}sheet") and el.get(ns_rel) in targets:
                target = targets[el.get(ns_rel)]
                part = target.lstrip("/") if target.startswith("/") else posixpath.normpath(posixpath.join("xl", target))
                out[part] = el.get("name", part)
    except (KeyError, ElementTree.ParseError):
        pass
    return out


def _stream(zf: zipfile.ZipFile, name: str):
    """Chunks of one entry, inflated with a fixed buffer (the declared size bounds the total)."""
    tail = b""
    with zf.open(name) as fh:
        while chunk := fh.read(_STREAM_CHUNK):
            yield tail + chunk
            tail = chunk[-64:]  # a reference split across chunks is seen whole in the next one


def _xlsx_extents(zf: zipfile.ZipFile, filename: str, limits: FileLimits) -> Finding | None:
    """The last row and column any cell of each worksheet reaches, against the limits."""
    names = _xlsx_sheet_names(zf)
    parts = sorted(i.filename for i in zf.infolist() if i.filename.startswith("xl/worksheets/") and i.filename.endswith(".xml"))
    rows_limit, columns_limit = limits.max_rows, limits.max_columns
    reach = _beyond_limits(rows_limit, columns_limit)
    for part in parts:
        for chunk in _stream(zf, part):
            # Every reference within the limits has too few digits or letters to match `reach`: a
            # chunk without a match cannot pass them (one C scan instead of one step per cell).
            if not reach.search(chunk):
                continue
            # Earlier chunks stayed within the limits, so this chunk's own extent decides and names it.
            last_row = last_col = 0
            for m in _ROW_REF.finditer(chunk):
                last_row = max(last_row, int(m.group(1)))
            for m in _CELL_REF.finditer(chunk):
                last_col = max(last_col, column_number(m.group(1).decode()))
                last_row = max(last_row, int(m.group(2)))
            if last_row > rows_limit or last_col > columns_limit:
                return _too_big(filename, names.get(part, part), last_row, last_col, limits)
    return None


def _beyond_limits(rows_limit: int, columns_limit: int) -> re.Pattern[bytes]:
    """A loose pattern every row or cell reference beyond the limits matches (and a few within)."""
    if rows_limit < 0 or columns_limit < 0:
        return re.compile(b"")  # a negative limit refuses every chunk, even one without references
    digits = len(str(rows_limit))  # a row number above the limit has at least as many digits as the limit
    branches = [rb"[A-Z]{0,3}[0-9]{%d}" % digits]
    # Column letters reach 26 with one letter, 702 with two, 18,278 with three (the most a reference holds).
    letters = next((n for n, widest in ((1, 26), (2, 702), (3, 18_278)) if widest > columns_limit), None)
    if letters is not None:
        branches.append(rb"[A-Z]{%d}" % letters)
    return re.compile(rb'r="(?:' + b"|".join(branches) + rb")")


def _ods_extents(zf: zipfile.ZipFile, filename: str, limits: FileLimits) -> Finding | None:
    """ODS writes runs of equal cells as repeat counts; a repeated run is what calamine expands."""
    for chunk in _stream(zf, "content.xml"):
        for m in _ODS_REPEAT.finditer(chunk):
            n = int(m.group(2))
            rows = m.group(1) == b"rows"
            # LibreOffice pads every sheet with one huge run of empty cells to the format's edge;
            # calamine drops trailing empty cells, so only runs that carry content could hurt. A
            # stream scan cannot tell empty from filled runs cheaply, so refuse only beyond the
            # format's own edge plus padding (1,048,576 rows / 16,384 columns).
            if (rows and n > 1_048_576) or (not rows and n > 16_384):
                return _too_big(filename, "content.xml", n if rows else 0, 0 if rows else n, limits)
    return None


def _too_big(filename: str, sheet: str, last_row: int, last_col: int, limits: FileLimits) -> Finding:
    if last_row > limits.max_rows:
        why = f"工作表“{sheet}”有内容写到第 {last_row:,} 行,超过上限 {limits.max_rows:,} 行"
    else:
        why = (f"工作表“{sheet}”有内容写到第 {last_col:,} 列({column_letter(min(last_col, 18278))} 列),"
               f"超过上限 {limits.max_columns:,} 列")
    return refusal(filename, why + ",未予读取;请删除模板以外的行列后重新报送", sheet=sheet)


def check_grid(filename: str, sheet: str, height: int, width: int,
               limits: FileLimits = DEFAULT_LIMITS) -> Finding | None:
    """After a reader loaded a sheet (.xls/.ods): the same row/column limits on its extent."""
    if height > limits.max_rows or width > limits.max_columns:
        return _too_big(filename, sheet, height if height > limits.max_rows else 0, width, limits)
    return None
