"""Jobs, sensors and schedules: how files, nights and quarter deadlines turn into runs."""

import datetime as dt
import json
import smtplib
from email.message import EmailMessage

import dagster as dg

from .assets.intake import ARCHIVE_KEY, VERSIONS_KEY
from .assets.missing_submissions import MISSING_KEY
from .assets.public_site import SITE_KEY
from .submission.contract import FILENAME_RE
from .intake.archive import sha256_of
from .intake.drop_scan import scan_drops
from .partitions import (
    QUARTERS,
    city_codes,
    missing_quarters,
    partition_key,
    quarter_keys,
)
from .quality.notify import send_mail, smtp_settings
from .registry import load_cities
from .resources import SettingsResource
from .runner import stopped_by_rules_check
from .settings import Settings

# Every job writes the one DuckDB file; dagster.yaml lets one run with this tag go at a time.
WAREHOUSE_TAGS = {"greenpark/warehouse": "write"}
INTAKE_GROUPS = ("raw", "core")


def build_automation(partitions: dg.MultiPartitionsDefinition):
    intake = dg.AssetSelection.groups(*INTAKE_GROUPS)
    # Everything but the intake and the deadline report: dbt seeds and models, then the site.
    publish = dg.AssetSelection.all() - intake - dg.AssetSelection.assets(MISSING_KEY)
    common = {"executor_def": dg.in_process_executor, "tags": WAREHOUSE_TAGS}
    pull_job = dg.define_asset_job(
        "pull", selection=dg.AssetSelection.assets(ARCHIVE_KEY),
        description="拉取全部报送目录中的新文件并归档;无法归入某市某季度的文件在此直接答复。", **common,
    )
    intake_job = dg.define_asset_job(
        "intake", selection=intake,
        description="拉取并校验一个城市一个季度的报送,即时向报送单位反馈。", **common,
    )
    publish_job = dg.define_asset_job(
        "publish", selection=publish, description="dbt 构建指标数据集市并发布公开网站。", **common,
    )
    missing_job = dg.define_asset_job(
        "missing_submissions", selection=dg.AssetSelection.assets(MISSING_KEY),
        description="列出截止日后仍未报送的城市,写入发件箱。", **common,
    )

    @dg.sensor(jobs=[intake_job, pull_job], minimum_interval_seconds=30,
               default_status=dg.DefaultSensorStatus.RUNNING)
    def drop_location_sensor(context: dg.SensorEvaluationContext, settings: SettingsResource) -> dg.SensorResult:
        """Read-only: lists every drop location, compares with the cursor, one run per new file.

        The run key is the file's SHA-256 plus where it lies (drop location and name): Dagster
        starts one run per run key per sensor, ever, so the same bytes in the same place are pulled
        once however often this ticks, while a file renamed after the 文件名 feedback (same bytes,
        new name) gets its run. A file that names its quarter goes to that city-quarter's slice,
        whose quarter partition is added here if new.
        """
        seen: dict[str, str] = json.loads(context.cursor) if context.cursor else {}
        changed, current = scan_drops(load_cities(settings), seen)
        quarters, requests, known = set(quarter_keys(settings)), [], city_codes(partitions)
        for dropped in changed:
            run_key = f"{sha256_of(dropped)}:{dropped.url}"
            match = FILENAME_RE.match(dropped.filename)
            config = dg.RunConfig(ops={ARCHIVE_KEY.path[-1]: {"config": {"urls": [dropped.url]}}})
            tags = {"greenpark/city": dropped.city_code, "greenpark/file": dropped.filename}
            if match and dropped.city_code in known:
                key = partition_key(dropped.city_code, int(match["year"]), int(match["quarter"]))
                quarters.add(key.keys_by_dimension["quarter"])
                requests.append(dg.RunRequest(run_key=run_key, job_name=intake_job.name,
                                              partition_key=str(key), run_config=config, tags=tags))
            else:
                requests.append(dg.RunRequest(run_key=run_key, job_name=pull_job.name,
                                              run_config=config, tags=tags))
        new_quarters = missing_quarters(context.instance, quarters)
        return dg.SensorResult(
            run_requests=requests,
            cursor=json.dumps(current, sort_keys=True),
            dynamic_partitions_requests=[QUARTERS.build_add_request(new_quarters)] if new_quarters else [],
        )

    def _publish_request(instance: dg.DagsterInstance) -> dg.RunRequest | dg.SkipReason:
        intake_event = instance.get_latest_materialization_event(VERSIONS_KEY)
        site_event = instance.get_latest_materialization_event(SITE_KEY)
        if intake_event is None or (site_event is not None and site_event.timestamp >= intake_event.timestamp):
            return dg.SkipReason("自上次发布以来没有新处理的报送版本。")
        return dg.RunRequest(run_key=f"publish-{intake_event.timestamp}")

    @dg.sensor(job=publish_job, minimum_interval_seconds=60, default_status=dg.DefaultSensorStatus.RUNNING)
    def publish_on_change_sensor(context: dg.SensorEvaluationContext):
        """Rebuild marts and site once the intake runs of a burst of files have all finished."""
        busy = context.instance.get_run_records(
            dg.RunsFilter(job_name=intake_job.name, statuses=[dg.DagsterRunStatus.QUEUED,
                                                               dg.DagsterRunStatus.STARTED,
                                                               dg.DagsterRunStatus.STARTING]),
            limit=1,
        )
        if busy:
            return dg.SkipReason("仍有报送在校验中,稍后再发布。")
        return _publish_request(context.instance)

    @dg.schedule(job=publish_job, cron_schedule="0 2 * * *", execution_timezone="Asia/Shanghai")
    def nightly_publish_schedule(context: dg.ScheduleEvaluationContext):
        """Nightly safety net: rebuild the marts and the site when anything changed since the last site."""
        return _publish_request(context.instance)

    @dg.schedule(job=missing_job, cron_schedule="0 9 21 1,4,7,10 *", execution_timezone="Asia/Shanghai")
    def missing_submissions_schedule(context: dg.ScheduleEvaluationContext):
        """The 21st after each quarter: the day after the deadline, list who has not submitted."""
        return dg.RunRequest(run_key=f"missing-{context.scheduled_execution_time:%Y-%m-%d}")

    @dg.run_failure_sensor(default_status=dg.DefaultSensorStatus.RUNNING)
    def run_failure_alert_sensor(context: dg.RunFailureSensorContext, settings: SettingsResource):
        """Every failed run goes to the data team's log (and e-mail when configured).

        A slice stopped by its blocking rules check is a rejected submission, not a system fault:
        logged as such, the submitter has already been told.
        """
        message = context.failure_event.message or ""
        step_failures = context.instance.all_logs(
            context.dagster_run.run_id, of_type=dg.DagsterEventType.STEP_FAILURE
        )
        rejected = stopped_by_rules_check(entry.dagster_event for entry in step_failures)
        record = {
            "at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            "run_id": context.dagster_run.run_id,
            "job": context.dagster_run.job_name,
            "partition": context.dagster_run.tags.get("dagster/partition"),
            "kind": "rejected_submission" if rejected else "failure",
            "error": message,
        }
        log = settings.workdir / "logs" / "run_failures.jsonl"
        log.parent.mkdir(parents=True, exist_ok=True)
        with log.open("a", encoding="utf-8") as fh:
            fh.write(json.dumps(record, ensure_ascii=False) + "\n")
        if record["kind"] == "failure":
            _email_data_team(record, settings)

    return (
        [pull_job, intake_job, publish_job, missing_job],
        [drop_location_sensor, publish_on_change_sensor, run_failure_alert_sensor],
        [nightly_publish_schedule, missing_submissions_schedule],
    )


def _email_data_team(record: dict, settings: Settings) -> None:
    recipient, config = settings.alert_email, smtp_settings(settings)
    if not recipient or config is None:
        return
    message = EmailMessage()
    message["Subject"] = f"【greenpark】运行失败:{record['job']} {record['partition'] or ''}"
    message["From"], message["To"] = config["sender"], recipient
    message.set_content(json.dumps(record, ensure_ascii=False, indent=2))
    try:
        send_mail(message, config)
    except (OSError, smtplib.SMTPException):
        pass  # the log line above is the record of truth
