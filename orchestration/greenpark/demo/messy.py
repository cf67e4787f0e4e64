"""How real bureaus type the same numbers: full-width punctuation, text numbers, 是/否 variants.

Every variant here is one a person reads as the clean value, and one the contract accepts. Choices
are a pure function of the cell position, so a messy file is as deterministic as a clean one.
"""

from __future__ import annotations

_FULL_WIDTH = str.maketrans("0123456789.", "０１２３４５６７８９．")
_HEADER_PUNCT = str.maketrans({"(": "（", ")": "）", ":": "："})
_BOOL_VARIANTS = (("Y", "N"), ("√", "×"), ("是", "否"), ("y", "n"), ("TRUE", "FALSE"), ("１", "０"))


def header(text: str, col: int) -> str:
    """Full-width （）：, with a stray space before the unit or after the header on some columns."""
    out = text.translate(_HEADER_PUNCT)
    if col % 3 == 1:
        out = out.replace("（", " （", 1)
    if col % 4 == 2:
        out = out + " "
    return out


def number(value: float | int, row: int, col: int) -> float | int | str:
    """Most cells stay numeric; some become text with thousands separators or full-width digits."""
    pick = (row * 7 + col * 13) % 11
    if value < 0:
        return value
    if pick == 0:
        return f"{value:,}"
    if pick == 1:
        return str(value).translate(_FULL_WIDTH)
    return value


def boolean(value: bool, row: int, col: int) -> str:
    true, false = _BOOL_VARIANTS[(row + col) % len(_BOOL_VARIANTS)]
    return true if value else false


def name(text: str, row: int) -> str:
    """Trailing spaces on names, as copied from other documents."""
    return text + " " * (1 + row % 2) if row % 3 == 0 else text
