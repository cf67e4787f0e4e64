"""Disclosure control: the one gate between the marts and everything published.

`load_marts` passes every frame through `disclose` before anything else sees it, so pages, charts,
the search index (built from pages), open data in every format and the city and province figures
all receive the same, already protected frames; no output can bypass it.

Which tables are built from enterprise rows, and how, is stated in the dbt seed `disclosure_rules`;
the minimum number of enterprises a published cell may describe is a threshold of the seed
`evaluation_thresholds` (the mart applies the same number). A table the site reads but the seed
does not classify is refused (fail closed), so a new mart cannot be published unreviewed.

For an `enterprise_counts` table (today the 亩均 classes per park-year), within each group of cells
that add up to a total:

* primary suppression: a cell describing fewer than t enterprises (t = 3) is withheld and says so
  ("<3 家"), so an outsider knows it lies in 0..t-1 and nothing more;
* complementary suppression: in a group with a primary cell, the group total and every share are
  withheld as well. The shown counts stay. Without a total or a share there is no equation that
  ties the hidden cells to anything published, so each stays anywhere in 0..t-1.

Why not withhold "a second cell" and keep the total, as tables often do: which cell is chosen then
depends on the hidden values (the smallest cell that is large enough, or the stopping point of any
such search), and an analyst who knows the rule learns bounds from the choice itself. With t = 3,
a shown B = 3 next to a withheld A tells that the hidden cells were not protected by B, i.e. their
sum is below 2. The pattern above depends only on which cells are below t, which "<3 家" publishes
anyway, so it reveals nothing further; tests/unit/test_publish_disclosure.py attacks every pattern.

Withheld cells are NaN, and for every suppressible column `<column>_suppression` says why:
"primary" (fewer than t enterprises: pages print "<3 家") or "complementary" (a share or total
withheld so that no hidden cell can be derived: pages print "不公开" or "—"); NA when published.

GREENPARK_DISCLOSURE_CONTROL=off turns the complementary step off (primary suppression remains, as
the mart did before this module). It exists only so the attack test can show that it finds the leak
without this module; never set it for a real publication.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass

import pandas as pd

from .markup import is_missing

log = logging.getLogger(__name__)

CONTROL_ENV = "GREENPARK_DISCLOSURE_CONTROL"
SUFFIX = "_suppression"
PRIMARY, COMPLEMENTARY = "primary", "complementary"
ENTERPRISE_COUNTS = "enterprise_counts"
RULES_TABLE = "disclosure_rules"


class DisclosureError(RuntimeError):
    """The marts cannot be published safely (a table without a rule, a rule without its columns)."""


@dataclass(frozen=True)
class Rule:
    table_name: str
    sensitivity: str
    group_columns: tuple[str, ...]
    class_column: str | None
    cell_column: str | None
    share_column: str | None
    total_column: str | None
    threshold_id: str | None


def marker_column(column: str) -> str:
    return column + SUFFIX


def _text(value) -> str | None:
    """A seed cell as text; None when empty."""
    if is_missing(value):
        return None
    value = str(value).strip()
    return value or None


def latest_thresholds(seed: pd.DataFrame) -> dict[str, float]:
    """threshold_id -> value of the seed evaluation_thresholds as publishing reads it: rows sorted
    by edition (load_marts), so the latest edition's value of each id wins."""
    return {str(k): float(v) for k, v in zip(seed["threshold_id"], seed["value"])}


def read_rules(frame: pd.DataFrame) -> dict[str, Rule]:
    rules = {}
    for r in frame.to_dict("records"):
        groups = _text(r.get("group_columns"))
        rules[str(r["table_name"])] = Rule(
            table_name=str(r["table_name"]), sensitivity=str(r["sensitivity"]),
            group_columns=tuple(g.strip() for g in groups.split(";")) if groups else (),
            class_column=_text(r.get("class_column")), cell_column=_text(r.get("cell_column")),
            share_column=_text(r.get("share_column")), total_column=_text(r.get("total_column")),
            threshold_id=_text(r.get("threshold_id")))
    return rules


def disclose(tables: dict[str, pd.DataFrame], *, enabled: bool = True) -> dict[str, pd.DataFrame]:
    """The published form of every table: sensitive cells withheld and marked (see module doc).
    `enabled`: settings.disclosure_control (off only for the attack tests)."""
    if RULES_TABLE not in tables or tables[RULES_TABLE].empty:
        raise DisclosureError("数据仓库缺少公开规则表 disclosure_rules（请先运行 dbt build）")
    rules = read_rules(tables[RULES_TABLE])
    unclassified = sorted(set(tables) - set(rules))
    if unclassified:
        raise DisclosureError(f"以下表未在 disclosure_rules 中登记公开规则，拒绝发布：{', '.join(unclassified)}")
    thresholds = latest_thresholds(tables["evaluation_thresholds"])
    if not enabled:
        log.warning("公开控制已关闭（%s=off）：只做首要隐藏，隐藏值可被推算。仅供攻击测试使用，不得用于正式发布。",
                    CONTROL_ENV)
    out = dict(tables)
    for name, rule in rules.items():
        if rule.sensitivity == ENTERPRISE_COUNTS and name in tables and not tables[name].empty:
            if rule.threshold_id not in thresholds:
                raise DisclosureError(f"evaluation_thresholds 缺少 {rule.threshold_id}（disclosure_rules：{name}）")
            out[name] = suppress_counts(tables[name], rule, int(thresholds[rule.threshold_id]), enabled=enabled)
    return out


def suppress_counts(frame: pd.DataFrame, rule: Rule, threshold: int, *, enabled: bool = True) -> pd.DataFrame:
    """Primary and complementary suppression of one enterprise-count table (see module doc)."""
    frame = frame.copy().reset_index(drop=True)
    cell, share, total = rule.cell_column, rule.share_column, rule.total_column
    needed = [*rule.group_columns, cell] + [c for c in (share, total, rule.class_column) if c]
    missing = [c for c in needed if c not in frame.columns]
    if missing:
        raise DisclosureError(f"{rule.table_name} 缺少公开规则所需的列：{', '.join(missing)}")
    frame[cell] = pd.to_numeric(frame[cell], errors="coerce").astype("float64")
    cells = frame[cell].tolist()
    flagged = (frame["is_suppressed"].fillna(True).astype(bool).tolist() if "is_suppressed" in frame.columns
               else [False] * len(frame))
    primary = [math.isnan(v) or v < threshold or f for v, f in zip(cells, flagged, strict=True)]
    marks: dict[str, list[str | None]] = {c: [PRIMARY if p else None for p in primary] for c in (cell, share) if c}
    totals = [math.nan] * len(frame)
    if total:
        frame[total] = pd.to_numeric(frame[total], errors="coerce").astype("float64")
        totals = frame[total].tolist()
        marks[total] = [PRIMARY if math.isnan(t) or t < threshold else None for t in totals]
    if enabled:
        for idx in frame.groupby(list(rule.group_columns), sort=False).indices.values():
            if any(primary[i] for i in idx) or (total and any(marks[total][i] for i in idx)):
                _withhold_margins([int(i) for i in idx], marks, (total, share))
    for column, mark in marks.items():
        series = pd.Series(mark, index=frame.index, dtype="string")
        frame.loc[series.notna(), column] = None
        frame[marker_column(column)] = series
    return frame


def _withhold_margins(idx: list[int], marks: dict[str, list[str | None]], columns: tuple[str | None, ...]) -> None:
    """The group's total and every share (a share of a shown count gives the total away)."""
    for column in (c for c in columns if c):
        for i in idx:
            marks[column][i] = marks[column][i] or COMPLEMENTARY
