"""City × quarter partitions of the intake: one slice per city bureau's quarterly submission.

Cities are few and fixed in sources/cities.yaml, so that dimension is static. Quarters are not:
a code server runs for years, so the quarter dimension is dynamic. The drop sensor, the pull step
and the CLI runner add a quarter when a file names it (and the sensor adds every quarter up to
today), so a new quarter appears without reloading the code, and every file that names a period is
processed in its slice, behind the blocking rules check; none is ever taken in by the archive alone.
"""

import dagster as dg

from .registry import load_cities
from .settings import Settings

FIRST_YEAR = 2021  # the notice's baseline year for the 2025 intensity targets
QUARTERS = dg.DynamicPartitionsDefinition(name="greenpark_quarter")


def quarter_key(year: int, quarter: int) -> str:
    return f"{year}Q{quarter}"


def quarter_keys(settings: Settings) -> list[str]:
    """Every quarter from the baseline year up to the current one (by settings.today)."""
    today = settings.today
    current = (today.year, (today.month - 1) // 3 + 1)
    return [
        quarter_key(year, q) for year in range(FIRST_YEAR, today.year + 1) for q in range(1, 5) if (year, q) <= current
    ]


def city_quarter_partitions(settings: Settings) -> dg.MultiPartitionsDefinition:
    return dg.MultiPartitionsDefinition(
        {
            "city": dg.StaticPartitionsDefinition([c.code for c in load_cities(settings)]),
            "quarter": QUARTERS,
        }
    )


def year_slice_keys(settings: Settings, year: int, cities=()) -> list[str]:
    """Every slice of a year up to the current quarter, of every city or of the given ones."""
    codes = [c.code for c in load_cities(settings) if not cities or c.code in cities]
    quarters = [q for q in quarter_keys(settings) if q.startswith(f"{year}Q")]
    return sorted(str(dg.MultiPartitionKey({"city": c, "quarter": q})) for c in codes for q in quarters)


def missing_quarters(instance: dg.DagsterInstance, keys) -> list[str]:
    """The quarter keys among `keys` that the instance does not know yet."""
    known = set(instance.get_dynamic_partitions(QUARTERS.name))
    return sorted(set(keys) - known)


def add_quarters(instance: dg.DagsterInstance, keys) -> None:
    missing = missing_quarters(instance, keys)
    if missing:
        instance.add_dynamic_partitions(QUARTERS.name, missing)


def partition_key(city_code: str, year: int, quarter: int) -> dg.MultiPartitionKey:
    return dg.MultiPartitionKey({"city": city_code, "quarter": quarter_key(year, quarter)})


def quarter_of(key: str) -> str:
    """The quarter of a slice's key as a string ("330100|2025Q3" → "2025Q3")."""
    _, quarter = key.split("|")  # a multi-partition key joins its dimensions in name order
    return quarter


def split_key(key: dg.MultiPartitionKey) -> tuple[str, int, int]:
    dims = key.keys_by_dimension
    year, quarter = dims["quarter"].split("Q")
    return dims["city"], int(year), int(quarter)


def city_codes(partitions: dg.MultiPartitionsDefinition) -> frozenset[str]:
    """The cities the loaded definitions know: read once per batch of look-ups, not per look-up."""
    city = next(d for d in partitions.partitions_defs if d.name == "city").partitions_def
    return frozenset(city.get_partition_keys())
