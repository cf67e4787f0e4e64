"""The rule catalogue (expectations/rules.yaml): every rule's id, severity, scope and zh-CN message.

The catalogue is the single source of the rules: the parser takes its cell and sheet messages from
here, the GX suites are built from its `gx` rules (expectations/suites/*.json are exports of
`quality.suites`), and the pandas rules read their thresholds from it. Column names refer to
`contract.py`; headers and units are never retyped here.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from . import contract
from .findings import SEVERITY_ORDER, Finding

ENGINES = ("parse", "context", "gx", "pandas")


class _Blank(defaultdict):
    """Placeholders a message does not get are rendered empty rather than raising."""

    def __missing__(self, key: str) -> str:
        return ""


@dataclass(frozen=True)
class Rule:
    id: str
    severity: str
    engine: str  # parse: the workbook reader; context: file name/period/city; gx: a GX expectation;
    # pandas: cross-row and cross-file logic in quality/cross_rules.py
    kind: str
    message: str  # zh-CN template; placeholders: sheet row header letter value expected city_name …
    expected: str = ""  # template for Finding.expected
    sheets: tuple[str, ...] = ()  # sheet keys; empty for file-level rules
    columns: tuple[str, ...] = ()  # column names the rule checks (resolved from the selector)
    params: dict[str, Any] = field(default_factory=dict)
    suppressed_by: tuple[str, ...] = ()  # same cell (or row) already reported by one of these
    title: str = ""  # short zh-CN name for the catalogue page

    def columns_of(self, sheet_key: str) -> tuple[str, ...]:
        names = {c.name for c in contract.SHEETS_BY_KEY[sheet_key].columns}
        return tuple(c for c in self.columns if c in names)

    def finding(
        self,
        *,
        sheet: str | None = None,
        row: int | None = None,
        header: str | None = None,
        letter: str | None = None,
        value: str | None = None,
        **extra: Any,
    ) -> Finding:
        ctx = _Blank(str)
        ctx.update({k: "" if v is None else v for k, v in extra.items()})
        ctx.update(sheet=sheet or "", row=row or "", header=header or "", letter=letter or "", value=value or "")
        expected = self.expected.format_map(ctx) if self.expected else ""
        ctx["expected"] = expected
        return Finding(
            rule_id=self.id,
            severity=self.severity,
            message_zh=self.message.format_map(ctx),
            sheet=sheet,
            excel_row=row,
            column_header=header,
            excel_column=letter,
            value_seen=value,
            expected=expected or None,
        )


def _resolve_columns(selector: Any, sheets: tuple[str, ...]) -> tuple[str, ...]:
    """`columns` is a list of names, or {kinds: [...], except: [...]} selecting by contract kind."""
    if selector is None:
        return ()
    if isinstance(selector, list):
        return tuple(selector)
    kinds = set(selector.get("kinds", []))
    excluded = set(selector.get("except", []))
    names: list[str] = []
    for key in sheets:
        for col in contract.SHEETS_BY_KEY[key].columns:
            if (not kinds or col.kind in kinds) and col.name not in excluded and col.name not in names:
                names.append(col.name)
    return tuple(names)


class Catalogue:
    def __init__(self, rules: list[Rule]):
        self.rules = rules
        self.by_id = {r.id: r for r in rules}

    def __getitem__(self, rule_id: str) -> Rule:
        return self.by_id[rule_id]

    def by_engine(self, engine: str) -> list[Rule]:
        return [r for r in self.rules if r.engine == engine]


def _check(rules: list[Rule]) -> None:
    ids = [r.id for r in rules]
    if len(ids) != len(set(ids)):
        raise ValueError("duplicate rule id in the catalogue")
    for r in rules:
        if r.severity not in SEVERITY_ORDER or r.engine not in ENGINES:
            raise ValueError(f"rule {r.id}: bad severity or engine")
        for key in r.sheets:
            if key not in contract.SHEETS_BY_KEY:
                raise ValueError(f"rule {r.id}: unknown sheet {key}")
        known = {c.name for k in r.sheets for c in contract.SHEETS_BY_KEY[k].columns}
        for name in r.columns:
            if name not in known:
                raise ValueError(f"rule {r.id}: unknown column {name}")
        for other in r.suppressed_by:
            if other not in ids:
                raise ValueError(f"rule {r.id}: suppressed_by unknown rule {other}")


@lru_cache(maxsize=4)
def load_catalogue(path: Path) -> Catalogue:
    # libyaml's loader when built in: the pure-Python one spends ~0.35 s on rules.yaml, a third of a
    # cold `greenpark validate`.
    doc = yaml.load(Path(path).read_text(encoding="utf-8"), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    rules = []
    for item in doc["rules"]:
        sheets = tuple(item.get("sheets", ()))
        rules.append(
            Rule(
                id=item["id"],
                severity=item["severity"],
                engine=item["engine"],
                kind=item["kind"],
                message=item["message"],
                expected=item.get("expected", ""),
                sheets=sheets,
                columns=_resolve_columns(item.get("columns"), sheets),
                params=dict(item.get("params", {})),
                suppressed_by=tuple(item.get("suppressed_by", ())),
                title=item.get("title", ""),
            )
        )
    _check(rules)
    return Catalogue(rules)


def catalogue_path(expectations_dir: Path) -> Path:
    return Path(expectations_dir) / "rules.yaml"
