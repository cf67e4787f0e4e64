"""示例 动态管理 decisions for the demo, so the bulletin and the marts show every decision type
(认定, 复查, 现场核查, 撤销认定 with its reason, 恢复认定, a corrected record) on demo data.

They are chosen to match the demo's own flags: 3301-01 is due for review in 2025, 3309-02 fails
必要条件 B2 and is inspected then revoked, 3301-10 (revoked in 2024 by the seed) is restored.
Every text says 示例; recorded_at is fixed so the demo stays deterministic. `greenpark demo`
records them (as `greenpark designations demo` does), so the first run already shows them.
"""

from __future__ import annotations

import dataclasses
import datetime as dt

from ..management.decisions import Decision, record
from ..settings import Settings

RECORDER = "示例数据"


def _d(park: str, kind: str, date: str, **fields) -> Decision:
    return Decision(park_code=park, decision_type=kind, decision_date=dt.date.fromisoformat(date), recorded_by=RECORDER, **fields)


# (decision, corrects: index in this list of the decision it corrects, or None)
DEMO_DECISIONS: list[tuple[Decision, int | None]] = [
    (_d("3302-01", "designation", "2025-12-15", batch_year=2024, document_no="示例〔2025〕101 号"), None),
    # the batch year was typed wrong: the correction is a new record
    (_d("3302-01", "designation", "2025-12-15", batch_year=2025, document_no="示例〔2025〕101 号"), 0),
    (_d("3301-01", "review", "2025-06-20", outcome="通过", reason_text="示例:认定满 3 年复查,各项指标达到要求"), None),
    (_d("3306-03", "review", "2025-06-25", outcome="限期整改", reason_text="示例:综合评价得分低于预警线,限期一年整改"), None),
    (_d("3309-02", "site_inspection", "2025-09-10", inspectors=["示例核查员甲", "示例核查员乙"],
        findings_text="示例:园区 2025 年发生一起突发环境污染事件,台账与报送一致", outcome="建议撤销认定",
        reason_text="示例:核实突发环境污染事件"), None),
    (_d("3309-02", "revocation", "2025-11-20", document_no="示例〔2025〕88 号", reason_category="环境污染",
        reason_text="示例:2025 年发生突发环境污染事件,不满足必要条件 B2"), None),
    (_d("3301-10", "restoration", "2025-10-15", document_no="示例〔2025〕77 号",
        reason_text="示例:整改完成,经复核恢复认定"), None),
]


def record_demo_decisions(settings: Settings) -> int:
    """Record DEMO_DECISIONS unless the warehouse has any decision; returns how many were written."""
    from ..intake.warehouse import connect
    from ..registry import load_parks

    parks = set(load_parks(settings).park_code)
    seeds_dir = settings.dbt_project_dir / "seeds"
    with connect(settings.warehouse_path, wait_seconds=settings.lock_wait_s) as con:
        if con.execute("SELECT count(*) FROM park_decisions").fetchone()[0]:
            return 0
        ids: list[int] = []
        for template, corrects in DEMO_DECISIONS:
            decision = dataclasses.replace(template, corrects_decision_id=None if corrects is None else ids[corrects])
            fixed = dt.datetime.combine(decision.decision_date, dt.time(9))
            ids.append(record(con, decision, parks=parks, seeds_dir=seeds_dir, today=decision.decision_date, now=fixed)["decision_id"])
    return len(ids)
