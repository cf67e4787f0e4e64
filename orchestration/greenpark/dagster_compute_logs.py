"""Dagster's local compute logs (each step's stdout and stderr, kept for the UI) captured without
starting processes.

Dagster's `LocalComputeLogManager` points the process's stdout and stderr at a file for each step
and mirrors the file back to the terminal through `tail -F`, with a Python watcher process per
stream that kills the tail if the run process dies: four processes started and stopped for every
run (each run here executes its steps together). A province bulk load is 46 runs; measured, that
is ~40 ms of wall and ~27 ms of CPU a run, ~1.8 s of a `greenpark run`, and a cProfile share of a
quarter of Dagster's per-run cost.

Here the same files get the same bytes through a pipe read by a thread in this process, which
writes each chunk to the file and to the original stream (a tee). Nothing can be orphaned: the
thread ends with the process. The files, their place under DAGSTER_HOME/storage and the
"capture complete" marker are Dagster's, so the UI reads them as before.
"""

from __future__ import annotations

import os
import sys
import threading
from collections.abc import Generator, Iterator, Sequence
from contextlib import contextmanager

from dagster._core.execution.compute_logs import should_disable_io_stream_redirect
from dagster._core.storage.compute_log_manager import CapturedLogContext, ComputeIOType
from dagster._core.storage.local_compute_log_manager import IO_TYPE_EXTENSION, LocalComputeLogManager
from dagster._utils import ensure_file, touch_file

# A child process started by a step may outlive it while holding the pipe; the step does not wait
# for it longer than this (the thread keeps copying its output until it closes the pipe).
DRAIN_WAIT_S = 5.0


def _fileno(stream) -> int | None:
    try:
        return stream.fileno()
    except (AttributeError, OSError, ValueError):  # io.UnsupportedOperation is an OSError
        return None


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


def _pump(read_fd: int, log_path: str, mirror_fd: int) -> None:
    """Copy everything written to the pipe to the log file and the original stream, until EOF.
    The pipe is drained to the end whatever happens to either copy: a log file that cannot be
    opened or written (disk full, permissions) must never leave the step writing into a pipe
    nobody reads (a BrokenPipeError, or SIGPIPE killing a child such as dbt)."""
    log = None
    try:
        log = open(log_path, "ab", buffering=0)  # closed in finally, or dropped early on a write error
    except OSError:
        pass
    try:
        while chunk := os.read(read_fd, 65536):
            if log is not None:
                try:
                    _write_all(log.fileno(), chunk)
                except OSError:  # the log is lost from here on; the run goes on
                    log.close()
                    log = None
            try:
                _write_all(mirror_fd, chunk)
            except OSError:  # the terminal went away: keep the log complete
                pass
    finally:
        if log is not None:
            log.close()
        os.close(read_fd)
        os.close(mirror_fd)


@contextmanager
def tee_stream_to_file(stream, path: str) -> Iterator[None]:
    """While inside, whatever this process (and any child it starts) writes to `stream`'s file
    descriptor goes to `path` (appended) and still to the original destination."""
    ensure_file(path)
    fd = _fileno(stream)
    if fd is None or should_disable_io_stream_redirect():
        yield  # as Dagster: a stream without a descriptor (a test runner's) is not captured
        return
    stream.flush()
    original = os.dup(fd)  # ours, to put the stream back
    read_fd, write_fd = os.pipe()
    thread = threading.Thread(target=_pump, args=(read_fd, path, os.dup(fd)), name="compute-log-tee", daemon=True)
    thread.start()
    os.dup2(write_fd, fd)
    os.close(write_fd)
    try:
        yield
    finally:
        try:
            stream.flush()
        finally:
            os.dup2(original, fd)  # closes our end of the pipe: the thread reads to EOF and ends
            os.close(original)
            thread.join(DRAIN_WAIT_S)


class GreenparkComputeLogManager(LocalComputeLogManager):
    """`LocalComputeLogManager` with the tee above instead of `tail -F` and watcher processes.

    `base_dir`: DAGSTER_HOME; the logs go to its `storage` folder, Dagster's default place."""

    def __init__(self, base_dir: str, polling_timeout: float | None = None, inst_data=None):
        super().__init__(os.path.join(base_dir, "storage"), polling_timeout=polling_timeout, inst_data=inst_data)

    @classmethod
    def from_config_value(cls, inst_data, config_value) -> GreenparkComputeLogManager:
        return cls(inst_data=inst_data, **config_value)

    @contextmanager
    def capture_logs(self, log_key: Sequence[str]) -> Generator[CapturedLogContext, None, None]:
        outpath = self.get_captured_local_path(log_key, IO_TYPE_EXTENSION[ComputeIOType.STDOUT])
        errpath = self.get_captured_local_path(log_key, IO_TYPE_EXTENSION[ComputeIOType.STDERR])
        with tee_stream_to_file(sys.stdout, outpath), tee_stream_to_file(sys.stderr, errpath):
            yield CapturedLogContext(log_key)
        touch_file(self.complete_artifact_path(log_key))
