"""The project-local Dagster instance: DAGSTER_HOME with the repo's dagster.yaml in it.

dagster.yaml holds every instance setting but storage; settings.dagster_storage
(GREENPARK_DAGSTER_STORAGE) picks the storage block appended to it: dagster.sqlite.yaml (default,
embedded) or dagster.postgres.yaml (shared). The instance is opened from settings.dagster_home
(DAGSTER_HOME) directly, so nothing here writes the process environment; a Dagster process
greenpark starts gets DAGSTER_HOME from `Settings.tool_environment`.
"""

from __future__ import annotations

import json
from pathlib import Path

import dagster as dg

from .settings import Settings


def instance_yaml(settings: Settings) -> str:
    """dagster.yaml plus the storage block, with the home folder written in for `{env: DAGSTER_HOME}`:
    the instance then opens from its folder alone, whatever the environment of the process."""
    text = (settings.repo_root / "dagster.yaml").read_text(encoding="utf-8")
    storage = (settings.repo_root / f"dagster.{settings.dagster_storage}.yaml").read_text(encoding="utf-8")
    return (text + "\n" + storage).replace("{env: DAGSTER_HOME}", json.dumps(str(settings.dagster_home)))


def ensure_dagster_home(settings: Settings) -> Path:
    """Write DAGSTER_HOME/dagster.yaml if it differs; returns the home folder."""
    home = settings.dagster_home
    home.mkdir(parents=True, exist_ok=True)
    target = home / "dagster.yaml"
    text = instance_yaml(settings)
    if not target.exists() or target.read_text(encoding="utf-8") != text:
        target.write_text(text, encoding="utf-8")
    return home


def open_instance(settings: Settings) -> dg.DagsterInstance:
    """The instance of settings.dagster_home (its dagster.yaml written first); a context manager."""
    return dg.DagsterInstance.from_config(str(ensure_dagster_home(settings)))
