"""Shared fixtures: every test runs against its own work dir, never the repo's data folders."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from fixtures.workdirs import isolate_workdir

os.environ.setdefault("NO_MKDOCS_2_WARNING", "1")
os.environ.setdefault("DBT_SEND_ANONYMOUS_USAGE_STATS", "false")
os.environ.setdefault("DAGSTER_DISABLE_TELEMETRY", "1")
os.environ.setdefault("DO_NOT_TRACK", "1")


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fresh GREENPARK_WORKDIR (drops, archive, warehouse, site, Dagster home) for one test."""
    return isolate_workdir(monkeypatch, tmp_path)
