"""Dagster resources, configured in one place from settings.

`settings` (the process's `Settings`, see settings.py) is itself a resource: assets and sensors take
it as a parameter (`settings: SettingsResource`) instead of reading the environment.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from functools import lru_cache
from pathlib import Path

import dagster as dg
import duckdb

from .intake.warehouse import DEFAULT_LOCK_WAIT_S, connect
from .settings import Settings

# The type of the `settings` resource parameter: the Settings object itself.
SettingsResource = dg.ResourceParam[Settings]


def settings_resource(settings: Settings) -> dg.ResourceDefinition:
    """The `settings` resource: these settings, dated when each run or sensor tick starts (a code
    server or `greenpark watch` runs for months: the open window and the new quarters move with
    the calendar, as they did when every asset read the environment itself)."""
    return dg.ResourceDefinition(resource_fn=lambda _: settings.as_of_now(),
                                 description="greenpark 的全部配置(settings.py),每次运行开始时取当日日期。")


class WarehouseResource(dg.ConfigurableResource):
    """Owns the one DuckDB file; runs that write it are serialised by the run queue (dagster.yaml)."""

    path: str
    wait_seconds: float = DEFAULT_LOCK_WAIT_S  # settings.lock_wait_s

    @contextlib.contextmanager
    def connect(self, *, read_only: bool = False) -> Iterator[duckdb.DuckDBPyConnection]:
        with connect(Path(self.path), read_only=read_only, wait_seconds=self.wait_seconds) as con:
            yield con


class ValidatorResource(dg.ConfigurableResource):
    """The GX-backed validator; its fixed cost (GX import, suites) is paid once per process."""

    def get(self, settings: Settings):
        return validator_for(settings)


@lru_cache(maxsize=4)
def validator_for(settings: Settings) -> Validator:  # noqa: F821 - GX is imported lazily
    """Keyed by the settings the rules depend on (registry under workdir, open window by today)."""
    from .quality.validation import Validator

    return Validator(settings)
