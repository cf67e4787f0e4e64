"""Run the pipeline in-process through Dagster: pull, one run per pending city-quarter, publish.

This is what `greenpark run` and `greenpark backfill` do and what the sensor and schedules do one
piece at a time in a deployment: every step is a real Dagster run recorded in the instance.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import dagster as dg
import pandas as pd

from .assets.intake import INTAKE_TABLES
from .pipeline.prefetch import prefetching
from .intake.warehouse import connect, kept_open, pending_versions
from .partitions import add_quarters, city_codes, partition_key, quarter_of
from .publish.site import warm_up
from .resources import validator_for
from .settings import Settings

INTAKE_KEYS = [dg.AssetKey(t) for t in INTAKE_TABLES]


@dataclass
class PipelineResult:
    success: bool = True
    seconds: dict[str, float] = field(default_factory=dict)
    runs: list[dict] = field(default_factory=list)
    rejected_slices: list[str] = field(default_factory=list)
    failures: list[dict] = field(default_factory=list)
    prepared_by_helper: int = 0  # versions parsed and file-checked ahead by pipeline/prefetch.py
    prepared_while_waiting: int = 0  # … and by the runs themselves while they waited for the helper

    def record(self, name: str, result: dg.ExecuteInProcessResult, *, partition: str | None = None) -> str:
        rejected = not result.success and _stopped_by_rules_check(result)
        outcome = "success" if result.success else ("rejected" if rejected else "failure")
        self.runs.append({"job": name, "partition": partition, "run_id": result.run_id, "outcome": outcome})
        if rejected:
            self.rejected_slices.append(partition)
        elif not result.success:
            self.success = False
            self.failures += [
                {"job": name, "partition": partition, "step": e.step_key, "message": e.message}
                for e in result.all_events
                if e.event_type_value == "STEP_FAILURE"
            ]
        return outcome


def _stopped_by_rules_check(result: dg.ExecuteInProcessResult) -> bool:
    return stopped_by_rules_check(e for e in result.all_events if e.event_type_value == "STEP_FAILURE")


def stopped_by_rules_check(step_failures: Iterable[dg.DagsterEvent]) -> bool:
    """A run whose only failures are blocking rules checks: a rejected submission, not a broken run."""
    errors = [e.step_failure_data.error for e in step_failures]
    return bool(errors) and all(err is not None and err.cls_name == "DagsterAssetCheckFailedError" for err in errors)


def pending_partitions(settings: Settings, partitions: dg.MultiPartitionsDefinition) -> list[str]:
    with connect(settings.warehouse_path, wait_seconds=settings.lock_wait_s) as con:
        rows = con.execute(
            "SELECT DISTINCT city_code, year, quarter FROM submission_versions "
            "WHERE status = '待处理' AND year IS NOT NULL AND quarter IS NOT NULL ORDER BY year, quarter, city_code"
        ).fetchall()
    known = city_codes(partitions)
    return [str(partition_key(c, y, q)) for c, y, q in rows if c in known]


def versions_in_run_order(settings: Settings, keys: list[str]) -> pd.DataFrame:
    """The pending versions of these slices, in the order their runs will process them."""
    with connect(settings.warehouse_path, wait_seconds=settings.lock_wait_s) as con:
        pending = pending_versions(con)
    slice_of = {k: i for i, k in enumerate(keys)}
    order = [slice_of.get(str(partition_key(v.city_code, int(v.year), int(v.quarter))))
             if pd.notna(v.year) and pd.notna(v.quarter) else None for v in pending.itertuples()]
    pending = pending.assign(_order=order).dropna(subset=["_order"])
    return pending.sort_values("_order", kind="stable").drop(columns="_order")


def step_seconds(instance: dg.DagsterInstance, run_id: str, names: dict[str, str]) -> dict[str, float]:
    """Wall seconds of the named steps of a run, from their start and end events."""
    ends = {dg.DagsterEventType.STEP_SUCCESS, dg.DagsterEventType.STEP_FAILURE}
    started, out = {}, {}
    for entry in instance.all_logs(run_id, of_type={dg.DagsterEventType.STEP_START, *ends}):
        if entry.step_key not in names:
            continue
        if entry.dagster_event_type == dg.DagsterEventType.STEP_START:
            started[entry.step_key] = entry.timestamp
        elif entry.step_key in started:
            out[names[entry.step_key]] = entry.timestamp - started[entry.step_key]
    return out


def run_pipeline(
    defs: dg.Definitions,
    settings: Settings,
    instance: dg.DagsterInstance,
    *,
    partition_keys: Iterable[str] | None = None,
    publish: bool = True,
    progress: Callable[[Iterable[str]], Iterable[str]] = lambda keys: keys,
    run_config: dict | None = None,
) -> PipelineResult:
    """Pull everything new, process the given slices (default: every slice with pending versions),
    then rebuild the marts and the site once."""
    result = PipelineResult()
    started = time.perf_counter()
    result.record("pull", defs.resolve_job_def("pull").execute_in_process(
        instance=instance, raise_on_error=False, run_config=run_config))
    result.seconds["pull"] = time.perf_counter() - started

    intake = defs.resolve_job_def("intake")
    keys = list(partition_keys) if partition_keys is not None else pending_partitions(settings, intake.partitions_def)
    add_quarters(instance, {quarter_of(k) for k in keys})
    started = time.perf_counter()
    with prefetching(versions_in_run_order(settings, keys), settings, validator_for(settings)) as helper, \
            kept_open(settings.warehouse_path, wait_seconds=settings.lock_wait_s):
        for key in progress(keys):
            result.record("intake", intake.execute_in_process(
                instance=instance, partition_key=key, asset_selection=INTAKE_KEYS, raise_on_error=False,
                run_config=run_config), partition=key)
    result.seconds["intake"] = time.perf_counter() - started
    result.prepared_by_helper = helper.by_helper if helper else 0
    result.prepared_while_waiting = helper.by_runs_waiting if helper else 0

    if publish and result.success:
        started = time.perf_counter()
        threading.Thread(target=warm_up, name="site-warm-up", daemon=True).start()  # while dbt runs
        run = defs.resolve_job_def("publish").execute_in_process(
            instance=instance, raise_on_error=False, run_config=run_config)
        result.record("publish", run)
        result.seconds["publish"] = time.perf_counter() - started
        result.seconds.update(step_seconds(instance, run.run_id, {"warehouse_models": "dbt", "public_site": "site"}))
    return result
