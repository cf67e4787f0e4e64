"""The one Dagster Definitions: assets, checks, jobs, sensors, schedules and resources."""

import dagster as dg

from .assets.intake import build_intake_assets
from .assets.missing_submissions import out_missing_submissions
from .assets.public_site import public_site
from .assets.warehouse_models import PROJECT, WarehouseDbtResource, dbt_executable, warehouse_models
from .automation import build_automation
from .partitions import city_quarter_partitions
from .resources import ValidatorResource, WarehouseResource, configure_environment
from .settings import Settings, get_settings


def build_definitions(settings: Settings) -> dg.Definitions:
    """Partitions and resources come from one settings object (the CLI and tests build their own)."""
    configure_environment(settings)
    partitions = city_quarter_partitions(settings)
    jobs, sensors, schedules = build_automation(partitions)
    return dg.Definitions(
        assets=[*build_intake_assets(partitions), warehouse_models, public_site, out_missing_submissions],
        jobs=jobs,
        sensors=sensors,
        schedules=schedules,
        resources={
            "warehouse": WarehouseResource(path=str(settings.warehouse_path)),
            "validator": ValidatorResource(),
            "dbt": WarehouseDbtResource(project_dir=PROJECT, profiles_dir=str(settings.dbt_project_dir),
                                  dbt_executable=dbt_executable()),
        },
    )


defs = build_definitions(get_settings())
