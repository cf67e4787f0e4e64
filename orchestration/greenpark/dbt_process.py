"""dbt as a process greenpark starts itself: the executable beside this Python, and a parse of the
project into a work dir's run target made ahead of that work dir's first `dbt build`.

Why ahead: dbt reuses a saved parse only for the same profile, and the profile holds the warehouse
path. So the first build in a new work dir (a first deployment, a backfill into a fresh folder)
parses the whole project again: `dbt parse` takes 4.7 s there against 2.5 s with a parse to reuse
(dagster-dbt's copy of the project's own saved parse does not help, its profile differs). While
`greenpark run` imports Dagster, opens its instance and pulls the drops, one core is idle; the parse
runs on it, and the build waits for it (`wait_for_parse`) and then reuses it. A work dir that
already holds a parse starts nothing.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

from .settings import Settings

PARTIAL_PARSE = "partial_parse.msgpack"  # dbt's saved parse, in the target folder
# The parse takes the cycles the run leaves: it must not slow the intake, whose two processes keep
# both cores busy (a parse at normal priority slowed the province intake by ~2 s).
PARSE_NICENESS = 10

# How long a build waits for the parse made ahead (~5 s on a busy province run) before stopping it
# and parsing itself: a parse that hangs must not hold the run.
PARSE_WAIT_S = 120
# Parses under way, by run target folder: the build of that folder waits for its parse.
_ahead: dict[Path, subprocess.Popen] = {}


def dbt_executable() -> str:
    """The dbt installed beside this Python, so `.venv/bin/greenpark` works without an activated venv."""
    beside = Path(sys.executable).parent / "dbt"
    return str(beside) if beside.exists() else "dbt"


@contextlib.contextmanager
def parsed_ahead(settings: Settings) -> Iterator[None]:
    """While open, `dbt parse` fills this work dir's run target if it holds no parse yet. A parse
    still running on the way out served no build (the build waits for it): it is stopped, so none
    outlives the block. (A killed `greenpark run` can leave one behind; the next build then finds
    an unreadable or missing parse and parses itself.)"""
    target = settings.dbt_run_target_dir
    if (target / PARTIAL_PARSE).exists() or target in _ahead:
        yield
        return
    target.mkdir(parents=True, exist_ok=True)
    project = str(settings.dbt_project_dir)
    # dbt's own log goes beside its artefacts, as for the builds (dagster-dbt's DBT_LOG_PATH); the
    # parse prints nothing a person needs: a failed parse only means the build parses itself.
    try:
        process = subprocess.Popen(
            [dbt_executable(), "parse", "--quiet", "--project-dir", project, "--profiles-dir", project,
             "--target-path", str(target), "--log-path", str(target)],
            cwd=project, env=settings.tool_environment(), stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
    except OSError:  # no dbt to start: the build, which needs it too, says so in its own step
        process = None
    if process is None:
        yield
        return
    with contextlib.suppress(OSError):  # it may have ended already
        os.setpriority(os.PRIO_PROCESS, process.pid, PARSE_NICENESS)
    _ahead[target] = process
    try:
        yield
    finally:
        _stop(process)
        del _ahead[target]


def wait_for_parse(target: Path) -> None:
    """Return once no parse made ahead is still writing `target` (at once if none was started)."""
    process = _ahead.get(target)
    if process is not None:
        try:
            process.wait(timeout=PARSE_WAIT_S)
        except subprocess.TimeoutExpired:
            _stop(process)


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.kill()
    process.wait()
