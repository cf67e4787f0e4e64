"""Dagster orchestration on real runs: sensor, partitions, blocking checks, resubmission, schedules, mail.

Small workbooks (舟山市 has two parks) keep each run to about a second; dbt is left out here (the
end-to-end test covers it) by selecting the intake assets and the deadline report downstream of them.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import os
import socket
import time
import tracemalloc
from email import message_from_bytes
from email.policy import default as email_policy
from pathlib import Path

import dagster as dg
import duckdb
import pytest
from click.testing import CliRunner
from fixtures.workbooks import title_of, valid_submission, write_workbook
from greenpark.submission import contract
from greenpark.assets.intake import RULES_CHECK
from greenpark.assets.missing_submissions import MISSING_KEY
from greenpark.cli import main
from greenpark.dagster_home import ensure_dagster_home, open_instance
from greenpark.definitions import build_definitions
from greenpark.intake.archive import CHINA_TZ
from greenpark.partitions import QUARTERS
from greenpark.runner import INTAKE_KEYS
from greenpark.settings import get_settings

ZHOUSHAN, HANGZHOU = "330900", "330100"
NAMES = {ZHOUSHAN: "舟山市", HANGZHOU: "杭州市"}
QUIET = {"loggers": {"console": {"config": {"log_level": "CRITICAL"}}}}


def drop(city: str, year: int, quarter: int, *, bad: bool = False, scale: float = 1.0) -> Path:
    """A valid workbook for the city (or one with a negative flow), dropped before its deadline."""
    rows = valid_submission(city, annual=quarter == 4, scale=scale)
    if bad:
        rows["park_quarter"][0]["electricity"] = -35
    path = get_settings().inbox_dir / city / contract.submission_filename(city, year, quarter)
    title = title_of(contract.PARK_QUARTER, NAMES[city], year, quarter)
    write_workbook(path, rows, title=title)
    received = dt.datetime.combine(contract.due_date(year, quarter) - dt.timedelta(days=3), dt.time(9))
    stamp = received.replace(tzinfo=CHINA_TZ).timestamp() + (60 if bad else 0) + scale
    os.utime(path, (stamp, stamp))
    return path


@pytest.fixture
def orchestra(workdir: Path):
    settings = get_settings()
    ensure_dagster_home(settings)
    defs = build_definitions(settings)
    with open_instance(settings) as instance:
        yield settings, defs, instance


def run_slice(defs, instance, key: str, *, with_report: bool = True) -> dg.ExecuteInProcessResult:
    selection = [*INTAKE_KEYS, MISSING_KEY] if with_report else INTAKE_KEYS
    return defs.resolve_job_def("intake").execute_in_process(
        instance=instance, partition_key=key, asset_selection=selection, raise_on_error=False, run_config=QUIET
    )


def pull(defs, instance) -> dg.ExecuteInProcessResult:
    return defs.resolve_job_def("pull").execute_in_process(instance=instance, run_config=QUIET)


def sensor_context(instance, defs, cursor=None) -> dg.SensorEvaluationContext:
    """As the daemon builds it: with the instance's ref, which resolving dynamic partitions needs."""
    return dg.build_sensor_context(instance=instance, instance_ref=instance.get_ref(), cursor=cursor, definitions=defs,
                                   resources={"settings": defs.resources["settings"]})


def versions(settings) -> dict[str, tuple[str, bool]]:
    with duckdb.connect(str(settings.warehouse_path), read_only=True) as con:
        rows = con.execute("SELECT version_id, status, in_force FROM submission_versions").fetchall()
    return {v: (s, f) for v, s, f in rows}


def test_sensor_requests_one_run_per_new_file_and_nothing_on_the_next_tick(orchestra):
    settings, defs, instance = orchestra
    good = drop(ZHOUSHAN, 2025, 2)
    (settings.inbox_dir / ZHOUSHAN / "舟山二季度.xlsx").write_bytes(good.read_bytes())  # misnamed
    sensor = defs.get_sensor_def("drop_location_sensor")

    first = sensor.evaluate_tick(sensor_context(instance, defs))
    by_job = {r.job_name: r for r in first.run_requests}
    assert set(by_job) == {"intake", "pull"}
    assert by_job["intake"].partition_key == f"{ZHOUSHAN}|2025Q2"
    assert by_job["intake"].run_key == f"{hashlib.sha256(good.read_bytes()).hexdigest()}:{good}"

    second = sensor.evaluate_tick(sensor_context(instance, defs, first.cursor))
    assert second.run_requests == []

    drop(ZHOUSHAN, 2025, 2, scale=1.1)  # a corrected resubmission: new bytes, new run key
    third = sensor.evaluate_tick(sensor_context(instance, defs, second.cursor))
    assert [r.partition_key for r in third.run_requests] == [f"{ZHOUSHAN}|2025Q2"]
    assert third.run_requests[0].run_key != by_job["intake"].run_key


def _daemon_ticks(instance: dg.DagsterInstance, n: int, between=lambda i: None) -> list[list[dg.DagsterRun]]:
    """The sensor daemon's own iteration (code server, tick, run-key dedup, run creation), `n` times,
    each 40 s of frozen clock after the last (the sensor's interval is 30 s); runs after each tick.
    The instance queues runs (QueuedRunCoordinator) and no queue daemon runs, so nothing executes."""
    from dagster._core.test_utils import (
        create_test_daemon_workspace_context,
        freeze_time,
    )
    from dagster._core.workspace.load_target import ModuleTarget
    from dagster._daemon.sensor import execute_sensor_iteration

    target = ModuleTarget("greenpark.definitions", None, None, "greenpark")
    started, runs = time.time(), []
    with create_test_daemon_workspace_context(target, instance) as workspace:
        for i in range(n):
            between(i)
            with freeze_time(started + 40 * i):
                list(execute_sensor_iteration(workspace, logging.getLogger("sensor-test"), None, None))
            runs.append(instance.get_runs(filters=dg.RunsFilter(tags={"dagster/sensor_name": "drop_location_sensor"})))
    return runs


def test_a_renamed_file_gets_its_own_run_through_dagsters_run_key_dedup(orchestra):
    """Same bytes, new name (the clerk fixed the 文件名 finding): a new run. Same bytes, same place
    seen again: none. Both through the daemon's real dedup, not evaluate_tick."""
    _settings, _defs, instance = orchestra
    good = drop(ZHOUSHAN, 2025, 2)
    misnamed = good.with_name("舟山二季度.xlsx")
    good.rename(misnamed)

    def between(i):
        if i == 1:
            misnamed.rename(good)  # renamed as the feedback asked
        if i == 2:
            os.utime(good, (time.time(), time.time()))  # touched: the cursor sees it again, same key

    after = _daemon_ticks(instance, 3, between)
    assert [[r.job_name for r in runs] for runs in after] == [["pull"], ["intake", "pull"], ["intake", "pull"]]
    intake = after[1][0]
    assert intake.tags["dagster/partition"] == f"{ZHOUSHAN}|2025Q2"
    assert intake.status == dg.DagsterRunStatus.QUEUED
    assert len({r.tags["dagster/run_key"] for r in after[2]}) == 2


def test_a_new_quarter_gets_its_slice_without_a_reload_and_its_blocking_check(orchestra, monkeypatch):
    """The code location was loaded in 2026Q1; the calendar moves on to July and files of 2026Q2
    and of a year before the baseline arrive. Each goes to its own slice and is checked there;
    the archive takes in neither."""
    settings, defs, instance = orchestra
    monkeypatch.setenv("GREENPARK_TODAY", "2026-07-05")
    drop(ZHOUSHAN, 2026, 2), drop(HANGZHOU, 2019, 4, bad=True)
    sensor = defs.get_sensor_def("drop_location_sensor")
    tick = sensor.evaluate_tick(sensor_context(instance, defs))
    assert sorted((r.job_name, r.partition_key) for r in tick.run_requests) == [
        ("intake", f"{HANGZHOU}|2019Q4"), ("intake", f"{ZHOUSHAN}|2026Q2")]
    (added,) = tick.dynamic_partitions_requests
    assert {"2019Q4", "2026Q2", "2026Q3"} <= set(added.partition_keys) and added.partitions_def_name == QUARTERS.name

    pull(defs, instance)
    assert versions(settings) == {f"{ZHOUSHAN}-2026Q2-v1": ("待处理", False), f"{HANGZHOU}-2019Q4-v1": ("待处理", False)}
    assert run_slice(defs, instance, f"{ZHOUSHAN}|2026Q2", with_report=False).success
    rejected = run_slice(defs, instance, f"{HANGZHOU}|2019Q4", with_report=False)
    assert not rejected.success
    (check,) = [e.event_specific_data for e in rejected.all_events if e.event_type_value == "ASSET_CHECK_EVALUATION"]
    assert check.check_name == RULES_CHECK and not check.passed
    assert versions(settings) == {f"{ZHOUSHAN}-2026Q2-v1": ("已接收", True), f"{HANGZHOU}-2019Q4-v1": ("退回", False)}


def test_the_sensor_hashes_a_large_file_without_reading_it_into_memory(orchestra):
    settings, defs, instance = orchestra
    big = settings.inbox_dir / ZHOUSHAN / contract.submission_filename(ZHOUSHAN, 2025, 3)
    big.parent.mkdir(parents=True, exist_ok=True)
    block = os.urandom(1 << 20)
    with big.open("wb") as fh:
        for _ in range(64):
            fh.write(block)
    sensor = defs.get_sensor_def("drop_location_sensor")
    context = sensor_context(instance, defs)
    tracemalloc.start()
    try:
        (request,) = sensor.evaluate_tick(context).run_requests
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert request.run_key.startswith(hashlib.sha256(big.read_bytes()).hexdigest())
    assert peak < 16 << 20, f"peak {peak / 2**20:.0f} MiB while hashing a 64 MiB file"


def test_a_slice_run_touches_only_its_city_quarter(orchestra):
    settings, defs, instance = orchestra
    drop(ZHOUSHAN, 2025, 1)
    drop(ZHOUSHAN, 2025, 2)
    pull(defs, instance)
    result = run_slice(defs, instance, f"{ZHOUSHAN}|2025Q2")
    assert result.success
    assert versions(settings) == {
        f"{ZHOUSHAN}-2025Q1-v1": ("待处理", False),
        f"{ZHOUSHAN}-2025Q2-v1": ("已接收", True),
    }
    materialized = {
        (e.asset_key.to_user_string(), e.partition) for e in result.get_asset_materialization_events()
    }
    assert ("submission_versions", f"{ZHOUSHAN}|2025Q2") in materialized


def test_blocking_check_stops_a_bad_slice_while_a_good_one_goes_through(orchestra):
    settings, defs, instance = orchestra
    drop(ZHOUSHAN, 2025, 2)
    drop(HANGZHOU, 2025, 2, bad=True)
    pull(defs, instance)

    good = run_slice(defs, instance, f"{ZHOUSHAN}|2025Q2")
    bad = run_slice(defs, instance, f"{HANGZHOU}|2025Q2")

    assert good.success
    assert MISSING_KEY in {e.asset_key for e in good.get_asset_materialization_events()}
    assert not bad.success
    (failure,) = [e for e in bad.all_events if e.event_type_value == "STEP_FAILURE"]
    assert failure.step_failure_data.error.cls_name == "DagsterAssetCheckFailedError"
    assert MISSING_KEY not in {e.asset_key for e in bad.get_asset_materialization_events()}  # blocked downstream
    check = next(e for e in bad.all_events if e.event_type_value == "ASSET_CHECK_EVALUATION")
    data = check.event_specific_data
    assert data.check_name == RULES_CHECK and not data.passed
    assert data.metadata["error"].value >= 1
    assert versions(settings)[f"{HANGZHOU}-2025Q2-v1"] == ("退回", False)


def test_resubmitted_correction_becomes_the_version_in_force(orchestra):
    settings, defs, instance = orchestra
    drop(HANGZHOU, 2025, 2)
    pull(defs, instance)
    assert run_slice(defs, instance, f"{HANGZHOU}|2025Q2", with_report=False).success
    drop(HANGZHOU, 2025, 2, bad=True)  # v2: a slip, rejected; v1 stays in force
    pull(defs, instance)
    assert not run_slice(defs, instance, f"{HANGZHOU}|2025Q2", with_report=False).success
    drop(HANGZHOU, 2025, 2, scale=1.2)  # v3: the correction
    pull(defs, instance)
    assert run_slice(defs, instance, f"{HANGZHOU}|2025Q2", with_report=False).success

    state = versions(settings)
    assert [v for v, (_, in_force) in sorted(state.items()) if in_force] == [f"{HANGZHOU}-2025Q2-v3"]
    assert state[f"{HANGZHOU}-2025Q2-v2"] == ("退回", False)
    with duckdb.connect(str(settings.warehouse_path), read_only=True) as con:
        loaded = dict(con.execute("SELECT version_id, count(*) FROM raw_park_quarter GROUP BY 1").fetchall())
    assert set(loaded) == {f"{HANGZHOU}-2025Q2-v1", f"{HANGZHOU}-2025Q2-v3"}  # the rejected one loaded nothing


def test_backfill_of_a_year_from_the_cli_runs_every_quarter_of_the_city(workdir: Path):
    for quarter in (1, 2, 3, 4):
        drop(ZHOUSHAN, 2025, quarter)
    result = CliRunner().invoke(main, ["backfill", "--year", "2025", "--city", ZHOUSHAN, "--no-publish", "--json"])
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    slices = [r["partition"] for r in summary["runs"] if r["job"] == "intake"]
    assert slices == [f"{ZHOUSHAN}|2025Q{q}" for q in (1, 2, 3, 4)]
    assert summary["versions"] == {"已接收": 4}


def test_schedules_publish_only_after_new_intake_and_list_missing_cities(orchestra):
    settings, defs, instance = orchestra
    nightly = defs.get_schedule_def("nightly_publish_schedule")
    ctx = dg.build_schedule_context(instance=instance)
    assert isinstance(nightly.evaluate_tick(ctx).skip_message, str)

    drop(ZHOUSHAN, 2025, 4)
    pull(defs, instance)
    run_slice(defs, instance, f"{ZHOUSHAN}|2025Q4", with_report=False)
    (request,) = nightly.evaluate_tick(dg.build_schedule_context(instance=instance)).run_requests
    assert request.run_key.startswith("publish-")

    missing = defs.get_schedule_def("missing_submissions_schedule")
    when = dt.datetime(2026, 1, 21, 9, tzinfo=CHINA_TZ)
    (request,) = missing.evaluate_tick(dg.build_schedule_context(instance=instance, scheduled_execution_time=when)).run_requests
    result = defs.resolve_job_def("missing_submissions").execute_in_process(instance=instance, run_config=QUIET)
    assert result.success
    report = json.loads((settings.outbox_dir / "province" / "未报送城市_2025Q4.json").read_text(encoding="utf-8"))
    missing_codes = {m["city_code"] for m in report["missing"]}
    assert ZHOUSHAN not in missing_codes and HANGZHOU in missing_codes and len(missing_codes) == 10
    assert (settings.outbox_dir / HANGZHOU / "催报_2025Q4.json").exists()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_feedback_package_is_mailed_to_the_city_contact(workdir: Path, monkeypatch: pytest.MonkeyPatch):
    from aiosmtpd.controller import Controller

    received = []

    class Inbox:
        async def handle_DATA(self, server, session, envelope):
            received.append(envelope)
            return "250 OK"

    port = _free_port()
    controller = Controller(Inbox(), hostname="127.0.0.1", port=port)
    controller.start()
    try:
        cities = workdir / "cities.yaml"
        cities.write_text(
            f'cities:\n  - {{code: "{HANGZHOU}", name: 杭州市, drop: sources/inbox/{HANGZHOU}, email: tongji@hz.example}}\n',
            encoding="utf-8",
        )
        monkeypatch.setenv("GREENPARK_CITIES_YAML", str(cities))
        monkeypatch.setenv("GREENPARK_SMTP_HOST", "127.0.0.1")
        monkeypatch.setenv("GREENPARK_SMTP_PORT", str(port))
        settings = get_settings()
        ensure_dagster_home(settings)
        defs = build_definitions(settings)
        drop(HANGZHOU, 2025, 2, bad=True)
        with open_instance(settings) as instance:
            pull(defs, instance)
            run_slice(defs, instance, f"{HANGZHOU}|2025Q2", with_report=False)
    finally:
        controller.stop()
    (envelope,) = received
    assert envelope.rcpt_tos == ["tongji@hz.example"]
    mail = message_from_bytes(envelope.content, policy=email_policy)
    assert "退回" in mail["Subject"] and f"{HANGZHOU}-2025Q2-v1" in mail["Subject"]
    attachments = {part.get_filename() for part in mail.iter_attachments()}
    assert f"{HANGZHOU}-2025Q2-v1.html" in attachments and f"{HANGZHOU}-2025Q2-v1.json" in attachments
    assert "用电量" in mail.get_body(("plain",)).get_content()


def test_failed_run_is_logged_for_the_data_team_and_a_rejection_is_told_apart(orchestra):
    settings, defs, instance = orchestra
    drop(HANGZHOU, 2025, 2, bad=True)
    pull(defs, instance)
    rejected = run_slice(defs, instance, f"{HANGZHOU}|2025Q2", with_report=False)
    settings.warehouse_path.write_bytes(b"not a duckdb file")  # a broken warehouse: a real fault
    broken = run_slice(defs, instance, f"{ZHOUSHAN}|2025Q2", with_report=False)
    assert not rejected.success and not broken.success

    sensor = defs.get_sensor_def("run_failure_alert_sensor")
    for result in (rejected, broken):
        context = dg.build_run_status_sensor_context(
            sensor_name=sensor.name, dagster_instance=instance, dagster_run=result.dagster_run,
            dagster_event=result.get_run_failure_event(), resources={"settings": settings},
        ).for_run_failure()
        sensor(context)
    lines = (settings.workdir / "logs" / "run_failures.jsonl").read_text(encoding="utf-8").splitlines()
    records = [json.loads(line) for line in lines]
    assert [(r["partition"], r["kind"]) for r in records] == [
        (f"{HANGZHOU}|2025Q2", "rejected_submission"),
        (f"{ZHOUSHAN}|2025Q2", "failure"),
    ]


def test_watch_gives_feedback_for_new_files_and_publishes(workdir: Path):
    drop(ZHOUSHAN, 2025, 2)
    drop(HANGZHOU, 2025, 2, bad=True)
    result = CliRunner().invoke(main, ["watch", "--once"])
    assert result.exit_code == 0, result.output
    assert f"{ZHOUSHAN}-2025Q2-v1:已接收" in result.stdout
    assert f"{HANGZHOU}-2025Q2-v1:退回" in result.stdout
    assert "网站已更新" in result.stdout
    settings = get_settings()
    assert (settings.outbox_dir / HANGZHOU / f"{HANGZHOU}-2025Q2-v1.html").exists()
    assert (settings.site_public_dir / "parks" / "3309-01" / "2025.html").exists()


def test_a_decision_is_recorded_while_watch_waits_for_files(workdir: Path):
    """`greenpark watch` holds the run lock only while it processes a round, so between rounds the
    province can record a 动态管理 decision (CLI or console) without stopping it. A SIGTERM stops it
    cleanly, even when it was started with SIGTERM ignored (as a child of such a process is)."""
    import signal
    import subprocess
    import sys

    stderr = workdir / "watch.err"
    with stderr.open("w", encoding="utf-8") as err:  # a file, not a pipe nobody drains
        watcher = subprocess.Popen([sys.executable, "-m", "greenpark.cli", "watch", "--interval", "0.2"],
                                   stdout=subprocess.DEVNULL, stderr=err,
                                   preexec_fn=lambda: signal.signal(signal.SIGTERM, signal.SIG_IGN))
    try:
        deadline = time.monotonic() + 180
        while "已就绪" not in stderr.read_text(encoding="utf-8", errors="replace"):
            assert watcher.poll() is None, stderr.read_text(encoding="utf-8", errors="replace")
            assert time.monotonic() < deadline, "watch was not ready within 180 s"
            time.sleep(0.2)
        result = CliRunner().invoke(main, ["designations", "review", "3301-01", "--date", "2025-02-01",
                                           "--outcome", "通过"])
        assert result.exit_code == 0, result.output
    finally:
        watcher.terminate()
        try:
            stopped = watcher.wait(timeout=60)
        except subprocess.TimeoutExpired:
            watcher.kill()  # never leave it behind
            watcher.wait()
            raise
    assert stopped == 0 and "已停止" in stderr.read_text(encoding="utf-8"), stderr.read_text(encoding="utf-8")
