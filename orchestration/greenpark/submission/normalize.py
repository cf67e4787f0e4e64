"""Cell and header normalisation: what a person reads in a cell, as a typed value, or why not.

Every function takes a raw cell value as python-calamine returns it (str, int, float, bool,
date/datetime/time, or "" for an empty cell) and returns a `Cell`: the typed value, or a `problem`
code when a person could not read the cell as the required type or could read it more than one
way. Nothing ambiguous is guessed: "1.234,5" or "1,23" is reported, never turned into a number.
"""

from __future__ import annotations

import datetime as dt
import math
import re
import unicodedata
from dataclasses import dataclass
from typing import Any

from . import contract

# Problem codes; the rule catalogue has one `cell.<code>` rule for each.
NOT_NUMBER = "not_number"
AMBIGUOUS_NUMBER = "ambiguous_number"
PERCENT = "percent"
NOT_INTEGER = "not_integer"
NOT_BOOL = "not_bool"
NOT_YEAR = "not_year"
CODE_AS_NUMBER = "code_as_number"
# Excel (and LibreOffice) keep 15 significant digits of a number: a longer code typed into a
# General cell, such as an 18-digit 统一社会信用代码 shown as 9.13E+17, has lost its last digits.
# Reading it back would produce a different code (and a misleading 校验位错误), so it is reported.
NUMBER_DIGITS = 15

# Characters NFKC leaves alone but people type as a minus sign or a space.
_MINUS_SIGNS = str.maketrans({"\u2212": "-", "\u2013": "-", "\ufe63": "-", "\u00a0": " ", "\u2009": " ", "\u202f": " "})
_ODD_SIGNS = re.compile("[" + "".join(map(chr, _MINUS_SIGNS)) + "]")
_SPACES = re.compile(r"\s+")
# Control characters (C0 except tab/newline, DEL, C1) are invisible in a cell, cannot be written to
# XLSX (feedback copies, open data) and have no place in a name: they are dropped from text.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")

_PLAIN = re.compile(r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$")
# Thousands grouped by comma (1,234,567.8) or by single spaces (1 234 567.8), the Chinese habit.
_COMMA_GROUPED = re.compile(r"^[+-]?\d{1,3}(,\d{3})+(\.\d+)?$")
_SPACE_GROUPED = re.compile(r"^[+-]?\d{1,3}( \d{3})+(\.\d+)?$")
# Shapes a person might read either way: decimal comma (1,5 / 1.234,5), dot grouping (1.234.567),
# irregular groups (12,34,567), accounting negatives ((35)).
_AMBIGUOUS = re.compile(r"^[+-]?[\d.,' ]*\d[\d.,' ]*$|^\(\s*[\d.,]+\s*\)$")


@dataclass(frozen=True)
class Cell:
    value: Any = None  # typed value; None when blank or unreadable
    problem: str | None = None

    @property
    def blank(self) -> bool:
        return self.value is None and self.problem is None


BLANK = Cell()


def nfkc(text: str) -> str:
    """Full-width letters, digits and punctuation to half-width; odd minus signs and spaces unified."""
    if text.isascii():  # NFKC and the translation table leave ASCII as it is: most cells, no work
        return text
    text = unicodedata.normalize("NFKC", text)
    # str.translate looks every character up in the table; one regex search spares that for most text.
    return text.translate(_MINUS_SIGNS) if _ODD_SIGNS.search(text) else text


def is_blank(raw: Any) -> bool:
    return raw is None or (isinstance(raw, str) and not nfkc(raw).strip())


def header_key(text: Any) -> str:
    """A header as compared: half-width punctuation, no spaces or line breaks, no required-marks."""
    if text is None:
        return ""
    key = _SPACES.sub("", nfkc(str(text)))
    return key.lstrip("*※")


def header_base(text: Any) -> str:
    """The header without its unit in brackets: 工业总产值(万元) → 工业总产值."""
    return header_key(text).split("(", 1)[0]


def display(raw: Any) -> str | None:
    """The cell as the submitter sees it, for messages: 1200.0 → "1200", text stripped."""
    if is_blank(raw):
        return None
    if isinstance(raw, bool):
        return "TRUE" if raw else "FALSE"
    if isinstance(raw, float):
        if math.isfinite(raw) and raw == int(raw) and abs(raw) < 1e15:
            return str(int(raw))
        return repr(raw)
    if isinstance(raw, (dt.datetime, dt.date, dt.time)):
        return raw.isoformat()
    return _CONTROL.sub("", str(raw)).strip()


def format_number(value: float | None) -> str:
    """A number for messages: thousands separators, no trailing zeros (12,345.6)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    if not math.isfinite(float(value)):
        return str(value)
    if float(value) == int(value) and abs(value) < 1e15:
        return f"{int(value):,}"
    return f"{value:,.6f}".rstrip("0").rstrip(".")


def parse_number(raw: Any) -> Cell:
    """A decimal as a person reads it: numbers stored as text, thousands separators, full-width."""
    if is_blank(raw):
        return BLANK
    if isinstance(raw, (bool, dt.date, dt.time, dt.timedelta)):
        return Cell(problem=NOT_NUMBER)
    if isinstance(raw, (int, float)):
        value = float(raw)
        return Cell(value) if math.isfinite(value) else Cell(problem=NOT_NUMBER)
    text = _SPACES.sub(" ", nfkc(str(raw))).strip()
    if text.endswith("%"):
        return Cell(problem=PERCENT)
    if _PLAIN.match(text):
        return Cell(float(text))
    if _COMMA_GROUPED.match(text):
        return Cell(float(text.replace(",", "")))
    if _SPACE_GROUPED.match(text):
        return Cell(float(text.replace(" ", "")))
    if _AMBIGUOUS.match(text):
        return Cell(problem=AMBIGUOUS_NUMBER)
    return Cell(problem=NOT_NUMBER)


def parse_integer(raw: Any) -> Cell:
    cell = parse_number(raw)
    if cell.value is None:
        return cell
    if cell.value != math.floor(cell.value):
        return Cell(problem=NOT_INTEGER)
    return Cell(int(cell.value))


_TRUE = {nfkc(v).upper() for v in contract.BOOL_TRUE}
_FALSE = {nfkc(v).upper() for v in contract.BOOL_FALSE}


def parse_bool(raw: Any) -> Cell:
    """是/否 and the variants the contract lists (any case, any width)."""
    if is_blank(raw):
        return BLANK
    if isinstance(raw, bool):
        return Cell(raw)
    if isinstance(raw, (int, float)) and raw in (0, 1):
        return Cell(bool(raw))
    text = _SPACES.sub("", nfkc(str(raw))).upper()
    if text in _TRUE:
        return Cell(True)
    if text in _FALSE:
        return Cell(False)
    return Cell(problem=NOT_BOOL)


def parse_year(raw: Any) -> Cell:
    """A four-digit year: 2021, "2021", "2021年", or a date cell (its year is not a guess)."""
    if is_blank(raw):
        return BLANK
    if isinstance(raw, (dt.date, dt.datetime)):
        return Cell(raw.year)
    if isinstance(raw, str):
        text = _SPACES.sub("", nfkc(raw))
        raw = text.removesuffix("年")
    cell = parse_integer(raw)
    if cell.value is None or not 1000 <= cell.value <= 9999:
        return Cell(problem=NOT_YEAR) if not cell.blank else cell
    return cell


def parse_code(raw: Any) -> Cell:
    """Identifiers: half-width, upper-case, no spaces. A number cell keeps its digits (610 → "610")
    unless it is too long for a spreadsheet number to have kept them (CODE_AS_NUMBER)."""
    if is_blank(raw):
        return BLANK
    if isinstance(raw, (int, float)) and not isinstance(raw, bool) and abs(raw) >= 10**NUMBER_DIGITS:
        return Cell(problem=CODE_AS_NUMBER)
    if isinstance(raw, float) and math.isfinite(raw) and raw == int(raw):
        raw = int(raw)
    return Cell(_SPACES.sub("", nfkc(str(raw))).upper())


def parse_text(raw: Any) -> Cell:
    """Free text (names) as written, trimmed; full-width characters are kept, they are part of names."""
    if is_blank(raw):
        return BLANK
    shown = display(raw).replace("\u3000", " ").strip()
    return Cell(shown) if shown else BLANK


def parse_enum(raw: Any) -> Cell:
    """An enumeration value, normalised for width and spaces; membership is a validation rule."""
    if is_blank(raw):
        return BLANK
    return Cell(_SPACES.sub("", nfkc(str(raw))))


PARSERS = {
    contract.NUMBER: parse_number,
    contract.INTEGER: parse_integer,
    contract.BOOL: parse_bool,
    contract.YEAR: parse_year,
    contract.CODE: parse_code,
    contract.TEXT: parse_text,
    contract.ENUM: parse_enum,
}


def parse_cell(kind: str, raw: Any) -> Cell:
    return PARSERS[kind](raw)


_SLOW = object()  # "this cell needs the full rules"
_isfinite = math.isfinite


def parse_column(kind: str, raws: list[Any]) -> tuple[list[Any], dict[int, str]]:
    """`parse_cell` over a column: (values, position → problem), the same cell by cell.

    A workbook holds thousands of cells per column, nearly all finite numbers the reader already
    typed or plain ASCII codes; those are read here in one pass. Every other cell (text numbers,
    infinities, dates, full-width or spaced text, blanks) goes through `parse_cell` and its rules.
    """
    if kind == contract.NUMBER:
        values = [raw if type(raw) is float and _isfinite(raw) else _SLOW for raw in raws]
    elif kind == contract.INTEGER:
        values = [int(raw) if type(raw) is float and _isfinite(raw) and raw.is_integer() else _SLOW for raw in raws]
    elif kind == contract.CODE:
        values = [_SPACES.sub("", raw).upper() if type(raw) is str and raw.isascii() and raw.strip() else _SLOW
                  for raw in raws]
    elif kind == contract.TEXT:
        values = [_CONTROL.sub("", raw).strip().replace("\u3000", " ").strip() or None
                  if type(raw) is str and not is_blank(raw) else _SLOW for raw in raws]
    else:
        values = [_SLOW] * len(raws)
    problems: dict[int, str] = {}
    parse = PARSERS[kind]
    for i in [i for i, value in enumerate(values) if value is _SLOW]:
        cell = parse(raws[i])
        values[i] = cell.value
        if cell.problem:
            problems[i] = cell.problem
    return values, problems
