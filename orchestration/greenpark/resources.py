"""Dagster resources, configured in one place from settings."""

from __future__ import annotations

import contextlib
import os
import warnings
from collections.abc import Iterator
from functools import lru_cache
from pathlib import Path

import dagster as dg
import duckdb

from .intake.warehouse import connect
from .settings import Settings, get_settings


class WarehouseResource(dg.ConfigurableResource):
    """Owns the one DuckDB file; runs that write it are serialised by the run queue (dagster.yaml)."""

    path: str

    @contextlib.contextmanager
    def connect(self, *, read_only: bool = False) -> Iterator[duckdb.DuckDBPyConnection]:
        with connect(Path(self.path), read_only=read_only) as con:
            yield con


class ValidatorResource(dg.ConfigurableResource):
    """The GX-backed validator; its fixed cost (GX import, suites) is paid once per process."""

    def get(self):
        settings = get_settings()
        return validator_for(settings.workdir, settings.today)


@lru_cache(maxsize=4)
def validator_for(workdir: Path, today) -> Validator:  # noqa: F821 - GX is imported lazily
    """Keyed by what the rules depend on (registry under workdir, open window by today)."""
    from .quality.validation import Validator

    return Validator(get_settings())


def configure_environment(settings: Settings) -> None:
    """Environment every tool reads: the warehouse path for dbt's profile, telemetry off."""
    # dbt reads its own variable, derived here from settings: writing GREENPARK_WAREHOUSE itself
    # would pin every later Settings in this process to this warehouse.
    os.environ["GREENPARK_DBT_WAREHOUSE"] = str(settings.warehouse_path)
    os.environ.setdefault("DBT_SEND_ANONYMOUS_USAGE_STATS", "false")
    os.environ.setdefault("DO_NOT_TRACK", "1")
    os.environ.setdefault("DAGSTER_DISABLE_TELEMETRY", "1")
    os.environ.setdefault("NO_MKDOCS_2_WARNING", "1")
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
    # Partitioned asset checks are a preview feature in this Dagster release; we pin the version.
    warnings.filterwarnings("ignore", category=dg.PreviewWarning)
