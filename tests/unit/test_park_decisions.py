"""`greenpark designations …`: 动态管理 decisions recorded as an append-only history.

The real CLI (click's runner, in-process) on a real DuckDB warehouse in the test's work dir. The
dbt side (the decisions reaching dim_park, fct_park_decisions and fct_dynamic_management) is
tested in test_dbt_marts.py on its built warehouse.
"""

from __future__ import annotations

import json

import duckdb
import pytest
from click.testing import CliRunner
from greenpark.cli import main


@pytest.fixture
def cli(workdir, monkeypatch):
    monkeypatch.setenv("GREENPARK_TODAY", "2025-06-30")
    monkeypatch.setenv("GREENPARK_USER", "数据组甲")
    runner = CliRunner()

    def run(*args: str):
        return runner.invoke(main, ["designations", *args], catch_exceptions=False)

    return run


def _rows(workdir) -> list[tuple]:
    path = workdir / "data" / "warehouse.duckdb"
    if not path.exists():
        return []
    con = duckdb.connect(str(path), read_only=True)
    try:
        return con.execute("SELECT * FROM park_decisions ORDER BY decision_id").fetchall()
    finally:
        con.close()


def test_every_decision_type_is_recorded_with_who_and_when(cli, workdir):
    steps = [
        ("add", "3301-02", "--date", "2025-01-10", "--batch", "2025", "--doc", "浙经信〔2025〕1号"),
        ("review", "3301-01", "--date", "2025-02-01", "--outcome", "限期整改", "--note", "能耗台账不全"),
        ("inspect", "3301-01", "--date", "2025-02-20", "--inspector", "李核查", "--inspector", "王核查",
         "--findings", "三家企业能耗台账缺失", "--outcome", "责令整改"),
        ("revoke", "3301-01", "--date", "2025-03-01", "--doc", "浙经信〔2025〕9号", "--reason-category", "复查不合格",
         "--reason", "复查不合格且整改逾期"),
        ("restore", "3301-01", "--date", "2025-05-01", "--doc", "浙经信〔2025〕20号", "--reason", "整改完成,复核通过"),
    ]
    for n, step in enumerate(steps, start=1):
        result = cli(*step, "--json")
        assert result.exit_code == 0, result.output
        row = json.loads(result.output)
        assert row["decision_id"] == n and row["recorded_by"] == "数据组甲" and row["recorded_at"]
    rows = _rows(workdir)
    assert [r[2] for r in rows] == ["designation", "review", "site_inspection", "revocation", "restoration"]
    inspection = rows[2]
    assert inspection[9] == "李核查、王核查" and inspection[10] == "三家企业能耗台账缺失"

    listed = json.loads(cli("list", "--park", "3301-01", "--json").output)
    assert [r["decision_type_zh"] for r in listed] == ["复查", "现场核查", "撤销认定", "恢复认定"]
    assert listed[2]["reason_category"] == "复查不合格" and listed[2]["decision_date"] == "2025-03-01"
    assert "撤销认定" in cli("list").output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("revoke", "3301-10", "--date", "2025-03-01", "--doc", "x", "--reason-category", "其他", "--reason", "r"),
         "当前不是已认定园区"),  # revoked in 2024 by the seed's initial load
        (("revoke", "3301-01", "--date", "2025-03-01", "--doc", "x", "--reason-category", "造假", "--reason", "r"),
         "撤销原因类别“造假”无效"),
        (("revoke", "3301-01", "--date", "2025-03-01", "--doc", "x", "--reason-category", "其他", "--reason", " "),
         "须写明原因"),
        (("add", "3301-01", "--date", "2025-03-01", "--doc", "x"), "不能重复认定"),
        (("add", "9999-01", "--date", "2025-03-01", "--doc", "x"), "不在园区名录中"),
        (("add", "3301-02", "--date", "2025-02-30", "--doc", "x"), "无法识别"),
        (("add", "3301-02", "--date", "2025-07-01", "--doc", "x"), "晚于今天"),
        (("restore", "3301-01", "--date", "2025-03-01", "--doc", "x", "--reason", "r"), "没有被撤销的认定"),
        (("review", "3301-01", "--date", "2025-03-01", "--outcome", "好"), "复查结论“好”无效"),
        (("inspect", "3301-01", "--date", "2025-03-01", "--inspector", " ", "--findings", "f", "--outcome", "未发现问题"),
         "须填写核查人员"),
        (("add", "3301-02", "--date", "2025-03-01", "--doc", "x", "--corrects", "7"), "没有第 7 条"),
    ],
)
def test_a_refused_decision_says_why_and_writes_nothing(cli, workdir, args, message):
    result = cli(*args)
    assert result.exit_code == 1
    assert message in result.output and result.output.startswith("未记录:")
    assert _rows(workdir) == []


def test_usage_errors_exit_2(cli):
    assert cli("revoke", "3301-01", "--date", "2025-03-01").exit_code == 2  # missing --reason-category …
    assert cli("--help").exit_code == 0


def test_a_correction_is_a_new_row_and_the_original_stays(cli, workdir):
    assert cli("add", "3301-02", "--date", "2025-01-10", "--batch", "2025", "--doc", "浙经信〔2025〕1号").exit_code == 0
    first = _rows(workdir)
    fixed = cli("add", "3301-02", "--date", "2025-01-10", "--batch", "2024", "--doc", "浙经信〔2025〕1号", "--corrects", "1")
    assert fixed.exit_code == 0, fixed.output
    rows = _rows(workdir)
    assert rows[0] == first[0]  # never edited
    assert rows[1][4] == 2024 and rows[1][11] == 1
    # Correcting the corrected row again is refused: the chain is corrected at its end.
    again = cli("add", "3301-02", "--date", "2025-01-10", "--batch", "2023", "--doc", "d", "--corrects", "1")
    assert again.exit_code == 1 and "已被第 2 条更正" in again.output
    other_type = cli("review", "3301-02", "--date", "2025-02-01", "--outcome", "通过", "--corrects", "2")
    assert other_type.exit_code == 1 and "同一园区、同一类型" in other_type.output
    listed = json.loads(cli("list", "--json").output)
    assert [r["decision_id"] for r in listed] == [2]
    everything = json.loads(cli("list", "--all", "--json").output)
    assert [(r["decision_id"], r["corrected_by_decision_id"]) for r in everything] == [(1, 2), (2, None)]


def test_the_bulletin_states_each_decision_of_the_year_with_reason_and_date():
    import datetime as dt

    import pandas as pd
    from greenpark.publish.decision_notices import decisions_of_year

    frame = pd.DataFrame([
        dict(park_code="3302-03", decision_key="D000004", park_name="宁波杭州湾经济技术开发区", city_name="宁波市",
             decision_type="revocation", decision_type_zh="撤销认定", decision_date=dt.date(2025, 3, 1), effective_year=2025,
             batch_year=None, document_no="浙经信〔2025〕9号", outcome=None, reason_category="环境污染",
             reason_text="发生突发环境污染事件", is_correction=False, is_initial_load=False),
        dict(park_code="3301-01", decision_key="D000002", park_name="杭州经济技术开发区", city_name="杭州市",
             decision_type="site_inspection", decision_type_zh="现场核查", decision_date=dt.date(2025, 2, 1), effective_year=2025,
             batch_year=None, document_no=None, outcome="未发现问题", reason_category=None, reason_text=None,
             is_correction=False, is_initial_load=False),
        dict(park_code="3301-10", decision_key="initial-revocation-3301-10", park_name="某园区", city_name="杭州市",
             decision_type="revocation", decision_type_zh="撤销认定", decision_date=None, effective_year=2025,
             batch_year=None, document_no=None, outcome=None, reason_category=None, reason_text="初始名单未记录撤销原因与日期",
             is_correction=False, is_initial_load=True),
        dict(park_code="3301-02", decision_key="D000001", park_name="萧山经济技术开发区", city_name="杭州市",
             decision_type="designation", decision_type_zh="认定", decision_date=dt.date(2024, 6, 1), effective_year=2024,
             batch_year=2024, document_no="浙经信〔2024〕1号", outcome=None, reason_category=None, reason_text=None,
             is_correction=False, is_initial_load=False),
    ])
    items = decisions_of_year(frame, 2025)
    assert [i["park_code"] for i in items] == ["3301-10", "3301-01", "3302-03"]
    assert items[2]["sentence_zh"] == "2025 年 3 月 1 日,以 浙经信〔2025〕9号 撤销认定(原因类别:环境污染)。原因:发生突发环境污染事件。"
    assert items[2]["date_zh"] == "2025 年 3 月 1 日" and items[2]["reason_category"] == "环境污染"
    assert items[0]["sentence_zh"].startswith("2025 年(初始名单,未记录具体日期)")
    assert items[1]["sentence_zh"] == "2025 年 2 月 1 日现场核查,结论:未发现问题。"
    assert [i["sentence_zh"] for i in decisions_of_year(frame, 2024)] == [
        "2024 年 6 月 1 日,以 浙经信〔2024〕1号 认定为 2024 年批次浙江省绿色低碳工业园区。"]


def test_a_decision_waits_for_another_writer_and_gives_up_cleanly(cli, workdir, monkeypatch):
    """One DuckDB writer at a time: while another process holds the warehouse, the command waits
    (connect's bounded retry) and then writes; past the configured wait it exits 3, writing nothing."""
    import subprocess
    import sys
    import time

    path = workdir / "data" / "warehouse.duckdb"
    assert cli("review", "3301-01", "--date", "2025-02-01", "--outcome", "通过").exit_code == 0  # creates the file
    holder = ("import duckdb, sys, time; con = duckdb.connect(sys.argv[1]); print('held', flush=True); "
              "time.sleep(float(sys.argv[2])); con.close()")

    def hold(seconds: float) -> subprocess.Popen:
        proc = subprocess.Popen([sys.executable, "-c", holder, str(path), str(seconds)], stdout=subprocess.PIPE, text=True)
        assert proc.stdout.readline().strip() == "held"
        return proc

    proc = hold(1.5)
    started = time.monotonic()
    waited = cli("review", "3301-01", "--date", "2025-03-01", "--outcome", "通过")
    assert waited.exit_code == 0 and time.monotonic() - started > 0.5, waited.output
    proc.wait()

    monkeypatch.setattr("greenpark.management.decisions.DECISION_WAIT_S", 0.3)
    proc = hold(3)
    busy = cli("review", "3301-01", "--date", "2025-04-01", "--outcome", "通过")
    proc.wait()
    assert busy.exit_code == 3 and "已等待 0.3 秒,决定未记录" in busy.output, busy.output
    assert len(_rows(workdir)) == 2


def test_a_decision_waits_for_a_pipeline_run_like_the_console_and_gives_up_with_the_same_message(cli, workdir,
                                                                                                 monkeypatch):
    """A pipeline run (`greenpark run`, or `greenpark watch` between rounds) holds the run lock and may
    open the warehouse at any moment: the command waits for the lock, then records; past the wait
    it writes nothing and says why, in the words the console uses (tests/portal/test_portal_console.py)."""
    from fixtures.runs import run_holding_the_warehouse
    from greenpark.intake.warehouse import exclusive_run
    from greenpark.management.decisions import busy_message

    path = workdir / "data" / "warehouse.duckdb"
    monkeypatch.setattr("greenpark.management.decisions.DECISION_WAIT_S", 0.5)
    with exclusive_run(path, wait_seconds=1):
        busy = cli("review", "3301-01", "--date", "2025-02-01", "--outcome", "通过")
    assert busy.exit_code == 3, busy.output
    assert f"未记录:{busy_message(0.5)}" in busy.output and "greenpark watch" in busy.output
    assert _rows(workdir) == []

    monkeypatch.setattr("greenpark.management.decisions.DECISION_WAIT_S", 10)
    with run_holding_the_warehouse(path, 0.8):
        waited = cli("review", "3301-01", "--date", "2025-02-01", "--outcome", "通过")
    assert waited.exit_code == 0, waited.output
    assert [r[2] for r in _rows(workdir)] == ["review"]


def test_demo_decisions_cover_every_type_once_and_only_once(cli, workdir):
    first = cli("demo")
    assert first.exit_code == 0 and "已记录 7 条示例决定" in first.output, first.output
    rows = _rows(workdir)
    assert {r[2] for r in rows} == {"designation", "review", "site_inspection", "revocation", "restoration"}
    assert any(r[11] is not None for r in rows)  # a correction
    assert all(r[12] == "示例数据" for r in rows)
    again = cli("demo")
    assert again.exit_code == 0 and "未写入" in again.output and _rows(workdir) == rows


# Recorded on top of the seed park_designations, each an edge of the replay's ordering.
PARITY_DECISIONS = [
    # (decision_id, park_code, decision_type, decision_date, batch_year, corrects_decision_id)
    (1, "3301-01", "revocation", "2024-03-01", None, None),  # revoke → restore
    (2, "3301-01", "restoration", "2025-01-15", None, None),
    (3, "3301-04", "revocation", "2025-05-01", None, None),  # same day: record order wins
    (4, "3301-04", "restoration", "2025-05-01", None, None),
    (5, "3301-04", "review", "2025-05-01", None, None),
    (6, "3302-03", "revocation", "2025-03-01", None, None),  # corrected: takes effect in 2026 instead
    (7, "3302-03", "revocation", "2026-02-01", None, 6),
    (8, "3301-02", "designation", "2022-06-01", 2022, None),  # a park not in the seed, batch corrected
    (9, "3301-02", "designation", "2022-06-01", 2019, 8),
    (10, "3301-10", "restoration", "2025-06-01", None, None),  # replaces the seed's 2024 revocation …
    (11, "3301-10", "revocation", "2025-06-01", None, None),  # … and is revoked the same day
    (12, "3303-01", "revocation", "2022-01-01", None, None),  # same year as the undated initial designation
    (13, "3303-04", "site_inspection", "2024-04-01", None, None),
]


def _spells(changes) -> set[tuple]:
    """(park_code, designation_batch_year, from_year, to_year_exclusive) of each designated spell."""
    out = set()
    for code, park_changes in changes.items():
        for n, change in enumerate(park_changes):
            if change.designated:
                until = park_changes[n + 1].year if n + 1 < len(park_changes) else None
                out.add((code, change.batch_year, change.year, until))
    return out


def test_the_python_replay_of_designation_state_matches_dbts_spells(tmp_path):
    """management's park_state (before a decision is written) and the bulletin (beside the marts)
    replay the decisions with greenpark.designations; dbt replays them in int_park_designation_spells.
    Built by dbt on decisions with revoke → restore, same-day decisions, corrections, a recorded
    decision replacing the seed's, both replays give dbt's spells, and park_state dbt's state now."""
    import datetime as dt

    from dbt_fixtures import DBT_PROJECT_DIR, run_dbt
    from greenpark.designations import designation_changes
    from greenpark.intake.warehouse import PARK_DECISIONS_DDL
    from greenpark.management.decisions import all_rows, park_state, state_events

    seeds = DBT_PROJECT_DIR / "seeds"
    warehouse = tmp_path / "warehouse.duckdb"
    con = duckdb.connect(str(warehouse))
    try:
        con.execute(PARK_DECISIONS_DDL)
        con.executemany(
            "INSERT INTO park_decisions (decision_id, park_code, decision_type, decision_date, batch_year,"
            " corrects_decision_id, recorded_by, recorded_at) VALUES (?, ?, ?, ?, ?, ?, '数据组甲', ?)",
            [[*row, dt.datetime(2026, 3, 1, 9)] for row in PARITY_DECISIONS])
        python_events = state_events(all_rows(con), seeds)
        states = {code: park_state(con, seeds, code) for code in set(python_events.park_code)}
    finally:
        con.close()
    assert run_dbt(tmp_path, warehouse, "seed", "--select", "park_designations", "decision_types").success
    assert run_dbt(tmp_path, warehouse, "run", "--select",
                   "stg_park_decisions", "int_park_decisions", "int_park_designation_spells").success
    con = duckdb.connect(str(warehouse))
    try:
        dbt_spells = {tuple(r) for r in con.execute(
            "SELECT park_code, designation_batch_year, from_year, to_year_exclusive"
            " FROM int_park_designation_spells").fetchall()}
        dbt_decisions = con.execute("SELECT * FROM int_park_decisions").df()
        designated_now = {r[0] for r in con.execute(
            "SELECT park_code FROM int_park_designation_spells WHERE is_latest AND to_year_exclusive IS NULL").fetchall()}
    finally:
        con.close()

    assert ("3301-04", 2023, 2025, None) in dbt_spells and ("3303-01", 2022, 2022, 2022) in dbt_spells  # the edges bite
    assert _spells(designation_changes(python_events)) == dbt_spells  # management's reading
    assert _spells(designation_changes(dbt_decisions)) == dbt_spells  # the bulletin's reading
    assert {code for code, state in states.items() if state.designated} == designated_now
    assert (states["3301-10"].revoked_year, states["3302-03"].revoked_year) == (2025, 2026)
    assert (states["3301-02"].batch_year, states["3301-01"].revoked_year) == (2019, None)
