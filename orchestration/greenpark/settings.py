"""Every path and switch, read once from environment variables with sane defaults.

Code and configuration (dbt project, expectations, site sources, city registry) live in the repo.
Data that runs produce (drops, archive, warehouse, built site, Dagster storage) lives under one work
directory, so a test or a benchmark points GREENPARK_WORKDIR at a temporary folder and touches
nothing else.
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]


def _path(env: str, default: Path) -> Path:
    value = os.environ.get(env)
    return Path(value).expanduser().resolve() if value else default


@dataclass(frozen=True)
class Settings:
    repo_root: Path
    workdir: Path

    @classmethod
    def from_env(cls) -> Settings:
        return cls(repo_root=REPO_ROOT, workdir=_path("GREENPARK_WORKDIR", REPO_ROOT))

    # --- configuration kept in the repo -------------------------------------------------------
    @property
    def dbt_project_dir(self) -> Path:
        return self.repo_root / "dbt_project"

    @property
    def park_registry_csv(self) -> Path:
        return self.dbt_project_dir / "seeds" / "park_registry.csv"

    @property
    def expectations_dir(self) -> Path:
        return self.repo_root / "expectations"

    @property
    def site_project_dir(self) -> Path:
        """The MkDocs project (mkdocs.yml, overrides, static pages)."""
        return self.repo_root / "site"

    @property
    def cities_yaml(self) -> Path:
        return _path("GREENPARK_CITIES_YAML", self.repo_root / "sources" / "cities.yaml")

    # --- data produced by runs ----------------------------------------------------------------
    @property
    def sources_dir(self) -> Path:
        return self.workdir / "sources"

    @property
    def inbox_dir(self) -> Path:
        return self.sources_dir / "inbox"

    @property
    def outbox_dir(self) -> Path:
        return self.sources_dir / "outbox"

    @property
    def archive_dir(self) -> Path:
        return self.sources_dir / "archive"

    @property
    def warehouse_path(self) -> Path:
        """The one DuckDB file: Dagster resources and the dbt profile both read this setting."""
        return _path("GREENPARK_WAREHOUSE", self.workdir / "data" / "warehouse.duckdb")

    @property
    def dbt_target_dir(self) -> Path:
        """The dbt manifest Dagster loads: it depends on the project only, so it lives beside it
        and is shared by every work dir."""
        return self.dbt_project_dir / "target"

    @property
    def dbt_run_target_dir(self) -> Path:
        """Where `dbt build` writes its artifacts for this work dir: one folder, reused, so dbt's
        partial parse (keyed by the warehouse path in the profile) survives between runs and
        run artifacts do not pile up one folder per run."""
        return self.workdir / "data" / "dbt_target"

    @property
    def site_generated_dir(self) -> Path:
        """Markdown and assets generated from the marts (input of mkdocs build)."""
        return self.workdir / "site" / "generated"

    @property
    def site_public_dir(self) -> Path:
        """The published static site; replaced atomically by each publish."""
        return _path("GREENPARK_SITE_DIR", self.workdir / "site" / "public")

    @property
    def releases_dir(self) -> Path:
        """The release registry: releases.json and, per release, its open data and a zip of its
        site. In the work dir, outside the published site, so a publish never replaces it; the
        site reaches earlier releases' files through hard links (copies across file systems)."""
        return self.workdir / "site" / "releases"

    @property
    def dagster_home(self) -> Path:
        return _path("DAGSTER_HOME", self.workdir / ".dagster_home")

    # --- switches -----------------------------------------------------------------------------
    @cached_property
    def today(self) -> dt.date:
        """The date used for the open reporting window; fixed by tests and demos for determinism."""
        value = os.environ.get("GREENPARK_TODAY")
        return dt.date.fromisoformat(value) if value else dt.date.today()

    @property
    def demo_data(self) -> bool:
        """Pages say 示例数据 while this is on; a real deployment turns it off."""
        return os.environ.get("GREENPARK_DEMO_DATA", "1") != "0"

    # --- who publishes, under which licence (stated on every page and in the open data) -------
    @property
    def issuer(self) -> str:
        """发布机关. The demo default is marked 示例 wherever it is shown (see publish.releases)."""
        return os.environ.get("GREENPARK_ISSUER", "").strip() or "浙江省经济和信息化厅"

    @property
    def contact(self) -> str:
        """联系方式 printed on every page."""
        return (os.environ.get("GREENPARK_CONTACT", "").strip()
                or "浙江省经济和信息化厅 绿色低碳工业园区数据组，电子邮箱 greenpark@example.org")

    @property
    def licence_name(self) -> str:
        return os.environ.get("GREENPARK_LICENCE_NAME", "").strip() or "CC BY 4.0"

    @property
    def licence_url(self) -> str:
        return (os.environ.get("GREENPARK_LICENCE_URL", "").strip()
                or "https://creativecommons.org/licenses/by/4.0/")


def get_settings() -> Settings:
    return Settings.from_env()
