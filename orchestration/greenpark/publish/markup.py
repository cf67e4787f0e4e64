"""Escaping, number formatting and the Jinja2 environment the site's pages are rendered with.

Pages are Markdown (headings, so MkDocs builds the table of contents and search sections) holding
raw HTML blocks (tables, cards, charts). Park names are user-submitted and could hold markup,
Markdown syntax or table pipes, so the environment escapes every value it prints with `text()`:
HTML-escaped *and* Markdown-neutral, valid in either context. Only `Markup` (macro output, the
`yaml_title` filter) passes unescaped. Formatting (units, precision, "—" for missing) is done by
the filters below, in the templates, so the page functions return plain numbers.
"""

from __future__ import annotations

import json
import math
from functools import cache
from pathlib import Path

import pandas as pd
from jinja2 import Environment, FileSystemLoader, StrictUndefined
from markupsafe import Markup

TEMPLATES = Path(__file__).with_name("templates")

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


def yaml_title(value) -> Markup:
    """A front-matter title: full-width look-alikes, then a JSON string (a valid YAML scalar)."""
    return Markup(json.dumps(title(value), ensure_ascii=False))


def num(value, unit: str | None = None, *, digits: int | None = None) -> str:
    """A number with its unit, '—' when missing. Precision follows magnitude unless `digits`.
    Years and codes are not numbers here: print them as they are (no thousands separator)."""
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
    return f"{s} {unit}" if unit else s


def pct(value, digits: int = 1) -> str:
    return num(value, "%", digits=digits)


def kb(n_bytes) -> str:
    """A download's size: '512.0 KB', '2.6 MB'."""
    return num(n_bytes / 1024, "KB", digits=1) if n_bytes < 1024 * 1024 else num(n_bytes / 1024 / 1024, "MB", digits=1)


def points(value) -> str:
    return num(value, "分", digits=1)


def yes_no(value) -> str:
    if is_missing(value):
        return MISSING
    return "是" if bool(value) else "否"


def date_zh(value) -> str:
    """A date as written in Chinese text: 2025-03-01 → '2025 年 3 月 1 日'; '—' when missing."""
    if is_missing(value):
        return MISSING
    day = pd.Timestamp(value)
    return f"{day.year} 年 {day.month} 月 {day.day} 日"


def year(value) -> str:
    """A year as written in Chinese text: 2025, never 2,025."""
    return MISSING if is_missing(value) else str(int(value))


def plain(value, digits: int | None = None) -> str:
    """A number as shown but without unit or thousands separators (sort keys, CSV); '' when missing."""
    return "" if is_missing(value) or math.isinf(float(value)) else num(value, digits=digits).replace(",", "")


def split_ids(value) -> list[str]:
    """source_version_ids as stored by the marts: a list, or text separated by commas/semicolons/spaces."""
    if is_missing(value):
        return []
    if isinstance(value, str):
        parts = value.replace(";", ",").replace(" ", ",").split(",")
    else:
        parts = [str(v) for v in value]
    return sorted({p.strip() for p in parts if p and p.strip()})


def _finalize(value):
    return value if isinstance(value, Markup) else Markup(text(value))


@cache
def environment() -> Environment:
    env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=True, finalize=_finalize,
                      undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True,
                      extensions=["jinja2.ext.do"],
                      # Markdown heading ids are written {#id}: Jinja comments are {#- ... -#} only
                      comment_start_string="{#-", comment_end_string="-#}")
    env.filters.update(num=num, plain=plain, pct=pct, points=points, yes_no=yes_no, year=year, yaml_title=yaml_title,
                       missing=is_missing, date_zh=date_zh, kb=kb)
    env.tests["missing"] = is_missing
    return env


def render(template: str, **context) -> str:
    return environment().get_template(template).render(**context)
