"""Who has not submitted: after each quarter's deadline, a reminder per city and a list for the province."""

import datetime as dt
import json

import dagster as dg

from ..contract import due_date
from ..quality.history import previous_quarter
from ..registry import load_cities
from ..resources import WarehouseResource
from ..settings import get_settings
from .intake import VERSIONS_KEY

MISSING_KEY = dg.AssetKey("out_missing_submissions")
PROVINCE_OUTBOX = "province"


def last_due_quarter(today: dt.date) -> tuple[int, int]:
    """The latest quarter whose deadline (the 20th of the month after it ends) is before today."""
    year, quarter = today.year, (today.month - 1) // 3 + 1
    while True:
        year, quarter = previous_quarter(year, quarter)
        if due_date(year, quarter) < today:
            return year, quarter


@dg.asset(
    key=MISSING_KEY,
    group_name="report",
    deps=[VERSIONS_KEY],
    kinds={"json"},
    description="截止日(季度结束后次月 20 日)后仍无有效报送的城市:写入各市发件箱的催报通知与省级汇总。",
)
def out_missing_submissions(context: dg.AssetExecutionContext, warehouse: WarehouseResource) -> dg.MaterializeResult:
    settings = get_settings()
    year, quarter = last_due_quarter(settings.today)
    with warehouse.connect() as con:
        rows = con.execute(
            "SELECT city_code, bool_or(in_force) AS has_valid, count(*) AS n FROM submission_versions "
            "WHERE year = ? AND quarter = ? GROUP BY city_code",
            [year, quarter],
        ).fetchall()
    state = {city: (valid, n) for city, valid, n in rows}
    missing = []
    for city in load_cities(settings):
        valid, n = state.get(city.code, (False, 0))
        if valid:
            continue
        reason = "未报送" if n == 0 else f"已报送 {n} 个版本,均未通过审核"
        missing.append({"city_code": city.code, "city_name": city.name, "reason": reason})
        notice = {"year": year, "quarter": quarter, "city_code": city.code, "city_name": city.name,
                  "reason": reason, "message_zh": f"{city.name} {year} 年第 {quarter} 季度数据{reason},请尽快报送。"}
        _write_json(settings.outbox_dir / city.code / f"催报_{year}Q{quarter}.json", notice)
    _write_json(settings.outbox_dir / PROVINCE_OUTBOX / f"未报送城市_{year}Q{quarter}.json",
                {"year": year, "quarter": quarter, "missing": missing})
    table = "\n".join(f"| {m['city_code']} | {m['city_name']} | {m['reason']} |" for m in missing)
    context.log.info(f"{year}Q{quarter}:{len(missing)} 个城市尚无有效报送")
    return dg.MaterializeResult(
        metadata={
            "quarter": f"{year}Q{quarter}",
            "missing_cities": len(missing),
            "list": dg.MetadataValue.md("| 城市代码 | 城市 | 情况 |\n|---|---|---|\n" + table if missing else "全部城市均已有效报送。"),
        }
    )


def _write_json(path, payload) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".json.part")
    tmp.write_text(json.dumps(payload, ensure_ascii=False, indent=2, sort_keys=True), encoding="utf-8")
    tmp.replace(path)
