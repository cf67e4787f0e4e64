"""City × quarter partitions of the intake: one slice per city bureau's quarterly submission."""

import dagster as dg

from .registry import load_cities
from .settings import Settings

FIRST_YEAR = 2021  # the notice's baseline year for the 2025 intensity targets


def quarter_keys(settings: Settings) -> list[str]:
    today = settings.today
    current = (today.year, (today.month - 1) // 3 + 1)
    return [
        f"{year}Q{q}" for year in range(FIRST_YEAR, today.year + 1) for q in range(1, 5) if (year, q) <= current
    ]


def city_quarter_partitions(settings: Settings) -> dg.MultiPartitionsDefinition:
    return dg.MultiPartitionsDefinition(
        {
            "city": dg.StaticPartitionsDefinition([c.code for c in load_cities(settings)]),
            "quarter": dg.StaticPartitionsDefinition(quarter_keys(settings)),
        }
    )


def partition_key(city_code: str, year: int, quarter: int) -> dg.MultiPartitionKey:
    return dg.MultiPartitionKey({"city": city_code, "quarter": f"{year}Q{quarter}"})


def split_key(key: dg.MultiPartitionKey) -> tuple[str, int, int]:
    dims = key.keys_by_dimension
    year, quarter = dims["quarter"].split("Q")
    return dims["city"], int(year), int(quarter)


def has_partition(partitions: dg.MultiPartitionsDefinition, city_code: str, year, quarter) -> bool:
    if year is None or quarter is None:
        return False
    return partitions.has_partition_key(str(partition_key(city_code, int(year), int(quarter))))
