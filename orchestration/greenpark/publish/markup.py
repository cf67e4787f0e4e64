"""Escaping and number formatting for generated Markdown/HTML.

Every string that comes from data goes through `text()` (body) or `title()` (front matter, nav):
park names are user-submitted and could hold markup, Markdown syntax or table pipes.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Sequence

import pandas as pd

# Markdown/extension syntax characters that could change rendering inside a table cell or heading.
_MD_ENTITIES = {
    "|": "&#124;", "*": "&#42;", "_": "&#95;", "[": "&#91;", "]": "&#93;", "`": "&#96;",
    "\\": "&#92;", "{": "&#123;", "}": "&#125;", "~": "&#126;", "^": "&#94;", "=": "&#61;",
    "#": "&#35;", "!": "&#33;", ":": "&#58;", "+": "&#43;",
    "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;",
}
_TEXT_MAP = str.maketrans(_MD_ENTITIES)
_TITLE_MAP = str.maketrans({"<": "＜", ">": "＞", "&": "＆", '"': "＂", "'": "＇", "\n": " ", "\r": " "})
MISSING = "—"


def is_missing(value) -> bool:
    if value is None:
        return True
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):  # list-like values (e.g. version id lists) are present
        return False


def text(value) -> str:
    """Data text for Markdown or raw HTML: HTML-escaped and with Markdown syntax neutralised."""
    if is_missing(value):
        return MISSING
    return " ".join(str(value).split()).translate(_TEXT_MAP)


def title(value) -> str:
    """Data text for page titles and nav labels, which themes render in several contexts
    (title tag, nav, search): markup characters become their full-width look-alikes."""
    return str(value).translate(_TITLE_MAP).strip()


def yaml_str(value: str) -> str:
    return json.dumps(value, ensure_ascii=False)  # JSON strings are valid YAML scalars


def num(value, unit: str | None = None, *, digits: int | None = None) -> str:
    """A number with its unit, '—' when missing. Precision follows magnitude unless `digits`."""
    if is_missing(value):
        return MISSING
    v = float(value)
    if math.isinf(v):
        return MISSING
    if digits is None and unit == "%":
        digits = 1
    if digits is None and v.is_integer() and abs(v) < 1e15:
        digits = 0  # counts, thresholds and weights read better without trailing zeros
    if digits is None:
        a = abs(v)
        digits = 0 if a >= 1000 else 1 if a >= 100 else 2 if a >= 1 else 3 if a >= 0.01 or a == 0 else 4
    s = f"{v:,.{digits}f}"
    if s.startswith("-") and float(s.replace(",", "")) == 0:
        s = s[1:]
    return f"{s} {text(unit)}" if unit else s


def pct(value, digits: int = 1) -> str:
    return num(value, "%", digits=digits)


def points(value) -> str:
    return num(value, "分", digits=1)


def yes_no(value) -> str:
    if is_missing(value):
        return MISSING
    return "是" if bool(value) else "否"


def table(headers: Sequence[str], rows: Iterable[Sequence[str]], *, align: str | None = None) -> str:
    """A Markdown table; cells must already be escaped. `align` is one of l/r/c per column."""
    head = "| " + " | ".join(headers) + " |"
    marks = {"l": ":--", "r": "--:", "c": ":-:"}
    sep = "| " + " | ".join(marks[a] for a in (align or "l" * len(headers))) + " |"
    body = ["| " + " | ".join(cells) + " |" for cells in rows]
    if not body:
        return head + "\n" + sep + "\n| " + " | ".join(["（无）"] + [""] * (len(headers) - 1)) + " |\n"
    return "\n".join([head, sep, *body]) + "\n"


def split_ids(value) -> list[str]:
    """source_version_ids as stored by the marts: a list, or text separated by commas/semicolons/spaces."""
    if is_missing(value):
        return []
    if isinstance(value, str):
        parts = value.replace(";", ",").replace(" ", ",").split(",")
    else:
        parts = [str(v) for v in value]
    return sorted({p.strip() for p in parts if p and p.strip()})
