"""Raw archive and validated submissions: the first two steps of every file's path.

The archive is one immutable store (unpartitioned). Everything after it is partitioned by
city × quarter, so a city's resubmission touches only its slice and a rejected slice is stopped by
a blocking check while the other slices go through.
"""

from collections import Counter

import dagster as dg
import pandas as pd

from ..submission.contract import SHEETS
from ..pipeline import prefetch
from ..intake.archive import pull_all
from ..pipeline.processing import Outcome, process_version
from ..intake.warehouse import pending_versions, replace_generated_registry
from ..partitions import add_quarters, city_codes, quarter_key, split_key
from ..submission.findings import ERROR, FATAL, WARNING
from ..quality.notify import notify_submitter
from ..registry import load_cities, load_generated_parks
from ..resources import SettingsResource, ValidatorResource, WarehouseResource

RULES_CHECK = "submission_rules"
ARCHIVE_KEY = dg.AssetKey("raw_submission_archive")
VERSIONS_KEY = dg.AssetKey("submission_versions")
# The warehouse tables the intake writes; each is a dbt source, so each is its own asset.
INTAKE_TABLES = {
    "submission_versions": "报送版本登记:每个版本的状态(已接收/已接收但有警告/退回/无法读取)与是否有效。",
    **{sheet.raw_table: f"已接收版本的“{sheet.name}”数据(含版本号与 Excel 行号)。" for sheet in SHEETS},
    "raw_park_registry_generated": "示例数据生成的基准测试园区(真实园区名录之外)。",
}


class PullConfig(dg.Config):
    urls: list[str] = []  # noqa: RUF012 -- a pydantic field: each config gets its own copy


def _process(context, con, rules, settings, versions: pd.DataFrame) -> list[Outcome]:
    cities = {c.code: c for c in load_cities(settings)}
    outcomes = []
    for _, version in versions.iterrows():
        outcome = process_version(con, rules, settings, version, prefetch.take(version["version_id"]))
        outcomes.append(outcome)
        context.log.info(
            f"{outcome.version_id}:{outcome.status}"
            f"(错误 {outcome.count(FATAL) + outcome.count(ERROR)},警告 {outcome.count(WARNING)})"
        )
        sent = notify_submitter(cities.get(outcome.city_code), outcome, settings, log=context.log)
        if sent:
            context.log.info(f"反馈包已发送至 {sent}")
    return outcomes


def build_intake_assets(partitions: dg.MultiPartitionsDefinition) -> list[dg.AssetsDefinition]:
    @dg.asset(
        key=ARCHIVE_KEY,
        group_name="raw",
        kinds={"duckdb", "file"},
        description="按 SHA-256 保存的原始报送文件(只增不改)及版本登记。"
        "文件名不符合约定、无法归入某市某季度的文件在此直接答复报送单位;其余文件都在本市本季度分区中校验。",
    )
    def raw_submission_archive(
        context: dg.AssetExecutionContext,
        config: PullConfig,
        warehouse: WarehouseResource,
        validator: ValidatorResource,
        settings: SettingsResource,
    ) -> dg.MaterializeResult:
        with warehouse.connect() as con:
            pulled = pull_all(con, settings.archive_dir, load_cities(settings), only_urls=set(config.urls) or None)
            for p in pulled:
                if p.is_new:
                    context.log.info(f"收到 {p.filename}:版本 {p.version_id},{p.size_bytes} 字节")
            pending = pending_versions(con)
            # Only a file that names no quarter is answered here (the fatal rule file.name rejects
            # it); every other file waits for its slice's run and its blocking rules check.
            dated = pending.year.notna() & pending.quarter.notna()
            unplaced = pending[~dated]
            add_quarters(context.instance, {quarter_key(int(v.year), int(v.quarter)) for v in pending[dated].itertuples()})
            known = city_codes(partitions)
            for v in pending[dated].itertuples():
                if v.city_code not in known:
                    context.log.warning(f"{v.version_id}:城市 {v.city_code} 不在已加载的分区中,重新加载代码位置后处理。")
            answered = _process(context, con, validator.get(settings), settings, unplaced) if len(unplaced) else []
            total = con.execute("SELECT count(*) FROM submission_versions").fetchall()[0][0]
        return dg.MaterializeResult(
            metadata={
                "files_seen": len(pulled),
                "new_versions": sum(p.is_new for p in pulled),
                "versions_total": total,
                "unplaced_answered": dg.MetadataValue.json(sorted(o.version_id for o in answered)),
            }
        )

    @dg.multi_asset(
        name="core_accepted_submissions",
        group_name="core",
        partitions_def=partitions,
        specs=[
            dg.AssetSpec(table, description=text, deps=[ARCHIVE_KEY], kinds={"duckdb"})
            for table, text in INTAKE_TABLES.items()
        ],
        check_specs=[
            dg.AssetCheckSpec(
                RULES_CHECK,
                asset=VERSIONS_KEY,
                partitions_def=partitions,
                blocking=True,
                description="Great Expectations 规则对本市本季度报送的结果;有错误即退回,并阻止该分区的下游物化。",
            )
        ],
        description="解析、校验(Great Expectations)并即时反馈本市本季度的待处理版本;只有通过校验的版本入库,"
        "被退回的版本不入库,上一接收版本继续有效。",
    )
    def core_accepted_submissions(
        context: dg.AssetExecutionContext, warehouse: WarehouseResource, validator: ValidatorResource,
        settings: SettingsResource,
    ):
        city, year, quarter = split_key(context.partition_key)
        with warehouse.connect() as con:
            replace_generated_registry(con, load_generated_parks(settings))
            pending = pending_versions(con)
            mine = pending[(pending.city_code == city) & (pending.year == year) & (pending.quarter == quarter)]
            outcomes = _process(context, con, validator.get(settings), settings, mine)
            in_force = con.execute(
                "SELECT version_id FROM submission_versions WHERE in_force AND city_code = ? AND year = ? AND quarter = ?",
                [city, year, quarter],
            ).fetchall()
        statuses = Counter(o.status for o in outcomes)
        for table in INTAKE_TABLES:
            metadata = {}
            if dg.AssetKey(table) == VERSIONS_KEY:
                metadata = {
                    "versions_processed": len(outcomes),
                    "version_in_force": in_force[0][0] if in_force else "无",
                    "status_counts": dg.MetadataValue.json(dict(sorted(statuses.items()))),
                    "feedback_dir": dg.MetadataValue.path(str(settings.outbox_dir / city)),
                }
            yield dg.MaterializeResult(asset_key=table, metadata=metadata)
        yield _rules_check(outcomes)

    return [raw_submission_archive, core_accepted_submissions]


def _rules_check(outcomes: list[Outcome]) -> dg.AssetCheckResult:
    """Fails (blocking the slice downstream) when the newest version processed here was rejected."""
    severities = Counter(f.severity for o in outcomes for f in o.findings)
    latest = outcomes[-1] if outcomes else None
    rejected = latest is not None and (latest.count(FATAL) or latest.count(ERROR))
    return dg.AssetCheckResult(
        asset_key=VERSIONS_KEY,
        check_name=RULES_CHECK,
        passed=not rejected,
        severity=dg.AssetCheckSeverity.ERROR,
        description=f"{latest.version_id}:{latest.status}" if latest else "本分区没有待处理的版本。",
        metadata={
            "fatal": severities.get(FATAL, 0),
            "error": severities.get(ERROR, 0),
            "warning": severities.get(WARNING, 0),
            "versions": dg.MetadataValue.json(
                {o.version_id: {"status": o.status, **{s: o.count(s) for s in (FATAL, ERROR, WARNING)}} for o in outcomes}
            ),
        },
    )
