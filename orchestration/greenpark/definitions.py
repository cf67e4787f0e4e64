"""The one Dagster Definitions: assets, checks, jobs, sensors, schedules and resources.

Importing this module does nothing: Dagster calls the lazy `defs` when it loads the code location,
and the CLI and the tests call `build_definitions` with their own settings. Only then is the dbt
manifest prepared and dbt's environment set.
"""

import dagster as dg

from .assets.intake import build_intake_assets
from .assets.missing_submissions import out_missing_submissions
from .assets.warehouse_models import (
    WarehouseDbtResource,
    build_warehouse_models,
    dbt_executable,
    dbt_project,
)
from .automation import build_automation
from .partitions import city_quarter_partitions
from .resources import ValidatorResource, WarehouseResource, configure_environment
from .settings import Settings, get_settings


def build_definitions(settings: Settings) -> dg.Definitions:
    """Partitions and resources come from one settings object (the CLI and tests build their own)."""
    # public_site reads its inputs (the marts) from the dbt manifest when it is imported.
    from .assets.public_site import public_site

    configure_environment(settings)
    project = dbt_project(settings)
    partitions = city_quarter_partitions(settings)
    jobs, sensors, schedules = build_automation(partitions)
    return dg.Definitions(
        assets=[*build_intake_assets(partitions), build_warehouse_models(project), public_site,
                out_missing_submissions],
        jobs=jobs,
        sensors=sensors,
        schedules=schedules,
        resources={
            "warehouse": WarehouseResource(path=str(settings.warehouse_path)),
            "validator": ValidatorResource(),
            "dbt": WarehouseDbtResource(project_dir=project, profiles_dir=str(settings.dbt_project_dir),
                                        dbt_executable=dbt_executable()),
        },
    )


@dg.definitions
def defs() -> dg.Definitions:
    return build_definitions(get_settings())
