"""Jobs, the drop-location sensor, the nightly publish schedule and the run-failure log."""


import datetime as dt
import hashlib
import json

import dagster as dg

from .assets.intake import VERSIONS_KEY, core_accepted_submissions, raw_submission_archive
from .assets.public_site import public_site
from .intake.archive import list_drop, read_bytes
from .registry import load_cities
from .settings import get_settings

# Every job writes the one DuckDB file; dagster.yaml limits runs with this tag to one at a time.
WAREHOUSE_TAGS = {"greenpark/warehouse": "write"}

intake_selection = dg.AssetSelection.assets(raw_submission_archive, core_accepted_submissions)
publish_selection = intake_selection.downstream() - intake_selection

pipeline_job = dg.define_asset_job(
    "greenpark_pipeline",
    selection=dg.AssetSelection.all(),
    description="拉取、校验、反馈、转换并发布全部待处理报送。",
    executor_def=dg.in_process_executor,
    tags=WAREHOUSE_TAGS,
)
intake_job = dg.define_asset_job(
    "intake",
    selection=intake_selection,
    description="拉取新报送文件,校验并即时向报送单位反馈。",
    executor_def=dg.in_process_executor,
    tags=WAREHOUSE_TAGS,
)
publish_job = dg.define_asset_job(
    "publish",
    selection=publish_selection,
    description="dbt 构建指标数据集市并发布公开网站。",
    executor_def=dg.in_process_executor,
    tags=WAREHOUSE_TAGS,
)


def _fingerprint(size: int, mtime: float | None) -> str:
    return f"{size}:{mtime}"


@dg.sensor(job=intake_job, minimum_interval_seconds=30, default_status=dg.DefaultSensorStatus.RUNNING)
def drop_location_sensor(context: dg.SensorEvaluationContext):
    """Read-only: lists every drop location, compares with the cursor, requests one run per new file.

    The run key is the file's SHA-256, so the same bytes are pulled once however often this ticks.
    """
    settings = get_settings()
    seen: dict[str, str] = json.loads(context.cursor) if context.cursor else {}
    current: dict[str, str] = {}
    for city in load_cities(settings):
        for dropped in list_drop(city):
            fingerprint = _fingerprint(dropped.size, dropped.mtime)
            current[dropped.url] = fingerprint
            if seen.get(dropped.url) == fingerprint:
                continue
            sha256 = hashlib.sha256(read_bytes(dropped)).hexdigest()
            yield dg.RunRequest(
                run_key=f"{city.code}-{sha256}",
                run_config=dg.RunConfig(ops={"raw_submission_archive": {"config": {"urls": [dropped.url]}}}),
                tags={"greenpark/city": city.code, "greenpark/file": dropped.filename},
            )
    context.update_cursor(json.dumps(current, sort_keys=True))


@dg.schedule(job=publish_job, cron_schedule="0 2 * * *", execution_timezone="Asia/Shanghai")
def nightly_publish_schedule(context: dg.ScheduleEvaluationContext):
    """Rebuild the marts and the site at night, only when a submission was processed since the last site."""
    instance = context.instance
    intake = instance.get_latest_materialization_event(VERSIONS_KEY)
    site = instance.get_latest_materialization_event(public_site.key)
    if intake is None or (site is not None and site.timestamp >= intake.timestamp):
        return dg.SkipReason("自上次发布以来没有新的报送版本。")
    return dg.RunRequest(run_key=f"publish-{intake.timestamp}")


@dg.run_failure_sensor(default_status=dg.DefaultSensorStatus.RUNNING)
def run_failure_log_sensor(context: dg.RunFailureSensorContext):
    """Append every failed run to a log the data team reads (and the UI shows the run itself)."""
    settings = get_settings()
    log = settings.workdir / "logs" / "run_failures.jsonl"
    log.parent.mkdir(parents=True, exist_ok=True)
    record = {
        "at": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "run_id": context.dagster_run.run_id,
        "job": context.dagster_run.job_name,
        "error": context.failure_event.message,
    }
    with log.open("a", encoding="utf-8") as fh:
        fh.write(json.dumps(record, ensure_ascii=False) + "\n")
