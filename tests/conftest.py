"""Shared fixtures: every test runs against its own work dir, never the repo's data folders."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

os.environ.setdefault("NO_MKDOCS_2_WARNING", "1")
os.environ.setdefault("DBT_SEND_ANONYMOUS_USAGE_STATS", "false")
os.environ.setdefault("DAGSTER_DISABLE_TELEMETRY", "1")
os.environ.setdefault("DO_NOT_TRACK", "1")


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fresh GREENPARK_WORKDIR (drops, archive, warehouse, site, Dagster home) for one test."""
    monkeypatch.setenv("GREENPARK_WORKDIR", str(tmp_path))
    monkeypatch.delenv("DAGSTER_HOME", raising=False)
    monkeypatch.delenv("GREENPARK_WAREHOUSE", raising=False)
    monkeypatch.delenv("GREENPARK_SITE_DIR", raising=False)
    monkeypatch.setenv("GREENPARK_TODAY", "2026-03-01")
    return tmp_path
