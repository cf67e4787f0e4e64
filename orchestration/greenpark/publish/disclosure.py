"""Disclosure control: the one gate between the marts and everything published.

`load_marts` passes every frame through `disclose` before anything else sees it, so pages, charts,
the search index (built from pages), open data in every format and the city and province figures
all receive the same, already protected frames; no output can bypass it.

Which tables are built from enterprise rows, and how, is stated in the dbt seed `disclosure_rules`;
the minimum number of enterprises a published cell may describe is a threshold of the seed
`evaluation_thresholds` (the mart applies the same number). A table the site reads but the seed
does not classify is refused (fail closed), so a new mart cannot be published unreviewed.

For an `enterprise_counts` table (today the 亩均 classes per park-year), within each group of cells
that add up to a published total:

* primary suppression: a cell describing fewer than t enterprises (t = 3) is withheld;
* complementary suppression: the attacker knows the total N, the shown cells and that a primary
  cell lies in [0, t-1] and a complementary one in [t, ∞). With S the sum of the hidden cells and m
  of them complementary, a primary cell can take every value 0..t-1 exactly when
  S - t·m ≥ t - 1. The smallest set of further cells that achieves this is withheld as well; when
  no set does, the total (and with it every share, which would give the total away) is withheld.
  Shares of withheld cells are withheld with them.

Withheld cells are NaN, and for every suppressible column `<column>_suppression` says why:
"primary" (fewer than t enterprises: pages print "<3 家") or "complementary" (withheld so that
another cell cannot be derived: pages print "不公开"); NA when published.

GREENPARK_DISCLOSURE_CONTROL=off turns the complementary step off (primary suppression remains, as
the mart did before this module). It exists only so the attack test can show that it finds the leak
without this module; never set it for a real publication.
"""

from __future__ import annotations

import itertools
import math
import os
from dataclasses import dataclass

import pandas as pd

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


def control_enabled() -> bool:
    return os.environ.get(CONTROL_ENV, "on").strip().lower() not in ("off", "0", "false", "no")


def marker_column(column: str) -> str:
    return column + SUFFIX


def _text(value) -> str | None:
    if value is None or (isinstance(value, float) and math.isnan(value)) or pd.isna(value):
        return None
    value = str(value).strip()
    return value or None


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


def disclose(tables: dict[str, pd.DataFrame], *, enabled: bool | None = None) -> dict[str, pd.DataFrame]:
    """The published form of every table: sensitive cells withheld and marked (see module doc)."""
    if RULES_TABLE not in tables or tables[RULES_TABLE].empty:
        raise DisclosureError("数据仓库缺少公开规则表 disclosure_rules（请先运行 dbt build）")
    rules = read_rules(tables[RULES_TABLE])
    unclassified = sorted(set(tables) - set(rules))
    if unclassified:
        raise DisclosureError(f"以下表未在 disclosure_rules 中登记公开规则，拒绝发布：{', '.join(unclassified)}")
    thresholds = {str(k): float(v) for k, v in zip(tables["evaluation_thresholds"]["threshold_id"],
                                                   tables["evaluation_thresholds"]["value"])}
    enabled = control_enabled() if enabled is None else enabled
    out = dict(tables)
    for name, rule in rules.items():
        if rule.sensitivity == ENTERPRISE_COUNTS and name in tables:
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
    classes = frame[rule.class_column].astype(str).tolist() if rule.class_column else [""] * len(frame)
    if enabled:
        for idx in frame.groupby(list(rule.group_columns), sort=False).indices.values():
            group = _Group([int(i) for i in idx], cells, totals, primary, classes, marks, cell, share, total)
            group.complement(threshold)
    for column, mark in marks.items():
        series = pd.Series(mark, index=frame.index, dtype="string")
        frame.loc[series.notna(), column] = None
        frame[marker_column(column)] = series
    return frame


@dataclass
class _Group:
    """One group of cells that add up to the published total (e.g. one park-year's classes)."""

    idx: list[int]
    cells: list[float]
    totals: list[float]
    primary: list[bool]
    classes: list[str]
    marks: dict[str, list[str | None]]
    cell: str
    share: str | None
    total: str | None

    def complement(self, threshold: int) -> None:
        if not any(self.primary[i] for i in self.idx):
            return
        published_totals = {self.totals[i] for i in self.idx if not math.isnan(self.totals[i])}
        if not self.total or len(published_totals) != 1 or any(self.marks[self.total][i] for i in self.idx):
            self.withhold_total()
            return
        n_total = int(published_totals.pop())
        shown = sorted((i for i in self.idx if not self.primary[i]), key=lambda i: (self.cells[i], self.classes[i]))
        hidden_sum = n_total - int(sum(self.cells[i] for i in shown))
        for k in range(1, len(shown) + 1):  # fewest cells first, then the smallest counts withheld
            fits = [c for c in itertools.combinations(shown, k)
                    if hidden_sum + sum(int(self.cells[i]) - threshold for i in c) >= threshold - 1]
            if fits:
                best = min(fits, key=lambda c: (sum(self.cells[i] for i in c), [self.classes[i] for i in c]))
                for i in best:
                    for column in (self.cell, self.share):
                        if column:
                            self.marks[column][i] = COMPLEMENTARY
                return
        self.withhold_total()

    def withhold_total(self) -> None:
        """No published total: every share of the group goes too (shares would give the total away)."""
        for column in (self.total, self.share):
            if column:
                for i in self.idx:
                    self.marks[column][i] = self.marks[column][i] or COMPLEMENTARY
