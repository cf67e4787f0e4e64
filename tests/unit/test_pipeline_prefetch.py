"""The prefetch helper (pipeline/prefetch.py): what it prepares in its own process is exactly what
the run would have prepared itself, each version is prepared once, and a helper that dies costs
nothing but time."""

from __future__ import annotations

import os
import signal
import threading
import time
from pathlib import Path

import pandas as pd
import pytest
from fixtures.workbooks import valid_submission, write_workbook
from greenpark.pipeline import prefetch
from greenpark.intake.archive import pull_all
from greenpark.pipeline.processing import prepare
from greenpark.intake.warehouse import connect, pending_versions
from greenpark.quality.validation import Validator
from greenpark.registry import City
from greenpark.settings import get_settings


@pytest.fixture
def pending(workdir: Path) -> pd.DataFrame:
    """Six pending versions of one city: clean quarters, one with a negative cell (so GX runs in
    both processes) and one that is not a workbook at all."""
    drop = workdir / "sources" / "inbox" / "330100"
    for year, quarter in ((2024, 3), (2024, 4), (2025, 1), (2025, 2)):
        write_workbook(drop / f"330100_{year}Q{quarter}.xlsx", valid_submission(annual=quarter == 4))
    broken = valid_submission(annual=False)
    broken["park_quarter"][0]["natural_gas"] = -5
    write_workbook(drop / "330100_2025Q3.xlsx", broken)
    (drop / "330100_2024Q2.xlsx").write_bytes(b"<html>not a workbook</html>")
    with connect(get_settings().warehouse_path) as con:
        pull_all(con, get_settings().archive_dir, [City(code="330100", name="杭州市", drop_url=str(drop))])
        versions = pending_versions(con)
    assert len(versions) == 6
    return versions


def _same(a, b) -> None:
    assert sorted(a.file_findings, key=lambda f: (f.sort_key, f.message_zh)) == \
        sorted(b.file_findings, key=lambda f: (f.sort_key, f.message_zh))
    assert a.parsed.frames.keys() == b.parsed.frames.keys()
    for key in a.parsed.frames:
        pd.testing.assert_frame_equal(a.parsed.frames[key], b.parsed.frames[key])


def _wait_for_helper(helper: prefetch.Prefetcher, index: int, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not helper._claims[index] and time.monotonic() < deadline:
        time.sleep(0.05)
    assert helper._claims[index], "the helper never started"


def test_helper_prepares_what_the_run_would(pending):
    validator = Validator(get_settings())
    inline = {row["version_id"]: prepare(validator, row) for _, row in pending.iterrows()}
    with prefetching_started(pending) as helper:
        taken = {}
        for _, row in pending.iterrows():
            taken[row["version_id"]] = prefetch.take(row["version_id"]) or prepare(validator, row)
    assert helper.by_helper >= 1
    assert taken.keys() == inline.keys()
    for version_id in inline:
        _same(taken[version_id], inline[version_id])
    assert any(f.rule_id == "value.nonnegative" for p in inline.values() for f in p.file_findings)


def test_the_helper_runs_only_a_few_versions_ahead(pending, monkeypatch):
    monkeypatch.setattr(prefetch, "LOOKAHEAD", 2)
    validator = Validator(get_settings())
    with prefetching_started(pending) as helper:
        time.sleep(3)  # time enough to prepare all six clean-ish files if nothing held it back
        assert sum(helper._claims) == 2
        taken = [prefetch.take(row["version_id"]) or prepare(validator, row) for _, row in pending.iterrows()]
    assert len(taken) == len(pending)
    assert helper.by_helper >= 2


def test_a_dead_helper_leaves_the_work_to_the_run(pending):
    validator = Validator(get_settings())
    inline = {row["version_id"]: prepare(validator, row) for _, row in pending.iterrows()}
    with prefetching_started(pending) as helper:
        helper._helper.kill()
        helper._helper.join()
        results = {row["version_id"]: prefetch.take(row["version_id"]) or prepare(validator, row)
                   for _, row in pending.iterrows()}
    assert helper.by_helper < len(pending)  # killed early: the run prepared the rest itself
    assert results.keys() == inline.keys()
    for version_id in inline:
        _same(results[version_id], inline[version_id])


def test_a_helper_killed_with_big_results_unread_never_hangs_the_run(workdir: Path, monkeypatch):
    """Preparations of ~2,000 enterprise rows (far more than a pipe holds) waiting unread when the
    helper is killed: the run takes them or prepares them itself, and never waits for the rest of a
    half-sent result (what a multiprocessing queue did)."""
    monkeypatch.setattr(prefetch, "LOOKAHEAD", 2)
    drop = workdir / "sources" / "inbox" / "330100"
    for quarter in (1, 2, 3, 4):
        write_workbook(drop / f"330100_2025Q{quarter}.xlsx", valid_submission(per_park=100, annual=quarter == 4))
    with connect(get_settings().warehouse_path) as con:
        pull_all(con, get_settings().archive_dir, [City(code="330100", name="杭州市", drop_url=str(drop))])
        versions = pending_versions(con)
    with prefetching_started(versions) as helper:
        _wait_for_helper(helper, 1)  # version 0 is prepared and handed over
        time.sleep(2)
        helper._helper.kill()
        helper._helper.join()
        taken: dict = {}
        worker = threading.Thread(target=lambda: taken.update({v: prefetch.take(v) for v in versions.version_id}),
                                  daemon=True)
        worker.start()
        worker.join(60)
        assert not worker.is_alive(), "the run hangs on a dead helper"
    assert len(taken) == 4 and taken[versions.version_id.iloc[0]] is not None


def test_a_run_waiting_for_the_helper_prepares_later_versions_itself(pending, monkeypatch):
    """The helper holds version 0 and stalls (in life: loading GX at its first failing file). The
    run waiting for version 0 prepares the furthest versions of its look-ahead meanwhile (3, 2, 1),
    each once, and their runs get exactly what they would have prepared themselves."""
    monkeypatch.setattr(prefetch, "LOOKAHEAD", 3)
    validator = Validator(get_settings())
    inline = {row["version_id"]: prepare(validator, row) for _, row in pending.iterrows()}
    ids = list(pending.version_id)
    with prefetch.prefetching(pending, get_settings(), validator) as helper:
        os.kill(helper._helper.pid, signal.SIGSTOP)  # still importing: it has claimed nothing
        try:
            assert sum(helper._claims) == 0
            helper._claims[0] = 1  # as the helper does when it starts on version 0
            first: dict = {}
            waiting = threading.Thread(target=lambda: first.update(p=prefetch.take(ids[0])), daemon=True)
            waiting.start()
            deadline = time.monotonic() + 60
            while helper.by_runs_waiting < 3 and time.monotonic() < deadline:
                time.sleep(0.05)
            time.sleep(0.5)
            assert helper.by_runs_waiting == 3 and list(helper._claims) == [1, 1, 1, 1, 0, 0]
            assert waiting.is_alive()  # still waiting for version 0, which the helper holds
        finally:
            helper._helper.kill()  # it dies holding version 0: its run prepares it itself
        waiting.join(60)
        assert first["p"] is None
        taken = {v: prefetch.take(v) for v in ids}
    assert [v for v in ids if taken[v] is not None] == ids[1:4]  # prepared while waiting, kept for their runs
    for version_id in ids[1:4]:
        _same(taken[version_id], inline[version_id])


def test_a_run_interrupted_while_preparing_ahead_never_hangs_a_later_run(pending, monkeypatch):
    """Ctrl+C (or Dagster's interruption) inside a version prepared ahead: Dagster records the run
    and the loop goes on, so that version's own run must not wait for a result nobody will send."""
    monkeypatch.setattr(prefetch, "LOOKAHEAD", 3)
    ids = list(pending.version_id)

    def interrupted(validator, row):
        raise KeyboardInterrupt

    with prefetch.prefetching(pending, get_settings(), Validator(get_settings())) as helper:
        os.kill(helper._helper.pid, signal.SIGSTOP)  # still importing: it has claimed nothing
        try:
            helper._claims[0] = 1  # the helper's, as if it started on version 0
            monkeypatch.setattr(prefetch, "_prepared_or_none", interrupted)
            with pytest.raises(KeyboardInterrupt):
                prefetch.take(ids[0])  # waits, prepares version 3 meanwhile, is interrupted
            monkeypatch.undo()
            later: dict = {}
            run = threading.Thread(target=lambda: later.update(p=prefetch.take(ids[3])), daemon=True)
            run.start()
            run.join(10)
            assert not run.is_alive(), "version 3's run waits forever"
            assert later["p"] is None  # its run prepares it itself
        finally:
            helper._helper.kill()


def test_few_versions_are_not_worth_a_helper(pending):
    with prefetch.prefetching(pending.head(prefetch.MIN_VERSIONS - 1), get_settings(), Validator(get_settings())) as helper:
        assert helper is None
        assert prefetch.take(pending.version_id.iloc[0]) is None


class prefetching_started:
    """`prefetching`, once the helper has claimed the first version (it works in run order)."""

    def __init__(self, versions: pd.DataFrame):
        self._cm = prefetch.prefetching(versions, get_settings(), Validator(get_settings()))

    def __enter__(self) -> prefetch.Prefetcher:
        helper = self._cm.__enter__()
        _wait_for_helper(helper, 0)
        return helper

    def __exit__(self, *exc):
        return self._cm.__exit__(*exc)
