"""Geometry of the site's deterministic SVG charts (drawn by templates/charts.html.j2).

Functions here return plain data: coordinates rounded to one decimal as text, so the same numbers
always give the same bytes, and each chart's values as (label, value) pairs, which the template
prints as visually hidden text: a screen reader gets the numbers, not only the title.
Colours come from CSS classes (site/overrides/assets/stylesheets/greenpark.css).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from .markup import is_missing, num

FONT = 13


def _f(x: float) -> str:
    s = f"{x:.1f}"
    return s.removesuffix(".0")


def _nice_ceiling(value: float) -> float:
    """The smallest 1/2/2.5/4/5 × 10^k at or above value, so four gridlines get round labels."""
    exponent = math.floor(math.log10(value))
    for mantissa in (1, 2, 2.5, 4, 5, 8, 10):
        candidate = mantissa * 10**exponent
        if candidate >= value * (1 - 1e-12):
            return candidate
    return 10 ** (exponent + 1)


def score_bars(title: str, items: Sequence[tuple[str, float | None, float]]) -> dict:
    """Horizontal bars: (label, score, max points) — the score drawn over its maximum."""
    label_w, bar_w, value_w, row_h = 130, 360, 120, 28
    rows = []
    for i, (label, score, maximum) in enumerate(items):
        y = 5 + i * row_h
        w = (bar_w * max(0.0, min(1.0, float(score) / float(maximum)))
             if not is_missing(score) and maximum else None)
        rows.append({"label": label, "text_y": _f(y + 18), "bar_y": _f(y + 4), "w": None if w is None else _f(w),
                     "value": f"{num(score, digits=1)} / {num(maximum, digits=0)} 分"})
    return {"kind": "score_bars", "title": title, "width": _f(label_w + bar_w + value_w),
            "height": _f(row_h * len(items) + 10), "label_w": label_w, "bar_w": bar_w,
            "value_x": label_w + bar_w + 8, "rows": rows, "font": FONT,
            "head": ("维度", "得分"), "values": [(r["label"], r["value"]) for r in rows]}


def progress_bar(title: str, pct_value: float | None) -> dict:
    """A small 0–100 % bar for a table cell; the percentage is printed beside it as text."""
    width = 120
    w = None if is_missing(pct_value) else _f(width * max(0.0, min(1.0, float(pct_value) / 100)))
    return {"title": f"{title} {num(pct_value, '%', digits=1)}", "width": width, "w": w}


def series_chart(title: str, unit: str, labels: Sequence[str], values: Sequence[float | None],
                 *, kind: str = "line", missing_label: str = "缺报") -> dict:
    """A trend over periods (quarters or years): line with points, or columns; values labelled.
    A period without a value shows `missing_label` at its place on the axis."""
    left, right, top, bottom = 64, 16, 28, 40
    step = 48 if kind == "line" else 80
    plot_w = max(step * max(len(labels), 1), 240)
    plot_h = 150
    present = [float(v) for v in values if not is_missing(v)]
    vmax = _nice_ceiling(max(present) * 1.1 if present and max(present) > 0 else 1.0)
    tick_digits = min(4, max(0, 2 - math.floor(math.log10(vmax))))  # same decimals on every tick
    grid = [{"y": _f(top + plot_h - plot_h * k / 4), "ty": _f(top + plot_h - plot_h * k / 4 + 4),
             "label": num(vmax * k / 4, digits=tick_digits)} for k in range(5)]
    slot = plot_w / max(len(labels), 1)
    periods, points = [], []
    for i, (label, value) in enumerate(zip(labels, values, strict=True)):
        cx = left + slot * (i + 0.5)
        period = {"label": label, "cx": _f(cx), "missing": is_missing(value), "text": missing_label}
        if not is_missing(value):
            y = top + plot_h - plot_h * float(value) / vmax
            bw = min(40.0, slot * 0.6)
            period.update(text=num(value), y=_f(y), vy=_f(y - 6), bx=_f(cx - bw / 2), bw=_f(bw),
                          bh=_f(top + plot_h - y))
            if kind == "line":
                points.append((cx, y))
        periods.append(period)
    return {"kind": kind, "title": f"{title}（{unit}）", "unit": unit, "width": _f(left + plot_w + right),
            "height": _f(top + plot_h + bottom), "left": left, "right_x": _f(left + plot_w),
            "axis_y": _f(top + plot_h + 18), "missing_y": _f(top + plot_h - 6), "grid": grid, "periods": periods,
            "polyline": " ".join(f"{_f(x)},{_f(y)}" for x, y in points),
            "dots": [{"cx": _f(x), "cy": _f(y)} for x, y in points],
            "head": ("时期", f"数值（{unit}）"), "values": [(p["label"], p["text"]) for p in periods]}
