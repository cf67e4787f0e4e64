"""Every path and switch greenpark reads from the environment, typed and validated in one object.

This is the only module that reads `os.environ` (a test scans the package for any other read). A
`Settings` is built once, by `get_settings()`, at the edge of a process: the CLI, the portal, the
Dagster code location (`definitions.defs`). Everything else is handed that object: Dagster assets and
sensors receive it as the `settings` resource, plain functions as an argument. Environment variables
are read when a `Settings` is constructed, not when a value is used, so a process sees one
consistent configuration; a test that sets a variable builds its settings afterwards.

Code and configuration (dbt project, expectations, site sources, city registry) live in the repo.
Data that runs produce (drops, archive, warehouse, built site, Dagster storage) lives under one work
directory, so a test or a benchmark points GREENPARK_WORKDIR at a temporary folder and touches
nothing else. Paths left unset are derived from the work dir.

Some tools read their switches from the process environment only: dagster-dbt copies `os.environ`
into dbt's subprocess (dbt's profile takes the warehouse path from GREENPARK_DBT_WAREHOUSE), MkDocs
reads SOURCE_DATE_EPOCH in-process. `scoped_environ` is the one place that writes the environment
for them, for the duration of the call only.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from pydantic import AliasChoices, Field, SecretStr, ValidationError, ValidationInfo, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

REPO_ROOT = Path(__file__).resolve().parents[2]
ENV_PREFIX = "GREENPARK_"
MIB = 1024 * 1024

DEFAULT_ISSUER = "浙江省经济和信息化厅"
DEFAULT_CONTACT = "浙江省经济和信息化厅 绿色低碳工业园区数据组，电子邮箱 greenpark@example.org"
DEFAULT_LICENCE_NAME = "CC BY 4.0"
DEFAULT_LICENCE_URL = "https://creativecommons.org/licenses/by/4.0/"

# Telemetry off for every tool greenpark starts (the machine may have no internet at all).
TELEMETRY_OFF = {
    "DAGSTER_DISABLE_TELEMETRY": "1",
    "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
    "DO_NOT_TRACK": "1",
    "GX_ANALYTICS_ENABLED": "false",
    "NO_MKDOCS_2_WARNING": "1",
}


class SettingsError(ValueError):
    """An environment variable holds a value greenpark cannot use; the message names it."""


@dataclass(frozen=True)
class FileLimits:
    """Limits checked on a submitted file's bytes before any reader inflates it (submission.guards)."""

    max_file_bytes: int = 100 * MIB
    max_uncompressed_bytes: int = 512 * MIB
    max_ratio: int = 200
    max_entries: int = 10_000
    max_rows: int = 200_000
    max_columns: int = 1_000


def _resolved(value: Any) -> Any:
    return Path(value).expanduser().resolve() if isinstance(value, (str, Path)) and str(value) else value


def _derived(info: ValidationInfo, field: str) -> Path | None:
    """Defaults below the work dir (or the repo): None when those failed to validate."""
    workdir, repo = info.data.get("workdir"), info.data.get("repo_root")
    if workdir is None or repo is None:
        return None
    return {
        "cities_yaml": repo / "sources" / "cities.yaml",
        "warehouse": workdir / "data" / "warehouse.duckdb",
        "site_dir": workdir / "site" / "public",
        "dagster_home": workdir / ".dagster_home",
        "portal_db": workdir / "data" / "portal.sqlite3",
    }[field]


class Settings(BaseSettings):
    """All configuration, from GREENPARK_* variables (and DAGSTER_HOME) with defaults.

    Field `x` is read from GREENPARK_X (case-insensitive); `dagster_home` from DAGSTER_HOME.
    """

    model_config = SettingsConfigDict(env_prefix=ENV_PREFIX, frozen=True, extra="forbid", populate_by_name=True)

    # --- where things are ---------------------------------------------------------------------
    repo_root: Path = REPO_ROOT
    workdir: Path = Field(REPO_ROOT, description="Work dir of every run's data (GREENPARK_WORKDIR).")
    cities_yaml: Path = Field(None, validate_default=True, description="City registry with drop locations.")
    warehouse: Path = Field(None, validate_default=True, description="The one DuckDB file.")
    site_dir: Path = Field(None, validate_default=True, description="Where the public site is published.")
    dagster_home: Path = Field(None, validate_default=True,
                               validation_alias=AliasChoices("DAGSTER_HOME", "dagster_home"),
                               description="The Dagster instance folder (DAGSTER_HOME, not prefixed).")
    dagster_storage: Literal["sqlite", "postgres"] = "sqlite"

    # --- switches -----------------------------------------------------------------------------
    today: dt.date = Field(default_factory=dt.date.today,
                           description="The date of the open reporting window; fixed by tests and demos.")
    demo_data: bool = Field(True, description="Pages say 示例数据 while on; a real deployment turns it off.")
    disclosure_control: bool = Field(True, description="Suppression of small cells; off only for attack tests.")

    # --- who publishes, under which licence (stated on every page and in the open data) -------
    issuer: str = DEFAULT_ISSUER
    contact: str = DEFAULT_CONTACT
    licence_name: str = DEFAULT_LICENCE_NAME
    licence_url: str = DEFAULT_LICENCE_URL

    # --- e-mail (feedback packages, reminders, failure alerts): off without smtp_host -----------
    smtp_host: str | None = None
    smtp_port: int = Field(25, gt=0, lt=65536)
    smtp_from: str = "greenpark@localhost"
    smtp_user: str | None = None
    smtp_password: SecretStr | None = None
    smtp_starttls: bool = False
    alert_email: str | None = None

    # --- who records a management decision (default: the system user) ------------------------
    user: str | None = None

    # --- waits and limits ---------------------------------------------------------------------
    lock_wait_s: float = Field(600.0, ge=0, description="Wait for another process's hold on the warehouse.")
    max_file_mb: int = Field(100, gt=0)
    max_uncompressed_mb: int = Field(512, gt=0)
    max_zip_ratio: int = Field(200, gt=0)
    max_zip_entries: int = Field(10_000, gt=0)
    max_rows: int = Field(200_000, gt=0)
    max_columns: int = Field(1_000, gt=0)

    # --- the submission portal ------------------------------------------------------------------
    portal_secret: SecretStr | None = None
    portal_session_minutes: float = Field(480.0, gt=0)
    portal_wait_s: float = Field(5.0, ge=0)
    portal_db: Path = Field(None, validate_default=True)

    def __init__(self, **values: Any):
        try:
            super().__init__(**values)
        except ValidationError as exc:
            raise SettingsError(_explain(exc)) from None

    @field_validator("workdir", "repo_root", mode="before")
    @classmethod
    def _absolute(cls, value: Any) -> Any:
        return _resolved(value)

    @field_validator("cities_yaml", "warehouse", "site_dir", "dagster_home", "portal_db", mode="before")
    @classmethod
    def _path_or_derived(cls, value: Any, info: ValidationInfo) -> Any:
        if value is None or value == "":
            return _derived(info, info.field_name)
        return _resolved(value)

    @field_validator("issuer", "contact", "licence_name", "licence_url", mode="before")
    @classmethod
    def _blank_is_default(cls, value: Any, info: ValidationInfo) -> Any:
        if isinstance(value, str) and not value.strip():
            return cls.model_fields[info.field_name].default
        return value.strip() if isinstance(value, str) else value

    @field_validator("smtp_host", "smtp_user", "alert_email", "user", "portal_secret", mode="before")
    @classmethod
    def _blank_is_unset(cls, value: Any) -> Any:
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("disclosure_control", mode="before")
    @classmethod
    def _on_off(cls, value: Any) -> Any:
        return value.strip().lower() if isinstance(value, str) else value

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
        return self.warehouse

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
        return self.site_dir

    @property
    def releases_dir(self) -> Path:
        """The release registry: releases.json and, per release, its open data and a zip of its
        site. In the work dir, outside the published site, so a publish never replaces it; the
        site reaches earlier releases' files through hard links (copies across file systems)."""
        return self.workdir / "site" / "releases"

    @property
    def portal_db_path(self) -> Path:
        return self.portal_db

    # --- derived switches -----------------------------------------------------------------------
    def current_date(self) -> dt.date:
        """The date now, for processes that run for months (the portal, `greenpark watch`, a
        Dagster code server): `today` is fixed when the settings are built, so this reads
        GREENPARK_TODAY again (tests and demos move it), else takes the calendar date."""
        value = os.environ.get(ENV_PREFIX + "TODAY", "").strip()
        if not value:
            return dt.date.today()
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            raise SettingsError(f"配置错误:环境变量 {ENV_PREFIX}TODAY 无效(当前值 {value!r}):应为 YYYY-MM-DD") from None

    def as_of_now(self) -> Settings:
        """These settings with `today` moved to `current_date()` (the same object if unchanged)."""
        today = self.current_date()
        return self if today == self.today else self.model_copy(update={"today": today})

    @property
    def file_limits(self) -> FileLimits:
        return FileLimits(
            max_file_bytes=self.max_file_mb * MIB,
            max_uncompressed_bytes=self.max_uncompressed_mb * MIB,
            max_ratio=self.max_zip_ratio,
            max_entries=self.max_zip_entries,
            max_rows=self.max_rows,
            max_columns=self.max_columns,
        )

    @property
    def portal_session_seconds(self) -> int:
        return int(self.portal_session_minutes * 60)

    def tool_environment(self, base: Mapping[str, str] | None = None) -> dict[str, str]:
        """The environment of a child process greenpark starts (dagster dev, dbt): this process's
        own (or `base`), DAGSTER_HOME and the warehouse path from these settings, telemetry off
        unless the caller's environment says otherwise."""
        env = dict(os.environ if base is None else base)
        for name, value in TELEMETRY_OFF.items():
            env.setdefault(name, value)
        env["DAGSTER_HOME"] = str(self.dagster_home)
        env["GREENPARK_DBT_WAREHOUSE"] = str(self.warehouse_path)
        return env


def _env_name(field: str) -> str:
    return "DAGSTER_HOME" if field == "dagster_home" else ENV_PREFIX + field.upper()


def _explain(exc: ValidationError) -> str:
    lines = []
    for error in exc.errors(include_url=False):
        field = str(error["loc"][0]) if error["loc"] else ""
        name = _env_name(field) if field in Settings.model_fields else field
        value = "" if field.endswith(("secret", "password")) else f"(当前值 {error.get('input')!r})"
        lines.append(f"环境变量 {name} 无效{value}:{error['msg']}")
    return "配置错误:" + ";".join(lines)


def get_settings(**overrides: Any) -> Settings:
    """The settings of this process, read from the environment now (overrides win)."""
    return Settings(**overrides)


@contextlib.contextmanager
def scoped_environ(values: Mapping[str, str], *, keep_existing: tuple[str, ...] = ()) -> Iterator[None]:
    """Set `values` in the process environment for the duration of the block, then restore it.

    For tools that read only the environment (dagster-dbt builds dbt's environment from
    `os.environ`; MkDocs reads SOURCE_DATE_EPOCH). Names in `keep_existing` keep a value the
    environment already has (an operator's own switch wins over our default)."""
    keep = set(keep_existing)
    saved = {name: os.environ.get(name) for name in values}
    try:
        for name, value in values.items():
            if name in keep and saved[name] is not None:
                continue
            os.environ[name] = value
        yield
    finally:
        for name, old in saved.items():
            if old is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = old


def telemetry_off() -> None:
    """Turn telemetry off in this process for libraries that read only the environment (GX reads
    GX_ANALYTICS_ENABLED when it sets up a context): called where such a library is imported,
    at call time, never at import. A value the operator set is kept."""
    for name, value in TELEMETRY_OFF.items():
        os.environ.setdefault(name, value)
