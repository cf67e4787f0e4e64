"""The 动态管理 decisions a year's 园区信息公告 announces, as plain data for its template.

The bulletin must say why and when each park was designated, reviewed, inspected, revoked or
restored. Those facts come from the public mart fct_park_decisions (no inspector names, no
findings, no recorder); this module only selects the year's decisions, orders them and writes
each as one Chinese sentence, so the page template stays free of wording rules.

The same decisions say where a park stood in any year (`designation_status`, on the changes
greenpark.designations.designation_changes replays from them as dbt does): dim_park holds only
where it stands today (its latest spell), so a park revoked and later restored would read as
designated through its revoked years if a past year were read from dim_park.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd

from ..designations import Change, decision_date
from .markup import date_zh, is_missing

TYPE_ORDER = ("designation", "review", "site_inspection", "revocation", "restoration")
DESIGNATED, REVOKED, NOT_DESIGNATED = "已认定", "已撤销", "未认定"


def _change_in_force(changes: list[Change], year: int) -> Change | None:
    """The last of one park's designation_changes taking effect by `year`."""
    before = [c for c in changes if c.year <= year]
    return before[-1] if before else None


def designation_status(changes: list[Change], year: int) -> str:
    """已认定 / 已撤销 / 未认定 at the end of `year`, from one park's designation_changes."""
    change = _change_in_force(changes, year)
    if change is None:
        return NOT_DESIGNATED
    return DESIGNATED if change.designated else REVOKED


def revoked_in(changes: list[Change], year: int) -> int | None:
    """The year the revocation in force at the end of `year` took effect; None while designated."""
    change = _change_in_force(changes, year)
    return change.year if change and not change.designated else None


def sentence_zh(d: dict) -> str:
    """One decision as the bulletin states it."""
    dated = not is_missing(d.get("decision_date"))
    when = date_zh(d["decision_date"]) if dated else f"{int(d['effective_year'])} 年(初始名单,未记录具体日期)"
    doc = "" if is_missing(d.get("document_no")) else f"以 {d['document_no']} "
    note = "" if is_missing(d.get("reason_text")) else str(d["reason_text"])
    kind = d["decision_type"]
    if kind == "designation":
        batch = "" if is_missing(d.get("batch_year")) else f" {int(d['batch_year'])} 年批次"
        text = f"{when},{doc}认定为{batch}浙江省绿色低碳工业园区。"
    elif kind == "revocation":
        category = "" if is_missing(d.get("reason_category")) else f"(原因类别:{d['reason_category']})"
        text = f"{when},{doc}撤销认定{category}。原因:{note or '未记录'}。"
    elif kind == "restoration":
        text = f"{when},{doc}恢复认定。依据:{note or '未记录'}。"
    elif kind == "review":
        text = f"{when}复查,结论:{d.get('outcome') or '未记录'}。" + (f"说明:{note}。" if note else "")
    else:
        text = f"{when}现场核查,结论:{d.get('outcome') or '未记录'}。" + (f"说明:{note}。" if note else "")
    return text.replace("。。", "。")


def decisions_of_year(decisions: pd.DataFrame, year: int) -> list[dict]:
    """The decisions dated in `year` (initial-load rows: taking effect in `year`), by date, then
    type, then park. Each dict: park_code, park_name, city_name, decision_type, decision_type_zh,
    date_zh, document_no, outcome, reason_category, reason_text, is_initial_load, sentence_zh."""
    if decisions is None or decisions.empty:
        return []
    rows = []
    for d in decisions.to_dict(orient="records"):
        date = decision_date(d)
        if (date.year if date else int(d["effective_year"])) == year:
            rows.append(d)
    rows.sort(key=lambda d: (
        decision_date(d) or dt.date(year, 1, 1),
        TYPE_ORDER.index(d["decision_type"]), d["park_code"], str(d.get("decision_key") or "")))
    keep = ("park_code", "park_name", "city_name", "decision_type", "decision_type_zh", "document_no", "outcome",
            "reason_category", "reason_text", "is_initial_load")
    out = []
    for d in rows:
        item = {k: (None if is_missing(d.get(k)) else d.get(k)) for k in keep}
        item["date_zh"] = None if is_missing(d.get("decision_date")) else date_zh(d["decision_date"])
        item["sentence_zh"] = sentence_zh(d)
        out.append(item)
    return out
