"""Prepare pending versions ahead, in a helper process, while the runs go one slice at a time.

A bulk load (a quarter's 11 files, a year's 44, a backfill) is one Dagster run per city-quarter,
run in order because a slice's checks read the quarters accepted before it. Parsing a workbook and
the rules that need the file alone (`processing.prepare`) depend on its bytes only, so they need
not wait: a helper process works through the pending versions in run order, up to LOOKAHEAD
ahead of the runs, which are left with the Dagster bookkeeping, the history rules, the feedback and the load. Each
side claims a version before working on it, so every version is prepared exactly once: the runs
prepare the first few themselves while the helper starts up, and any the helper failed on or
never got to (it died). On the province (44 files) the helper prepared 43 of them and the intake
took 22 s instead of 38 s (bench/RESULTS.md).

A run that finds its version not ready yet does not sit idle: it prepares the furthest unclaimed
version within LOOKAHEAD itself and keeps it for that version's run, so both cores prepare while the
helper is slow (Great Expectations loading at its first failing file takes it ~3 s).
"""

from __future__ import annotations

import contextlib
import multiprocessing as mp
import os
import pickle
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pandas as pd

from ..quality.validation import Validator
from ..settings import Settings
from .processing import Prepared, prepare

# Below this many versions the helper's start (~2 s of imports on the other core) buys nothing.
MIN_VERSIONS = 4
# How far the helper may run ahead of the runs: it prepares faster than a run consumes, and every
# prepared workbook waiting is a few MB (a national bulk load is 400 files).
LOOKAHEAD = 8
_active: Prefetcher | None = None


class Prefetcher:
    """The helper hands over each preparation as a pickle file in a private folder, and says so in
    a one-line notice on a one-way pipe whose only write end it holds. So the runs never read a
    half-sent result (a notice is far below the pipe's atomic write size), and a helper that dies,
    however it dies, reads as end-of-file instead of a read that never returns. (A multiprocessing
    queue streamed the multi-MB results through the pipe; a helper killed mid-message left the run
    waiting forever for the rest, seen on the realistic province set.)"""

    def __init__(self, versions: pd.DataFrame, settings: Settings, validator: Validator):
        ctx = mp.get_context("spawn")  # the parent runs Dagster's threads: never fork it
        rows = [row for _, row in versions.iterrows()]
        self._rows, self._validator = rows, validator
        self._index = {row["version_id"]: i for i, row in enumerate(rows)}
        self._own: dict[int, Prepared | None] = {}  # prepared here while waiting, for a later run
        self._claims = ctx.Array("b", len(rows))
        self._room = ctx.Semaphore(LOOKAHEAD)
        self._folder = Path(tempfile.mkdtemp(prefix="greenpark-prefetch-"))
        self._notices, sender = ctx.Pipe(duplex=False)
        self._ready: dict[int, bool] = {}
        self._gone = False
        self.by_helper = 0
        self.by_runs_waiting = 0
        self._helper = ctx.Process(target=_work, args=(rows, settings, self._claims, sender, self._room, str(self._folder)),
                                   daemon=True, name="greenpark-prefetch")
        self._helper.start()
        sender.close()  # the helper now holds the only write end

    def take(self, version_id: str) -> Prepared | None:
        """The helper's preparation of this version, or None if the caller should prepare it."""
        i = self._index.get(version_id)
        if i is None:
            return None
        if i in self._own:
            return self._own.pop(i)
        if _claim(self._claims, i):
            return None
        while i not in self._ready:
            if self._gone:
                return None  # it died holding the claim
            try:
                if not self._notices.poll(0) and self._prepare_one_ahead(i):
                    continue
                j, ok = self._notices.recv()
            except (EOFError, OSError):
                self._gone = True
                continue
            self._ready[j] = ok
        ok = self._ready.pop(i)
        self._room.release()
        prepared = _load(self._folder / f"{i}.pickle") if ok else None
        self.by_helper += prepared is not None
        return prepared

    def _prepare_one_ahead(self, i: int) -> bool:
        """While version i is not ready: prepare the furthest unclaimed version of the next
        LOOKAHEAD here (the helper works from the nearest). False if there is none."""
        for j in range(min(i + LOOKAHEAD, len(self._rows) - 1), i, -1):
            if _claim(self._claims, j):
                self._own[j] = None  # if this is interrupted, j's own run prepares it
                self._own[j] = _prepared_or_none(self._validator, self._rows[j])
                self.by_runs_waiting += self._own[j] is not None
                return True
        return False

    def close(self) -> None:
        self._own.clear()
        for i in range(len(self._claims)):  # nothing left for the helper to start
            _claim(self._claims, i)
        self._helper.join(timeout=30)
        if self._helper.is_alive():
            self._helper.terminate()
            self._helper.join()
        self._notices.close()
        shutil.rmtree(self._folder, ignore_errors=True)


def _claim(claims, i: int) -> bool:
    with claims.get_lock():
        if claims[i]:
            return False
        claims[i] = 1
        return True


def _load(path: Path) -> Prepared | None:
    try:
        with open(path, "rb") as fh:
            return pickle.load(fh)
    except Exception:
        return None
    finally:
        path.unlink(missing_ok=True)


def _work(rows: list[pd.Series], settings: Settings, claims, notices, room, folder: str) -> None:
    validator = Validator(settings)  # the parent's settings, pickled: same rules, same limits
    parent = mp.parent_process()
    for i in range(len(rows)):
        held = _room_for(i, room, claims, parent)
        if held is None:
            return
        if not held:
            continue
        if _claim(claims, i):
            ok = _dump(_prepared_or_none(validator, rows[i]), Path(folder) / f"{i}.pickle")
            try:
                notices.send((i, ok))
            except OSError:  # the parent is gone
                return
        else:
            room.release()  # the run got there first


def _dump(prepared: Prepared | None, path: Path) -> bool:
    if prepared is None:
        return False
    tmp = path.with_suffix(".tmp")
    try:
        with open(tmp, "wb") as fh:
            pickle.dump(prepared, fh, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, path)
    except Exception:
        tmp.unlink(missing_ok=True)
        return False
    return True


def _room_for(i: int, room, claims, parent) -> bool | None:
    """Wait until fewer than LOOKAHEAD prepared versions are waiting. True: a place is held for
    version i; False: the runs have claimed i meanwhile; None: the parent is gone."""
    while not room.acquire(timeout=0.2):
        if not parent.is_alive():
            return None
        if claims[i]:
            return False
    return True


def _prepared_or_none(validator, row: pd.Series) -> Prepared | None:
    try:
        return prepare(validator, row)
    except Exception:
        return None


@contextlib.contextmanager
def prefetching(versions: pd.DataFrame, settings: Settings, validator: Validator) -> Iterator[Prefetcher | None]:
    """While open, `take` serves the helper's work on these versions (in processing order).
    `validator`: the runs' own, for the versions they prepare while they wait."""
    global _active
    if len(versions) < MIN_VERSIONS or _active is not None:
        yield None
        return
    _active = Prefetcher(versions, settings, validator)
    try:
        yield _active
    finally:
        _active.close()
        _active = None


def take(version_id: str) -> Prepared | None:
    return _active.take(version_id) if _active is not None else None
