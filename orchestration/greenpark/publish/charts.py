"""Hand-written, deterministic SVG charts with Chinese labels (inlined into pages).

Coordinates are rounded to one decimal so the same numbers always give the same bytes. Colours come
from CSS classes (site/overrides/assets/stylesheets/greenpark.css) so charts follow the theme and
print in black and white legibly.
"""

from __future__ import annotations

import html
import math
from collections.abc import Sequence

from .markup import is_missing, num

_FONT = 13


def _e(value: str) -> str:
    return html.escape(str(value), quote=True)


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


def group(figures: Sequence[str]) -> str:
    """Charts side by side on wide screens (one line: a single raw HTML block for Markdown)."""
    return '<div class="gp-charts">' + "".join(figures) + "</div>"


def _figure(svg: str, caption: str) -> str:
    # One line: Markdown passes a block-level raw HTML element through untouched.
    # data-search-exclude keeps chart labels out of the search index.
    return f'<figure class="gp-chart" data-search-exclude>{svg}<figcaption>{_e(caption)}</figcaption></figure>'


def _svg_open(width: float, height: float, label: str) -> str:
    return (f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {_f(width)} {_f(height)}" '
            f'width="{_f(width)}" height="{_f(height)}" role="img" aria-label="{_e(label)}">'
            f"<title>{_e(label)}</title>")


def score_bars(title: str, items: Sequence[tuple[str, float | None, float]]) -> str:
    """Horizontal bars: (label, score, max points) — the score drawn over its maximum."""
    label_w, bar_w, value_w, row_h = 130, 360, 120, 28
    width = label_w + bar_w + value_w
    height = row_h * len(items) + 10
    parts = [_svg_open(width, height, title)]
    for i, (label, score, maximum) in enumerate(items):
        y = 5 + i * row_h
        parts.append(f'<text class="gp-label" x="{label_w - 8}" y="{_f(y + 18)}" text-anchor="end" '
                     f'font-size="{_FONT}">{_e(label)}</text>')
        parts.append(f'<rect class="gp-bar-bg" x="{label_w}" y="{_f(y + 4)}" width="{bar_w}" height="18" rx="2"/>')
        if not is_missing(score) and maximum:
            w = bar_w * max(0.0, min(1.0, float(score) / float(maximum)))
            parts.append(f'<rect class="gp-bar" x="{label_w}" y="{_f(y + 4)}" width="{_f(w)}" height="18" rx="2"/>')
        value = f"{num(score, digits=1)} / {num(maximum, digits=0)} 分"
        parts.append(f'<text class="gp-value" x="{label_w + bar_w + 8}" y="{_f(y + 18)}" '
                     f'font-size="{_FONT}">{_e(value)}</text>')
    parts.append("</svg>")
    return _figure("".join(parts), title)


def progress_bar(title: str, pct_value: float | None) -> str:
    """A small 0–100 % bar for a table cell; the percentage itself is printed beside it as text."""
    width, height = 120, 14
    parts = [_svg_open(width, height, f"{title} {num(pct_value, '%', digits=1)}")]
    parts.append(f'<rect class="gp-bar-bg" x="0" y="1" width="{width}" height="12" rx="2"/>')
    if not is_missing(pct_value):
        w = width * max(0.0, min(1.0, float(pct_value) / 100))
        parts.append(f'<rect class="gp-bar" x="0" y="1" width="{_f(w)}" height="12" rx="2"/>')
    parts.append("</svg>")
    return "".join(parts)


def series_chart(title: str, unit: str, labels: Sequence[str], values: Sequence[float | None],
                 *, kind: str = "line", missing_label: str = "缺报") -> str:
    """A trend over periods (quarters or years): line with points, or columns; values labelled.
    A period without a value shows `missing_label` at its place on the axis."""
    left, right, top, bottom = 64, 16, 28, 40
    step = 48 if kind == "line" else 80
    plot_w = max(step * max(len(labels), 1), 240)
    plot_h = 150
    width, height = left + plot_w + right, top + plot_h + bottom
    present = [float(v) for v in values if not is_missing(v)]
    vmax = _nice_ceiling(max(present) * 1.1 if present and max(present) > 0 else 1.0)
    parts = [_svg_open(width, height, f"{title}（{unit}）")]
    parts.append(f'<text class="gp-label" x="{left}" y="16" font-size="12">单位：{_e(unit)}</text>')
    tick_digits = min(4, max(0, 2 - math.floor(math.log10(vmax))))  # same decimals on every tick
    for k in range(5):  # gridlines with axis values
        yv = vmax * k / 4
        y = top + plot_h - plot_h * k / 4
        parts.append(f'<line class="gp-grid" x1="{left}" y1="{_f(y)}" x2="{_f(left + plot_w)}" y2="{_f(y)}"/>')
        parts.append(f'<text class="gp-axis" x="{left - 6}" y="{_f(y + 4)}" text-anchor="end" '
                     f'font-size="11">{_e(num(yv, digits=tick_digits))}</text>')
    slot = plot_w / max(len(labels), 1)
    points = []
    for i, (label, value) in enumerate(zip(labels, values, strict=True)):
        cx = left + slot * (i + 0.5)
        parts.append(f'<text class="gp-axis" x="{_f(cx)}" y="{_f(top + plot_h + 18)}" text-anchor="middle" '
                     f'font-size="11">{_e(label)}</text>')
        if is_missing(value):
            parts.append(f'<text class="gp-missing" x="{_f(cx)}" y="{_f(top + plot_h - 6)}" '
                         f'text-anchor="middle" font-size="11">{_e(missing_label)}</text>')
            continue
        y = top + plot_h - plot_h * float(value) / vmax
        if kind == "bar":
            bw = min(40.0, slot * 0.6)
            parts.append(f'<rect class="gp-bar" x="{_f(cx - bw / 2)}" y="{_f(y)}" width="{_f(bw)}" '
                         f'height="{_f(top + plot_h - y)}"/>')
        else:
            points.append((cx, y))
        parts.append(f'<text class="gp-value" x="{_f(cx)}" y="{_f(y - 6)}" text-anchor="middle" '
                     f'font-size="11">{_e(num(value))}</text>')
    if points:
        path = " ".join(f"{_f(x)},{_f(y)}" for x, y in points)
        parts.append(f'<polyline class="gp-line" points="{path}"/>')
        parts.extend(f'<circle class="gp-dot" cx="{_f(x)}" cy="{_f(y)}" r="3.5"/>' for x, y in points)
    parts.append("</svg>")
    return _figure("".join(parts), f"{title}（{unit}）")
