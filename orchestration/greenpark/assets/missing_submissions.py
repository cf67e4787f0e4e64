"""Who has not submitted: after each quarter's deadline, a reminder per city and a list for the province."""

import dagster as dg

from ..management.reminders import (
    last_due_quarter,
    quarter_notice,
    reason,
    standing,
    write_json,
)
from ..registry import load_cities
from ..resources import SettingsResource, WarehouseResource
from .intake import VERSIONS_KEY

MISSING_KEY = dg.AssetKey("out_missing_submissions")
PROVINCE_OUTBOX = "province"


@dg.asset(
    key=MISSING_KEY,
    group_name="report",
    deps=[VERSIONS_KEY],
    kinds={"json"},
    description="截止日(季度结束后次月 20 日)后仍无有效报送的城市:写入各市发件箱的催报通知与省级汇总。",
)
def out_missing_submissions(context: dg.AssetExecutionContext, warehouse: WarehouseResource,
                            settings: SettingsResource) -> dg.MaterializeResult:
    year, quarter = last_due_quarter(settings.today)
    with warehouse.connect() as con:
        state = standing(con, year, quarter)
    missing = []
    for city in load_cities(settings):
        why = reason(*state.get(city.code, (False, 0)))
        if why is None:
            continue
        missing.append({"city_code": city.code, "city_name": city.name, "reason": why})
        write_json(settings.outbox_dir / city.code / f"催报_{year}Q{quarter}.json",
                   quarter_notice(city.code, city.name, year, quarter, why))
    write_json(settings.outbox_dir / PROVINCE_OUTBOX / f"未报送城市_{year}Q{quarter}.json",
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
