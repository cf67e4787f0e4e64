"""Reads a city's quarterly workbook (.xlsx / .xls / .ods) into typed frames, one per contract sheet.

python-calamine reads all three formats (formula cells give their cached values). For each contract
sheet the header is the first row holding the contract's column names (titles, notes and merged
cells above it are tolerated; header punctuation may be full- or half-width, with stray spaces).
Cells are normalised by `submission.normalize`; a cell a person cannot read as the required type, or
could read two ways, becomes an `error` finding naming the cell, and its value stays empty.
Blank rows, repeated header rows, 合计 rows and signature/note lines under the table are skipped.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pandas as pd

from ..excel_cells import column_letter
from ..settings import FileLimits, get_settings
from ..submission import contract, guards
from ..submission import normalize as nz
from ..submission.catalogue import Catalogue, catalogue_path, load_catalogue
from ..submission.parsed import ParsedSubmission

HEADER_SCAN_ROWS = 30  # titles and notes above the header are never longer than this
# Rows under (or inside) the table that are not data: totals and the signature/notes block.
_NON_DATA = re.compile(r"^(合计|总计|小计|注[::]|注$|说明|备注|填表|填报人|填报日期|单位负责人|统计负责人|审核人|联系电话|联系人)")

_DTYPES = {
    contract.NUMBER: "float64",
    contract.INTEGER: "Int64",
    contract.YEAR: "Int64",
    contract.BOOL: "boolean",
    contract.CODE: "object",
    contract.TEXT: "object",
    contract.ENUM: "object",
}


def _catalogue() -> Catalogue:
    return load_catalogue(catalogue_path(get_settings().expectations_dir))


def _parse_filename(parsed: ParsedSubmission, rules: Catalogue) -> None:
    match = contract.FILENAME_RE.match(parsed.filename.strip())
    if not match:
        example = contract.submission_filename("330100", 2025, 2)
        parsed.findings.append(rules["file.name"].finding(value=parsed.filename, filename=parsed.filename, example=example))
        return
    parsed.city_code = match["city"]
    parsed.year = int(match["year"])
    parsed.quarter = int(match["quarter"])
    parsed.ext = match["ext"].lower()


def _open(path: Path):
    from python_calamine import CalamineWorkbook

    return CalamineWorkbook.from_path(str(path))


def _find_header(rows: list[list[Any]], sheet: contract.Sheet) -> tuple[int, dict[str, int]] | None:
    """(row index, column name → column index) of the first row holding most of the headers."""
    wanted = {nz.header_key(c.header): c.name for c in sheet.columns}
    need = max(2, len(wanted) // 2)
    for r, row in enumerate(rows[:HEADER_SCAN_ROWS]):
        found: dict[str, int] = {}
        for c, cell in enumerate(row):
            name = wanted.get(nz.header_key(cell)) if isinstance(cell, str) else None
            if name and name not in found:
                found[name] = c
        if len(found) >= need:
            return r, found
    return None


def _unit_mismatches(row: list[Any], sheet: contract.Sheet, missing: list[str], used: set[int]) -> dict[str, int]:
    """Missing columns whose base name is present with another unit: 工业总产值(元) for (万元)."""
    by_base: dict[str, int] = {}
    for c, cell in enumerate(row):
        if c not in used and isinstance(cell, str) and nz.header_base(cell):
            by_base.setdefault(nz.header_base(cell), c)
    out = {}
    for name in missing:
        base = nz.header_base(sheet.column(name).header)
        if base in by_base:
            out[name] = by_base[base]
    return out


def _is_non_data(row: list[Any], sheet: contract.Sheet, cols: dict[str, int], header_keys: set[str],
                 ascii_headers: bool) -> bool:
    n = len(row)
    key = cols[sheet.key_columns[0]]
    key_cell = row[key] if key < n else ""
    # Almost every row: an ASCII code in the key column. Spacers, repeated (Chinese) headers,
    # totals and notes all have blank or Chinese text there, so such a row is data.
    if not ascii_headers and isinstance(key_cell, str) and key_cell.isascii() and key_cell.strip():
        return False
    values = [row[i] if i < n else "" for i in cols.values()]
    # Numbers, dates and booleans are never blank nor a header: only text cells need normalising,
    # and ASCII text is blank exactly when it strips to nothing (normalising leaves it as it is).
    texts = [v for v in values if isinstance(v, str) and (v.strip() if v.isascii() else not nz.is_blank(v))]
    if not texts and all(v is None or isinstance(v, str) for v in values):
        return True  # spacer row (extra columns outside the contract do not make a row data)
    # The header repeated (e.g. on each printed page). The header key of an ASCII cell (a code, a
    # number as text) is ASCII; the contract's headers are Chinese, so most rows need no normalising.
    need = max(2, len(texts) // 2)
    candidates = texts if ascii_headers else [t for t in texts if not t.isascii()]
    if len(candidates) >= need and sum(nz.header_key(t) in header_keys for t in candidates) >= need:
        return True
    # A totals row or the signature/notes block: no key (or the text sits in the key column).
    if nz.is_blank(key_cell) or (isinstance(key_cell, str) and _NON_DATA.match(nz.header_key(key_cell))):
        return any(isinstance(v, str) and _NON_DATA.match(nz.header_key(v)) for v in row)
    return False


def _parse_sheet(
    parsed: ParsedSubmission, sheet: contract.Sheet, actual_name: str, rows: list[list[Any]], rules: Catalogue
) -> None:
    found = _find_header(rows, sheet)
    if found is None:
        first = "、".join(c.header for c in sheet.columns[:3])
        parsed.findings.append(
            rules["sheet.no_header"].finding(sheet=actual_name, scan=HEADER_SCAN_ROWS, first_headers=first)
        )
        return
    header_idx, cols = found
    header_row = rows[header_idx]
    missing = [c.name for c in sheet.columns if c.name not in cols]
    if missing:
        units = _unit_mismatches(header_row, sheet, missing, set(cols.values()))
        for name in missing:
            required = sheet.column(name).header
            if name in units:
                c = units[name]
                parsed.findings.append(
                    rules["column.unit"].finding(
                        sheet=actual_name, row=header_idx + 1, header=str(header_row[c]).strip(),
                        letter=column_letter(c + 1), required_header=required,
                    )
                )
            else:
                parsed.findings.append(
                    rules["column.missing"].finding(sheet=actual_name, row=header_idx + 1, required_header=required)
                )
        return

    parsed.sheet_names[sheet.key] = actual_name
    parsed.header_rows[sheet.key] = header_idx + 1
    parsed.column_letters[sheet.key] = {name: column_letter(c + 1) for name, c in cols.items()}
    parsed.headers_seen[sheet.key] = {name: str(header_row[c]).strip() for name, c in cols.items()}
    parsed.preambles[sheet.key] = " ".join(
        str(v).strip() for row in rows[:header_idx] for v in row if isinstance(v, str) and v.strip()
    )

    header_keys = {nz.header_key(c.header) for c in sheet.columns}
    # Before Q4 the annual sheet is optional: rows the template pre-filled (park code only) and
    # nobody completed are not a submission of that park's annual data.
    optional_rows = sheet.key == contract.PARK_ANNUAL.key and parsed.quarter in (1, 2, 3)
    ascii_headers = any(k.isascii() for k in header_keys)
    data = [(r + 1, rows[r]) for r in range(header_idx + 1, len(rows))
            if not _is_non_data(rows[r], sheet, cols, header_keys, ascii_headers)]
    # Column by column (one loop per column, not one call per cell); findings stay in row order.
    values: dict[str, list[Any]] = {}
    problems: dict[int, list[tuple[contract.Column, Any, str]]] = {}
    for col in sheet.columns:
        c = cols[col.name]
        raws = [row[c] if c < len(row) else "" for _, row in data]
        values[col.name], bad = nz.parse_column(col.kind, raws)
        for i, problem in bad.items():
            problems.setdefault(i, []).append((col, raws[i], problem))
    optional = [c.name for c in sheet.columns if c.name not in sheet.key_columns] if optional_rows else []
    keep: list[int] = []
    for i, (excel_row, _) in enumerate(data):
        if i in problems:
            for col, raw, problem in problems[i]:
                parsed.findings.append(
                    rules[f"cell.{problem}"].finding(
                        sheet=actual_name, row=excel_row, header=parsed.headers_seen[sheet.key][col.name],
                        letter=parsed.column_letters[sheet.key][col.name], value=nz.display(raw), unit=col.unit,
                    )
                )
        elif optional and all(values[name][i] is None for name in optional):
            continue
        keep.append(i)
    columns = [[data[i][0] for i in keep]] + [[values[c.name][i] for i in keep] for c in sheet.columns]
    frame = pd.DataFrame.from_records(list(zip(*columns)), columns=["source_row"] + [c.name for c in sheet.columns])
    frame["source_row"] = frame["source_row"].astype("int64")
    for col in sheet.columns:
        frame[col.name] = _typed(frame[col.name], col.kind)
    parsed.frames[sheet.key] = frame
    if frame.empty and "sheet.empty" in rules.by_id and sheet.key in rules["sheet.empty"].sheets:
        parsed.findings.append(rules["sheet.empty"].finding(sheet=actual_name, row=header_idx + 1))


def _typed(series: pd.Series, kind: str) -> pd.Series:
    dtype = _DTYPES[kind]
    if dtype == "object":
        return series.astype(object).where(series.notna(), None)
    if dtype == "float64":
        return pd.to_numeric(series, errors="raise").astype("float64")
    return series.astype(dtype)


def parse_workbook(path: Path, *, filename: str | None = None, limits: FileLimits | None = None) -> ParsedSubmission:
    """Parse one submitted workbook; `filename` is the name it was submitted under; `limits`:
    settings.file_limits (default: the guards' defaults)."""
    limits = limits or guards.DEFAULT_LIMITS
    path = Path(path)
    rules = _catalogue()
    parsed = ParsedSubmission(filename=filename or path.name)
    _parse_filename(parsed, rules)
    # Hostile or broken containers are refused from their metadata, before calamine inflates them.
    try:
        refused = guards.inspect_file(path, parsed.filename, limits)
    except OSError as exc:
        refused = guards.refusal(parsed.filename, f"无法读取({type(exc).__name__}),请重新报送")
    if refused is not None:
        parsed.findings.append(refused)
        return parsed
    try:
        book = _open(path)
        names = list(book.sheet_names)
    except Exception as exc:  # calamine raises several types for corrupt or foreign files
        parsed.findings.append(
            rules["file.unreadable"].finding(filename=parsed.filename, detail=type(exc).__name__, value=parsed.filename)
        )
        return parsed
    by_key = {nz.header_key(n): n for n in names}
    for sheet in contract.SHEETS:
        actual = by_key.get(nz.header_key(sheet.name))
        if actual is None:
            if sheet.key in rules["sheet.missing"].sheets:
                present = "、".join(n for n in names) or "无"
                parsed.findings.append(rules["sheet.missing"].finding(sheet=sheet.name, present=present))
            continue
        try:
            grid = book.get_sheet_by_name(actual)
            too_big = guards.check_grid(parsed.filename, actual, grid.height, grid.width, limits)
            if too_big is not None:
                parsed.findings.append(too_big)
                continue
            rows = grid.to_python(skip_empty_area=False)
        except Exception as exc:
            parsed.findings.append(
                rules["file.unreadable"].finding(filename=parsed.filename, detail=f"{actual}: {type(exc).__name__}")
            )
            continue
        try:
            _parse_sheet(parsed, sheet, actual, rows, rules)
        except Exception as exc:  # last resort: a file must end as a finding, never as a failed run
            parsed.frames.pop(sheet.key, None)
            parsed.findings.append(
                guards.refusal(parsed.filename, f"的工作表“{actual}”无法按模板读取({type(exc).__name__}),请使用报送模板重新填报",
                               sheet=actual)
            )
    return parsed
