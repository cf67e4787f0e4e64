"""The project's Dagster instance (dagster_home.py): embedded SQLite storage with pooled connections
and compute logs captured by a thread, not by `tail` and watcher processes (both for the speed of
many small runs, issue 16). The step output must still reach the captured files and the terminal,
and what one instance writes must be read by another."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import dagster as dg
import pytest
from greenpark.dagster_compute_logs import GreenparkComputeLogManager, tee_stream_to_file
from greenpark.dagster_home import ensure_dagster_home, open_instance
from greenpark.dagster_storage import GreenparkSqliteEventLogStorage, GreenparkSqliteRunStorage
from greenpark.settings import get_settings


def test_tee_copies_the_process_and_its_children_to_the_file_and_the_stream(tmp_path: Path, capfd) -> None:
    log = tmp_path / "step.out"
    stream = sys.__stdout__  # fd 1, which capfd has pointed at its own file (sys.stdout is pytest's)
    with tee_stream_to_file(stream, str(log)):
        os.write(1, "本进程输出\n".encode())
        subprocess.run(["sh", "-c", "echo child-line"], check=True)
    os.write(1, b"after\n")
    assert log.read_text(encoding="utf-8") == "本进程输出\nchild-line\n"  # only what the step wrote
    assert capfd.readouterr().out == "本进程输出\nchild-line\nafter\n"  # mirrored, in order


def test_a_log_file_that_cannot_be_written_never_breaks_the_step(capfd) -> None:
    """/dev/full refuses every write (as a full disk does): the step and its children still write
    everything, which still reaches the stream, instead of a broken pipe or a SIGPIPE'd child."""
    stream = sys.__stdout__
    with tee_stream_to_file(stream, "/dev/full"):
        os.write(1, b"x" * 100_000)
        subprocess.run(["sh", "-c", "head -c 300000 /dev/zero | tr '\\0' y"], check=True, timeout=60)
    out = capfd.readouterr().out
    assert out == "x" * 100_000 + "y" * 300_000


@dg.op
def noisy() -> int:
    os.write(1, b"op-stdout\n")
    subprocess.run(["sh", "-c", "echo op-child-stderr >&2"], check=True)
    return 1


@dg.job
def noisy_job() -> None:
    noisy()


def test_runs_capture_step_output_without_starting_processes(workdir: Path, monkeypatch, capfd) -> None:
    # The process's real streams (fds 1 and 2, which capfd holds), as in a `greenpark run`.
    monkeypatch.setattr(sys, "stdout", sys.__stdout__)
    monkeypatch.setattr(sys, "stderr", sys.__stderr__)
    settings = get_settings()
    ensure_dagster_home(settings)
    started: list[list[str]] = []
    real_popen = subprocess.Popen

    def recording_popen(args, *a, **kw):
        started.append(list(args) if isinstance(args, (list, tuple)) else [str(args)])
        return real_popen(args, *a, **kw)

    monkeypatch.setattr(subprocess, "Popen", recording_popen)
    with open_instance(settings) as instance:
        assert isinstance(instance.compute_log_manager, GreenparkComputeLogManager)
        assert isinstance(instance.run_storage, GreenparkSqliteRunStorage)
        assert isinstance(instance.event_log_storage, GreenparkSqliteEventLogStorage)
        result = noisy_job.execute_in_process(instance=instance)
        assert result.success
        captured = [
            e for e in instance.all_logs(result.run_id) if e.dagster_event_type == dg.DagsterEventType.LOGS_CAPTURED
        ]
        assert captured
        log_key = instance.compute_log_manager.build_log_key_for_run(
            result.run_id, captured[0].dagster_event.logs_captured_data.file_key
        )
        data = instance.compute_log_manager.get_log_data(log_key)
        assert b"op-stdout" in data.stdout
        assert b"op-child-stderr" in data.stderr
        assert instance.compute_log_manager.is_capture_complete(log_key)
        out_path = Path(instance.compute_log_manager.get_captured_local_path(log_key, "out"))
        assert settings.dagster_home / "storage" in out_path.parents  # Dagster's default place
    # Only the op's own child: no `tail -F`, no watcher interpreter per stream.
    assert [cmd[0] for cmd in started] == ["sh"]
    terminal = capfd.readouterr()  # still mirrored to the terminal
    assert "op-stdout" in terminal.out and "op-child-stderr" in terminal.err

    # A second instance (as the webserver or the next `greenpark run`) reads what the first wrote
    # through its pooled connections.
    with open_instance(settings) as other:
        run = other.get_run_by_id(result.run_id)
        assert run is not None and run.is_success
        assert any(e.dagster_event_type == dg.DagsterEventType.STEP_SUCCESS for e in other.all_logs(result.run_id))


@pytest.mark.parametrize("storage", ["run_storage", "event_log_storage"])
def test_storage_reuses_its_connections(workdir: Path, storage: str) -> None:
    settings = get_settings()
    ensure_dagster_home(settings)
    with open_instance(settings) as instance:
        noisy_job.execute_in_process(instance=instance)
        engine = getattr(instance, storage)._engine
        opened = engine.pool.checkedin() + engine.pool.checkedout()
        for _ in range(20):
            instance.get_runs(limit=1)
            instance.all_logs(instance.get_runs(limit=1)[0].run_id)
        assert engine.pool.checkedin() + engine.pool.checkedout() == opened <= 4
