"""Who has not submitted (催报): one reading of `submission_versions` for both the quarterly
schedule (assets/missing_submissions.py, city level, last due quarter) and the province console
(one city, every due quarter of a year, down to the parks), one notice format and one writer.

Notices go to the city's outbox as `催报_*.json`; the city's reminders page in the portal lists
every such file, so a reminder from the schedule and one from the console read the same way.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import duckdb

from ..submission.contract import due_date
from ..quality.history import previous_quarter


def last_due_quarter(today: dt.date) -> tuple[int, int]:
    """The latest quarter whose deadline (the 20th of the month after it ends) is before today."""
    year, quarter = today.year, (today.month - 1) // 3 + 1
    while True:
        year, quarter = previous_quarter(year, quarter)
        if due_date(year, quarter) < today:
            return year, quarter


def standing(con: duckdb.DuckDBPyConnection, year: int, quarter: int) -> dict[str, tuple[bool, int]]:
    """city_code → (has a version in force, number of versions) for one quarter."""
    rows = con.execute(
        "SELECT city_code, bool_or(in_force) AS has_valid, count(*) AS n FROM submission_versions "
        "WHERE year = ? AND quarter = ? GROUP BY city_code",
        [year, quarter],
    ).fetchall()
    return {city: (bool(valid), int(n)) for city, valid, n in rows}


def reason(valid: bool, n: int) -> str | None:
    """Why a city-quarter needs a reminder, or None when a version is in force."""
    if valid:
        return None
    return "未报送" if n == 0 else f"已报送 {n} 个版本,均未通过审核"


def quarter_notice(city_code: str, city_name: str, year: int, quarter: int, why: str) -> dict:
    """The schedule's notice: one city, one quarter."""
    return {"year": year, "quarter": quarter, "city_code": city_code, "city_name": city_name, "reason": why,
            "message_zh": f"{city_name} {year} 年第 {quarter} 季度数据{why},请尽快报送。"}


def city_reminder(con: duckdb.DuckDBPyConnection, city_code: str, city_name: str, parks: list[tuple[str, str]],
                  year: int, today: dt.date) -> dict:
    """One city's reminder for every quarter of `year` whose deadline has passed: quarters with no
    version in force (all parks missing), and parks absent from a version in force.
    `parks`: the city's (park_code, park_name) in the registry; `con` None: no warehouse yet."""
    items = []
    for quarter in (1, 2, 3, 4):
        due = due_date(year, quarter)
        if due >= today:
            continue
        valid, n = (standing(con, year, quarter) if con is not None else {}).get(city_code, (False, 0))
        why = reason(valid, n)
        if why is None:
            present = {r[0] for r in con.execute(
                "SELECT DISTINCT p.park_code FROM raw_park_quarter p JOIN submission_versions v USING (version_id) "
                "WHERE v.city_code = ? AND v.year = ? AND v.quarter = ? AND v.in_force", [city_code, year, quarter]
            ).fetchall()}
            absent = [p for p in parks if p[0] not in present]
            if not absent:
                continue
            why = f"有效版本缺少 {len(absent)} 个园区"
        else:
            absent = list(parks)
        items.append({"year": year, "quarter": quarter, "due": due.isoformat(), "days_late": (today - due).days,
                      "reason": why, "parks": [{"park_code": c, "park_name": nm} for c, nm in absent]})
    if items:
        listed = ";".join(f"第 {i['quarter']} 季度{i['reason']}(已逾期 {i['days_late']} 天,涉及 {len(i['parks'])} 个园区)"
                          for i in items)
        message = f"{city_name} {year} 年:{listed}。请尽快报送。"
    else:
        message = f"{city_name} {year} 年截止日已过的各季度均已有效报送,无需催报。"
    latest = items[-1] if items else None
    return {"city_code": city_code, "city_name": city_name, "year": year,
            "quarter": latest["quarter"] if latest else None, "reason": latest["reason"] if latest else None,
            "issued_on": today.isoformat(), "missing": items, "message_zh": message}


def write_json(path: Path, payload) -> None:
    """Write atomically (a reader never sees half a file)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".json.part")
    tmp.write_text(json.dumps(payload, ensure_ascii=False, indent=2, sort_keys=True), encoding="utf-8")
    tmp.replace(path)
