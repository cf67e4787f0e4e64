"""The one Dagster Definitions: assets, checks, jobs, sensors, schedules and resources."""

import dagster as dg
from dagster_dbt import DbtCliResource

from .assets.intake import core_accepted_submissions, raw_submission_archive
from .assets.public_site import public_site
from .assets.warehouse_models import PROJECT, warehouse_models
from .automation import (
    drop_location_sensor,
    intake_job,
    nightly_publish_schedule,
    pipeline_job,
    publish_job,
    run_failure_log_sensor,
)
from .resources import ValidatorResource, WarehouseResource, configure_environment
from .settings import Settings, get_settings


def build_definitions(settings: Settings) -> dg.Definitions:
    """Resources bound to one settings object (the CLI and tests build their own work dir)."""
    configure_environment(settings)
    return dg.Definitions(
        assets=[raw_submission_archive, core_accepted_submissions, warehouse_models, public_site],
        jobs=[pipeline_job, intake_job, publish_job],
        sensors=[drop_location_sensor, run_failure_log_sensor],
        schedules=[nightly_publish_schedule],
        resources={
            "warehouse": WarehouseResource(path=str(settings.warehouse_path)),
            "validator": ValidatorResource(),
            "dbt": DbtCliResource(project_dir=PROJECT, profiles_dir=str(settings.dbt_project_dir)),
        },
    )


defs = build_definitions(get_settings())
