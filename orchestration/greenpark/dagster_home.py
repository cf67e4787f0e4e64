"""The project-local Dagster instance: DAGSTER_HOME with the repo's dagster.yaml in it.

dagster.yaml holds every instance setting but storage; GREENPARK_DAGSTER_STORAGE picks the storage
block appended to it: dagster.sqlite.yaml (default, embedded) or dagster.postgres.yaml (shared).
"""

from __future__ import annotations

import os

from .settings import Settings

STORAGE_MODES = ("sqlite", "postgres")


def instance_yaml(settings: Settings) -> str:
    text = (settings.repo_root / "dagster.yaml").read_text(encoding="utf-8")
    storage = os.environ.get("GREENPARK_DAGSTER_STORAGE", "sqlite")
    if storage not in STORAGE_MODES:
        raise ValueError(f"GREENPARK_DAGSTER_STORAGE 只能是 sqlite 或 postgres,而不是 {storage!r}")
    return text + "\n" + (settings.repo_root / f"dagster.{storage}.yaml").read_text(encoding="utf-8")


def ensure_dagster_home(settings: Settings) -> None:
    home = settings.dagster_home
    home.mkdir(parents=True, exist_ok=True)
    target = home / "dagster.yaml"
    text = instance_yaml(settings)
    if not target.exists() or target.read_text(encoding="utf-8") != text:
        target.write_text(text, encoding="utf-8")
    os.environ["DAGSTER_HOME"] = str(home)
