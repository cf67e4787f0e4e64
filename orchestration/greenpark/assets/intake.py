"""Raw archive and validated submissions: the first two steps of every file's path."""


from collections import Counter

import dagster as dg

from ..contract import SHEETS
from ..intake.archive import pull_all
from ..intake.processing import process_version
from ..intake.warehouse import pending_versions, replace_generated_registry
from ..registry import load_cities, load_generated_parks
from ..resources import ValidatorResource, WarehouseResource
from ..settings import get_settings

RULES_CHECK = "submission_rules"


class PullConfig(dg.Config):
    urls: list[str] = []  # empty: every drop location; the sensor names the one new file


@dg.asset(
    group_name="raw",
    kinds={"duckdb", "file"},
    description="按 SHA-256 保存的原始报送文件(只增不改)及版本登记表 submission_versions。",
)
def raw_submission_archive(
    context: dg.AssetExecutionContext, config: PullConfig, warehouse: WarehouseResource
) -> dg.MaterializeResult:
    settings = get_settings()
    with warehouse.connect() as con:
        pulled = pull_all(con, settings.archive_dir, load_cities(settings), only_urls=set(config.urls) or None)
        total = con.execute("SELECT count(*) FROM submission_versions").fetchall()[0][0]
    new = [p for p in pulled if p.is_new]
    for p in new:
        context.log.info(f"收到 {p.filename}:版本 {p.version_id},{p.size_bytes} 字节,sha256 {p.sha256[:12]}…")
    return dg.MaterializeResult(
        metadata={
            "files_seen": len(pulled),
            "new_versions": len(new),
            "versions_total": total,
            "new_version_ids": dg.MetadataValue.json(sorted(p.version_id for p in new)),
        }
    )


# The warehouse tables this step writes; each is a dbt source, so each is its own asset.
INTAKE_TABLES = {
    "submission_versions": "报送版本登记:每个版本的状态(已接收/已接收但有警告/退回/无法读取)与是否有效。",
    **{sheet.raw_table: f"已接收版本的“{sheet.name}”数据(含版本号与 Excel 行号)。" for sheet in SHEETS},
    "raw_park_registry_generated": "示例数据生成的基准测试园区(真实园区名录之外)。",
}
VERSIONS_KEY = dg.AssetKey("submission_versions")


@dg.multi_asset(
    name="core_accepted_submissions",
    group_name="core",
    specs=[
        dg.AssetSpec(table, description=text, deps=[raw_submission_archive], kinds={"duckdb"})
        for table, text in INTAKE_TABLES.items()
    ],
    check_specs=[
        dg.AssetCheckSpec(
            RULES_CHECK,
            asset=VERSIONS_KEY,
            description="Great Expectations 规则(致命/错误/警告)对本次处理的每个报送版本的结果。",
        )
    ],
    description="解析、校验(Great Expectations)并即时反馈;只有通过校验的版本入库,"
    "被退回的版本不入库,上一接收版本继续有效。",
)
def core_accepted_submissions(
    context: dg.AssetExecutionContext, warehouse: WarehouseResource, validator: ValidatorResource
):
    settings = get_settings()
    rules = validator.get()
    outcomes = []
    with warehouse.connect() as con:
        replace_generated_registry(con, load_generated_parks(settings))
        for _, version in pending_versions(con).iterrows():
            outcome = process_version(con, rules, settings, version)
            outcomes.append(outcome)
            context.log.info(
                f"{outcome.version_id}:{outcome.status}(错误 {outcome.count('fatal') + outcome.count('error')},"
                f"警告 {outcome.count('warning')})"
            )
        in_force = con.execute("SELECT count(*) FROM submission_versions WHERE in_force").fetchall()[0][0]
    statuses = Counter(o.status for o in outcomes)
    severities = Counter(f.severity for o in outcomes for f in o.findings)
    rejected = sorted(o.version_id for o in outcomes if o.count("fatal") or o.count("error"))
    for table in INTAKE_TABLES:
        metadata = {}
        if table == VERSIONS_KEY.path[-1]:
            metadata = {
                "versions_processed": len(outcomes),
                "versions_in_force": in_force,
                "status_counts": dg.MetadataValue.json(dict(sorted(statuses.items()))),
                "feedback_dir": dg.MetadataValue.path(str(settings.outbox_dir)),
            }
        yield dg.MaterializeResult(asset_key=table, metadata=metadata)
    yield dg.AssetCheckResult(
        asset_key=VERSIONS_KEY,
        check_name=RULES_CHECK,
        passed=not rejected,
        # A rejected version only loses its own city-quarter: the data team is warned, the rest flows on.
        severity=dg.AssetCheckSeverity.WARN,
        metadata={
            "fatal": severities.get("fatal", 0),
            "error": severities.get("error", 0),
            "warning": severities.get("warning", 0),
            "rejected_versions": dg.MetadataValue.json(rejected),
            "by_version": dg.MetadataValue.json(
                {
                    o.version_id: {"status": o.status, **{s: o.count(s) for s in ("fatal", "error", "warning")}}
                    for o in outcomes
                }
            ),
        },
    )
