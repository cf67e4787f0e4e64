"""动态管理 decisions kept as data: 认定, 复查, 现场核查, 撤销认定 and 恢复认定 of each park.

The provincial data team records each decision once, with who recorded it and when, in the
warehouse table `park_decisions`. The table is append-only: a wrong entry is never edited or
deleted but corrected by a new row that names it (corrects_decision_id), so the history of what
was announced stays auditable. dbt reads the table (source intake.park_decisions) on top of the
seed park_designations, which is only the initial load; the latest decision wins per park. The
types' Chinese names (seed decision_types) and that replay are greenpark.designations, which dbt's
int_park_decisions / int_park_designation_spells and the bulletin agree with.

Checks happen here, before anything is written, so a decision that contradicts the park's
current state (revoking a park that is not designated, restoring one that is) is refused with a
Chinese message instead of reaching the marts. `record` takes a DuckDB connection from the
caller; `record_for` is what the CLI (`greenpark designations …`) and the province console both
call, so both write under one locking policy:

A decision is a few rows in the warehouse, which has one writer at a time and which a pipeline
run's dbt opens by itself: a writer that held the file at that moment would fail the run. So
`record_for` takes the pipeline's run lock (`exclusive_run`, held by `greenpark run`, `backfill`
and by `greenpark watch` while it processes a round) and then a connection, waiting for both at most DECISION_WAIT_S seconds;
past that it records nothing and raises DecisionBusy with a Chinese message that names the
holders. So a decision never lands in the middle of such a run, nor stands in its dbt's way.
"""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path

import duckdb
import pandas as pd

from ..designations import designation_changes, decision_types
from ..intake.warehouse import WarehouseBusyError, connect, exclusive_run
from ..registry import load_parks
from ..settings import Settings

REVOCATION_REASONS = ("弄虚作假", "瞒报事故", "环境污染", "复查不合格", "其他")
REVIEW_OUTCOMES = ("通过", "限期整改", "不通过")
INSPECTION_OUTCOMES = ("未发现问题", "责令整改", "建议撤销认定")
MAX_TEXT = 500
DECISION_WAIT_S = 10.0  # how long the CLI and the console wait for a pipeline run to let go of the warehouse

# The table's DDL is intake.warehouse.PARK_DECISIONS_DDL, with the other tables dbt reads as source `intake`.
COLUMNS = [
    "decision_id", "park_code", "decision_type", "decision_date", "batch_year", "document_no", "outcome",
    "reason_category", "reason_text", "inspectors", "findings_text", "corrects_decision_id",
    "recorded_by", "recorded_at",
]


class DecisionError(ValueError):
    """A decision that cannot be recorded; the message says why, in Chinese."""


class DecisionBusy(RuntimeError):
    """A pipeline run (or another writer) kept the warehouse past the wait: nothing was recorded."""


@dataclass
class Decision:
    """One decision as entered; `record` checks it and gives it its id and timestamp."""

    park_code: str
    decision_type: str
    decision_date: dt.date
    recorded_by: str
    batch_year: int | None = None
    document_no: str | None = None
    outcome: str | None = None
    reason_category: str | None = None
    reason_text: str | None = None
    inspectors: list[str] = field(default_factory=list)
    findings_text: str | None = None
    corrects_decision_id: int | None = None


@dataclass(frozen=True)
class ParkState:
    """Where the park stands after every effective state decision (initial load included)."""

    designated: bool
    batch_year: int | None
    revoked_year: int | None


def parse_date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(unicodedata.normalize("NFKC", text).strip())
    except ValueError:
        raise DecisionError(f"日期“{text}”无法识别,请按 YYYY-MM-DD 填写,例如 2025-03-31") from None


def _clean(text: str | None, what: str) -> str | None:
    """Strip, drop control characters, refuse overlong text; '' becomes None."""
    if text is None:
        return None
    cleaned = "".join(ch for ch in str(text) if unicodedata.category(ch)[0] != "C" or ch == " ").strip()
    if len(cleaned) > MAX_TEXT:
        raise DecisionError(f"{what}过长({len(cleaned)} 字),最多 {MAX_TEXT} 字")
    return cleaned or None


def _require(value, message: str) -> None:
    """A field the decision type cannot do without: refuse the decision with `message` when it is empty."""
    if not value:
        raise DecisionError(message)


def _choice(value: str | None, allowed: Iterable[str], what: str) -> str:
    allowed = tuple(allowed)
    cleaned = _clean(value, what)
    if cleaned not in allowed:
        shown = "(未填写)" if cleaned is None else f"“{cleaned}”"
        raise DecisionError(f"{what}{shown}无效,应为:{' / '.join(allowed)}")
    return cleaned


STATE_COLUMNS = ["park_code", "decision_key", "decision_type", "decision_date", "effective_year", "batch_year",
                 "is_initial_load"]


def initial_load(seeds_dir: Path) -> list[tuple]:
    """The seed park_designations as state events (STATE_COLUMNS), read as dbt's int_park_decisions does."""
    rows = []
    with open(seeds_dir / "park_designations.csv", encoding="utf-8") as fh:
        for r in csv.DictReader(fh):
            code = r["park_code"]
            rows.append((code, f"initial-designation-{code}", "designation", None, int(r["batch_year"]),
                         int(r["batch_year"]), True))
            if r.get("revoked_year"):
                rows.append((code, f"initial-revocation-{code}", "revocation", None, int(r["revoked_year"]), None, True))
    return rows


def all_rows(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    return con.execute(f"SELECT {', '.join(COLUMNS)} FROM park_decisions ORDER BY decision_id").df()


def effective_rows(rows: pd.DataFrame) -> pd.DataFrame:
    """Recorded rows no later row corrects."""
    corrected = set(rows.corrects_decision_id.dropna().astype(int))
    return rows[~rows.decision_id.isin(corrected)]


def state_events(recorded: pd.DataFrame, seeds_dir: Path) -> pd.DataFrame:
    """The effective decisions as dbt's int_park_decisions has them (STATE_COLUMNS): recorded rows
    no later row corrects, plus the seed's initial load for each type a park has not recorded."""
    own = []
    for r in effective_rows(recorded).itertuples():
        date = pd.Timestamp(r.decision_date).date()
        batch = None if pd.isna(r.batch_year) else int(r.batch_year)
        year = batch if r.decision_type == "designation" else date.year
        own.append((r.park_code, f"D{int(r.decision_id):06d}", r.decision_type, date, year, batch, False))
    replaced = {(row[0], row[2]) for row in own}
    seed = [row for row in initial_load(seeds_dir) if (row[0], row[2]) not in replaced]
    return pd.DataFrame(own + seed, columns=STATE_COLUMNS)


def park_state(con: duckdb.DuckDBPyConnection, seeds_dir: Path, park_code: str) -> ParkState:
    """The park's designation state now: the latest state decision wins (greenpark.designations,
    the replay dbt's int_park_designation_spells does)."""
    events = state_events(all_rows(con), seeds_dir)
    changes = designation_changes(events[events.park_code == park_code]).get(park_code, [])
    if not changes:
        return ParkState(designated=False, batch_year=None, revoked_year=None)
    last = changes[-1]
    return ParkState(designated=last.designated, batch_year=last.batch_year,
                     revoked_year=None if last.designated else last.year)


def check(decision: Decision, *, parks: set[str], state: ParkState, corrected: dict | None, today: dt.date,
          labels: Mapping[str, str]) -> Decision:
    """The decision with its text cleaned, or DecisionError naming the first problem; `labels`:
    the decision types and their Chinese names (greenpark.designations.decision_types)."""
    d = Decision(**asdict(decision))
    if d.decision_type not in labels:
        raise DecisionError(f"未知的决定类型 {d.decision_type}")
    kind = labels[d.decision_type]
    d.park_code = unicodedata.normalize("NFKC", d.park_code or "").strip()
    if d.park_code not in parks:
        raise DecisionError(f"园区代码 {d.park_code or '(空)'} 不在园区名录中")
    d.recorded_by = _clean(d.recorded_by, "记录人")
    if not d.recorded_by:
        raise DecisionError("缺少记录人(--by)")
    if d.decision_date > today:
        raise DecisionError(f"{kind}日期 {d.decision_date} 晚于今天({today}),不能预先记录")
    d.document_no = _clean(d.document_no, "文号")
    d.reason_text = _clean(d.reason_text, "说明")
    d.findings_text = _clean(d.findings_text, "核查发现")
    d.inspectors = [name for name in (_clean(n, "核查人员姓名") for n in d.inspectors) if name]

    if corrected is not None and (corrected["park_code"] != d.park_code or corrected["decision_type"] != d.decision_type):
        raise DecisionError(
            f"第 {corrected['decision_id']} 条是园区 {corrected['park_code']} 的"
            f"{labels[corrected['decision_type']]}记录,更正记录须为同一园区、同一类型"
        )

    if d.decision_type == "designation":
        d.batch_year = d.batch_year or d.decision_date.year
        if not 2000 <= d.batch_year <= d.decision_date.year + 1:
            raise DecisionError(f"认定批次年份 {d.batch_year} 不合理(应在 2000 至 {d.decision_date.year + 1} 之间)")
        _require(d.document_no, "认定须填写文号(--doc)")
        if corrected is None and state.designated:
            raise DecisionError(f"园区 {d.park_code} 已是 {state.batch_year} 年批次认定的绿色低碳工业园区,不能重复认定;如需改正原记录请用 --corrects")
    elif d.decision_type == "revocation":
        d.reason_category = _choice(d.reason_category, REVOCATION_REASONS, "撤销原因类别")
        _require(d.reason_text, "撤销认定须写明原因(--reason),该原因将在园区信息公告中公开")
        _require(d.document_no, "撤销认定须填写文号(--doc)")
        if corrected is None and not state.designated:
            raise DecisionError(f"园区 {d.park_code} 当前不是已认定园区,无法撤销认定")
    elif d.decision_type == "restoration":
        _require(d.reason_text, "恢复认定须写明依据(--reason),该说明将在园区信息公告中公开")
        _require(d.document_no, "恢复认定须填写文号(--doc)")
        if corrected is None and (state.designated or state.revoked_year is None):
            raise DecisionError(f"园区 {d.park_code} 没有被撤销的认定,无法恢复认定")
    elif d.decision_type == "review":
        d.outcome = _choice(d.outcome, REVIEW_OUTCOMES, "复查结论")
        if corrected is None and not state.designated:
            raise DecisionError(f"园区 {d.park_code} 当前不是已认定园区,无需复查")
    elif d.decision_type == "site_inspection":
        d.outcome = _choice(d.outcome, INSPECTION_OUTCOMES, "现场核查结论")
        _require(d.inspectors, "现场核查须填写核查人员(--inspector,可重复)")
        _require(d.findings_text, "现场核查须填写核查发现(--findings)")
    if d.decision_type != "revocation":
        d.reason_category = None
    return d


def record(con: duckdb.DuckDBPyConnection, decision: Decision, *, parks: set[str], seeds_dir: Path,
           today: dt.date, now: dt.datetime | None = None) -> dict:
    """Check and append one decision; return the stored row. One transaction: the id is the
    next number, so two writers (serialised by DuckDB's file lock) never share one. `seeds_dir`:
    the dbt seeds (park_designations, the initial load; decision_types)."""
    con.execute("BEGIN TRANSACTION")
    try:
        corrected = None
        if decision.corrects_decision_id is not None:
            rows = all_rows(con)
            hit = rows[rows.decision_id == decision.corrects_decision_id]
            if hit.empty:
                raise DecisionError(f"没有第 {decision.corrects_decision_id} 条决定记录,无法更正")
            later = rows[rows.corrects_decision_id == decision.corrects_decision_id]
            if len(later):
                raise DecisionError(
                    f"第 {decision.corrects_decision_id} 条已被第 {int(later.decision_id.iloc[-1])} 条更正,"
                    f"请更正第 {int(later.decision_id.iloc[-1])} 条"
                )
            corrected = hit.iloc[0].to_dict()
        state = park_state(con, seeds_dir, unicodedata.normalize("NFKC", decision.park_code or "").strip())
        d = check(decision, parks=parks, state=state, corrected=corrected, today=today, labels=decision_types(seeds_dir))
        next_id = con.execute("SELECT coalesce(max(decision_id), 0) + 1 FROM park_decisions").fetchone()[0]
        recorded_at = (now or dt.datetime.now(dt.UTC)).replace(tzinfo=None, microsecond=0)
        row = {
            "decision_id": int(next_id), "park_code": d.park_code, "decision_type": d.decision_type,
            "decision_date": d.decision_date, "batch_year": d.batch_year if d.decision_type == "designation" else None,
            "document_no": d.document_no, "outcome": d.outcome, "reason_category": d.reason_category,
            "reason_text": d.reason_text, "inspectors": "、".join(d.inspectors) or None,
            "findings_text": d.findings_text, "corrects_decision_id": d.corrects_decision_id,
            "recorded_by": d.recorded_by, "recorded_at": recorded_at,
        }
        con.execute(f"INSERT INTO park_decisions ({', '.join(COLUMNS)}) VALUES ({', '.join('?' for _ in COLUMNS)})",
                    [row[c] for c in COLUMNS])
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    return row


def busy_message(wait_seconds: float) -> str:
    return (f"流水线正在使用数据仓库(greenpark run / backfill 运行中,或 greenpark watch 正在处理新文件),"
            f"已等待 {wait_seconds:g} 秒,决定未记录,请在运行结束后重新提交")


def record_for(settings: Settings, decision: Decision, *, today: dt.date | None = None,
               wait_seconds: float | None = None, guard: contextlib.AbstractContextManager | None = None) -> dict:
    """Check and append one decision to the warehouse of `settings` under the pipeline's run lock
    (see the module docstring); returns the stored row. `today`: the day a decision may not be
    later than (default settings.today); `guard`: a lock the caller's process also holds around its
    own connections to the warehouse (the portal's); DecisionError: refused, DecisionBusy: not
    written because the warehouse stayed busy."""
    wait = DECISION_WAIT_S if wait_seconds is None else wait_seconds
    path = settings.warehouse_path
    parks = set(load_parks(settings).park_code)
    seeds_dir = settings.dbt_project_dir / "seeds"
    try:
        with guard or contextlib.nullcontext(), exclusive_run(path, wait_seconds=wait), \
                connect(path, wait_seconds=wait) as con:
            return record(con, decision, parks=parks, seeds_dir=seeds_dir, today=today or settings.today)
    except WarehouseBusyError:
        raise DecisionBusy(busy_message(wait)) from None


def listing(con: duckdb.DuckDBPyConnection, labels: Mapping[str, str], *, park_code: str | None = None,
            include_corrected: bool = False) -> pd.DataFrame:
    """Recorded decisions, oldest first, with type in Chinese (`labels`: decision_types) and
    whether a later row corrects it."""
    rows = all_rows(con)
    corrected_by = {int(c): int(i) for c, i in zip(rows.corrects_decision_id, rows.decision_id) if pd.notna(c)}
    rows.insert(3, "decision_type_zh", rows.decision_type.map(dict(labels)))
    rows["corrected_by_decision_id"] = rows.decision_id.map(corrected_by).astype("Int64")
    if park_code:
        rows = rows[rows.park_code == park_code]
    if not include_corrected:
        rows = rows[rows.corrected_by_decision_id.isna()]
    rows = rows.reset_index(drop=True)
    rows["decision_date"] = pd.to_datetime(rows.decision_date).dt.date
    return rows


def as_records(rows: pd.DataFrame) -> list[dict]:
    """Plain JSON-ready dicts: ISO dates, None for missing, ints for ids."""
    out = []
    for rec in rows.astype(object).where(rows.notna(), None).to_dict(orient="records"):
        for key, value in rec.items():
            if isinstance(value, (dt.date, pd.Timestamp)):
                rec[key] = value.isoformat()
            elif hasattr(value, "item"):
                rec[key] = value.item()
        out.append(rec)
    return out
