"""The project-local Dagster instance: DAGSTER_HOME with the repo's dagster.yaml in it."""

from __future__ import annotations

import os
import shutil

from .settings import Settings


def ensure_dagster_home(settings: Settings) -> None:
    home = settings.dagster_home
    home.mkdir(parents=True, exist_ok=True)
    source = settings.repo_root / "dagster.yaml"
    target = home / "dagster.yaml"
    if not target.exists() or target.read_bytes() != source.read_bytes():
        shutil.copyfile(source, target)
    os.environ["DAGSTER_HOME"] = str(home)
