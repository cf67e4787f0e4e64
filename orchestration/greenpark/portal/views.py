"""What the pages and the API read: the versions registry (a cached snapshot of the warehouse's
`submission_versions`), the year × quarter grid, deadlines and reminders, feedback files.

The snapshot is re-read only when the warehouse file (or its WAL) changed, and only when no
pipeline run holds the warehouse: a run's dbt opens the file itself and must not find a reader in
its way. While a run holds it the pages show the last snapshot and say so.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from ..submission.contract import DUE_DAY, due_date
from ..intake.warehouse import (
    STATUS_PENDING,
    WarehouseBusyError,
    connect,
    exclusive_run,
    table_names,
)
from ..submission.findings import (
    STATUS_ACCEPTED,
    STATUS_ACCEPTED_WITH_WARNINGS,
    STATUS_REJECTED,
    STATUS_UNREADABLE,
)
from ..quality.history import previous_quarter
from ..settings import Settings

COLUMNS = ["version_id", "city_code", "year", "quarter", "version_no", "filename", "sha256", "size_bytes",
           "received_at", "status", "in_force", "n_fatal", "n_error", "n_warning"]
READ_WAIT_S = 0.5


@dataclass
class Snapshot:
    versions: pd.DataFrame
    read_at: float
    stale: bool = False  # a run held the warehouse: older data is shown
    key: tuple = field(default=())
    by_city: dict = field(default_factory=dict)  # city_versions results for this snapshot


class VersionsView:
    def __init__(self, settings: Settings):
        self.settings = settings
        self._lock = threading.Lock()
        self._snapshot = Snapshot(pd.DataFrame(columns=COLUMNS), 0.0, key=("none",))

    def _key(self) -> tuple:
        path = self.settings.warehouse_path
        out = []
        for p in (path, path.with_name(path.name + ".wal")):
            try:
                st = os.stat(p)
                out.append((st.st_mtime_ns, st.st_size))
            except FileNotFoundError:
                out.append(None)
        return tuple(out)

    def snapshot(self, warehouse_lock: threading.Lock | None = None) -> Snapshot:
        key = self._key()
        with self._lock:
            if key == self._snapshot.key and not self._snapshot.stale:
                return self._snapshot
            if key[0] is None:
                self._snapshot = Snapshot(pd.DataFrame(columns=COLUMNS), time.time(), key=key)
                return self._snapshot
            try:
                with (warehouse_lock or contextlib.nullcontext()), \
                        exclusive_run(self.settings.warehouse_path, wait_seconds=READ_WAIT_S), \
                        connect(self.settings.warehouse_path, read_only=True, wait_seconds=READ_WAIT_S) as con:
                    frame = (con.execute(f"SELECT {', '.join(COLUMNS)} FROM submission_versions ORDER BY version_id").df()
                             if "submission_versions" in table_names(con) else pd.DataFrame(columns=COLUMNS))
                self._snapshot = Snapshot(frame, time.time(), key=self._key())
            except WarehouseBusyError:
                self._snapshot.stale = True
            return self._snapshot


def city_versions(snapshot: Snapshot, city_code: str, portal_statuses: dict[str, str] | None = None) -> pd.DataFrame:
    """The city's versions, newest first; `shown` is the status to show: the warehouse's, or for a
    version no run has processed yet, the one the portal's rules gave it at upload."""
    statuses = portal_statuses or {}
    cache_key = (city_code, tuple(sorted(statuses.items())))
    if cache_key in snapshot.by_city:
        return snapshot.by_city[cache_key]
    v = snapshot.versions
    mine = v[v.city_code == city_code].sort_values(["received_at", "version_id"], ascending=False).copy()
    mine["shown"] = [statuses.get(vid, status) if status == STATUS_PENDING else status
                     for vid, status in zip(mine.version_id, mine.status)]
    if len(snapshot.by_city) > 256:
        snapshot.by_city.clear()
    snapshot.by_city[cache_key] = mine
    return mine


def version_row(snapshot: Snapshot, version_id: str) -> dict | None:
    v = snapshot.versions
    hit = v[v.version_id == version_id]
    return None if hit.empty else hit.iloc[0].to_dict()


def due_quarter(today: dt.date) -> tuple[int, int]:
    """The quarter a clerk is most likely uploading now: the last finished quarter."""
    return previous_quarter(today.year, (today.month - 1) // 3 + 1)


# --- the year × quarter grid -------------------------------------------------------------------
@dataclass(frozen=True)
class Cell:
    year: int
    quarter: int
    kind: str  # accepted / warnings / rejected / pending / missing / open / future
    label: str
    version_in_force: str | None
    late_days: int
    versions: int
    due: dt.date


KIND_TEXT = {"accepted": STATUS_ACCEPTED, "warnings": STATUS_ACCEPTED_WITH_WARNINGS, "rejected": STATUS_REJECTED,
             "pending": "已接收,待入库", "missing": "未报送", "open": "报送期内", "future": "季度未结束"}


def days_late(received, due: dt.date) -> int:
    """Days after the deadline `due` (0 when on time): of a version received at `received`, or of a
    quarter still missing on day `received`. The one lateness of the grid, the console and its trends."""
    return max(0, (pd.Timestamp(received).date() - due).days)


def grid(versions: pd.DataFrame, years: list[int], today: dt.date, due_day: int = DUE_DAY) -> list[list[Cell]]:
    out = []
    for year in years:
        row = []
        for quarter in (1, 2, 3, 4):
            due = due_date(year, quarter, due_day)
            mine = versions[(versions.year == year) & (versions.quarter == quarter)]
            in_force = mine[mine.in_force.astype(bool)]
            late = 0
            if len(in_force):
                v = in_force.iloc[0]
                late = days_late(v.received_at, due)
                kind = "warnings" if v.status == STATUS_ACCEPTED_WITH_WARNINGS else "accepted"
            elif (mine.status == STATUS_PENDING).any():
                shown = mine[mine.status == STATUS_PENDING].sort_values("version_no").shown.iloc[-1]
                kind = "rejected" if shown in (STATUS_REJECTED, STATUS_UNREADABLE) else "pending"
            elif len(mine):
                kind = "rejected"
            elif today > due:
                kind, late = "missing", days_late(today, due)
            else:  # the quarter has ended once the first day of the month after it (its "due day 1") came
                kind = "open" if today >= due_date(year, quarter, due_day=1) else "future"
            label = KIND_TEXT[kind]
            if late and kind in ("accepted", "warnings"):
                label += f"(逾期 {late} 天)"
            elif kind == "missing":
                label += f"(已逾期 {late} 天)"
            row.append(Cell(year, quarter, kind, label, in_force.iloc[0].version_id if len(in_force) else None,
                            late, len(mine), due))
        out.append(row)
    return out


def grid_years(versions: pd.DataFrame, today: dt.date, most: int | None = 6) -> list[int]:
    """This year and every earlier year with a version, the last `most` of them (None: all)."""
    years = sorted(y for y in {int(y) for y in versions.year.dropna()} | {today.year} if y <= today.year)
    return years[-most:] if most else years


# --- deadlines and reminders -------------------------------------------------------------------
def deadlines(versions: pd.DataFrame, today: dt.date, due_day: int = DUE_DAY) -> list[dict]:
    """This year's and last year's quarters with their deadline and the city's standing."""
    rows = []
    cells = grid(versions, [today.year - 1, today.year], today, due_day)
    for row in cells:
        for cell in row:
            if cell.kind == "future":
                continue
            rows.append({"period": f"{cell.year} 年第 {cell.quarter} 季度", "due": cell.due,
                         "days_left": (cell.due - today).days, "state": cell.label, "kind": cell.kind})
    return rows[::-1]


def reminders(outbox_dir: Path, city_code: str) -> list[dict]:
    """催报 notices the deadline schedule wrote into the city's outbox."""
    folder = outbox_dir / city_code
    out = []
    for path in sorted(folder.glob("催报_*.json"), reverse=True) if folder.is_dir() else ():
        try:
            out.append(json.loads(path.read_text(encoding="utf-8")))
        except (OSError, ValueError):
            continue
    return out


# --- feedback files ----------------------------------------------------------------------------
FEEDBACK_KINDS = {"json": ("{vid}.json", "application/json"),
                  "html": ("{vid}.html", "text/html; charset=utf-8"),
                  "xlsx": ("{vid}_标注.xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")}


def feedback_file(outbox_dir: Path, city_code: str, version_id: str, kind: str) -> Path:
    name, _ = FEEDBACK_KINDS[kind]
    return outbox_dir / city_code / name.format(vid=version_id)


def outbox_payload(outbox_dir: Path, city_code: str, version_id: str) -> dict | None:
    path = feedback_file(outbox_dir, city_code, version_id, "json")
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


STATUS_CLASS = {STATUS_ACCEPTED: "ok", STATUS_ACCEPTED_WITH_WARNINGS: "warn", STATUS_REJECTED: "bad",
                STATUS_UNREADABLE: "bad", STATUS_PENDING: "pending"}
# A status as people read it where it differs from the warehouse's word: a version registered but
# not processed by a run yet is "待入库" (its rules may have run here already: `shown`).
STATUS_TEXT = {STATUS_PENDING: "待入库"}
