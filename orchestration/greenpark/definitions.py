"""The one Dagster Definitions: assets, checks, jobs, sensors, schedules and resources.

Importing this module (or any asset module) does nothing: no environment read or written, no dbt,
no manifest. Dagster calls the lazy `defs` when it loads the code location, and the CLI and the
tests call `build_definitions` with their own settings; only then is the dbt manifest prepared and
read. The settings object is handed to assets and sensors as the `settings` resource.
"""

import warnings

import dagster as dg

from .assets.intake import build_intake_assets
from .assets.missing_submissions import out_missing_submissions
from .assets.public_site import build_public_site
from .assets.warehouse_models import (
    WarehouseDbtResource,
    build_warehouse_models,
    dbt_project,
    mart_keys,
)
from .automation import build_automation
from .dbt_process import dbt_executable
from .partitions import city_quarter_partitions
from .resources import ValidatorResource, WarehouseResource, settings_resource
from .settings import Settings, get_settings


def build_definitions(settings: Settings) -> dg.Definitions:
    """Partitions and resources come from one settings object (the CLI and tests build their own)."""
    # Partitioned asset checks are a preview feature in this Dagster release; we pin the version.
    warnings.filterwarnings("ignore", category=dg.PreviewWarning)
    project = dbt_project(settings)
    partitions = city_quarter_partitions(settings)
    jobs, sensors, schedules = build_automation(partitions)
    return dg.Definitions(
        assets=[*build_intake_assets(partitions), build_warehouse_models(project),
                build_public_site(mart_keys(project.manifest_path)), out_missing_submissions],
        jobs=jobs,
        sensors=sensors,
        schedules=schedules,
        resources={
            "settings": settings_resource(settings),
            "warehouse": WarehouseResource(path=str(settings.warehouse_path), wait_seconds=settings.lock_wait_s),
            "validator": ValidatorResource(),
            "dbt": WarehouseDbtResource(project_dir=project, profiles_dir=str(settings.dbt_project_dir),
                                        dbt_executable=dbt_executable(), warehouse=str(settings.warehouse_path)),
        },
    )


@dg.definitions
def defs() -> dg.Definitions:
    return build_definitions(get_settings())
