"""Excel column letters ↔ column numbers (1-based: A = 1, Z = 26, AA = 27).

Here rather than from openpyxl.utils because the intake and `greenpark validate` need nothing else
from openpyxl, and importing it costs ~0.1 s of every cold check.
"""

from __future__ import annotations


def column_letter(number: int) -> str:
    if number < 1:
        raise ValueError(f"column number must be ≥ 1, not {number}")
    letters = ""
    while number:
        number, rem = divmod(number - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def column_number(letters: str) -> int:
    if not letters or not letters.isascii() or not letters.isalpha():
        raise ValueError(f"not a column: {letters!r}")
    number = 0
    for ch in letters.upper():
        number = number * 26 + ord(ch) - 64
    return number
