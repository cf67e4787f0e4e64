"""dbt models as Dagster assets: one asset per model, groups per layer, sources fed by intake.

Nothing happens at import: the dbt project is prepared (manifest parsed when stale), the marts read
from the manifest and the assets built when the definitions are built (definitions.py), from the
settings handed in. dbt's profile takes the warehouse path from GREENPARK_DBT_WAREHOUSE, which
WarehouseDbtResource sets for each dbt call only (dagster-dbt hands dbt a copy of os.environ).
"""

import fcntl
import importlib.metadata
import json
from collections.abc import Mapping
from functools import cached_property
from pathlib import Path
from typing import Any

import dagster as dg
from dagster_dbt import DagsterDbtTranslator, DbtCliResource, DbtProject, dbt_assets
from packaging import version

from ..dbt_process import dbt_executable, wait_for_parse
from ..resources import SettingsResource
from ..settings import TELEMETRY_OFF, Settings, scoped_environ

LAYERS = ("staging", "intermediate", "marts")


def prepare_manifest(project: DbtProject, settings: Settings) -> None:
    """`dbt parse` with the dbt beside this Python, one process at a time: dagster-dbt's own
    preparer (`project.preparer`) runs `dbt` from PATH, which an unactivated venv does not have."""
    project.manifest_path.parent.mkdir(parents=True, exist_ok=True)
    with open(project.manifest_path.with_name("manifest.lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if _manifest_is_stale(project):  # another process may have parsed while we waited
            resource = WarehouseDbtResource(project_dir=project, profiles_dir=str(project.profiles_dir),
                                            dbt_executable=dbt_executable(), warehouse=str(settings.warehouse_path))
            resource.cli(["parse", "--quiet"], target_path=project.target_path).wait()


def dbt_project(settings: Settings) -> DbtProject:
    """The project, its manifest parsed first if any model, seed, macro or test is newer."""
    project = DbtProject(
        project_dir=settings.dbt_project_dir,
        profiles_dir=settings.dbt_project_dir,
        target_path=settings.dbt_target_dir,
    )
    if _manifest_is_stale(project):
        prepare_manifest(project, settings)
    return project


def _manifest_is_stale(project: DbtProject) -> bool:
    if not project.manifest_path.exists():
        return True
    built = project.manifest_path.stat().st_mtime
    sources = [project.project_dir / "dbt_project.yml"]
    for folder in ("models", "seeds", "macros", "tests"):
        sources += (project.project_dir / folder).rglob("*")
    return any(p.is_file() and p.stat().st_mtime > built for p in sources)


class WarehouseDbtResource(DbtCliResource):
    """dagster-dbt's dbt CLI resource without two fixed costs of every `dbt.cli()` call that
    greenpark has no use for (~5 s together in a fresh process, measured on the province run): a
    `dbt --version` subprocess (dbt-core is pinned in our lock, so the installed version is known)
    and a dbt adapter opened inside the Dagster process, used only to fetch row counts and column
    metadata, which greenpark does not fetch.

    `warehouse`: the DuckDB file dbt's profile opens (settings.warehouse_path), put in dbt's
    environment as GREENPARK_DBT_WAREHOUSE for the duration of each `cli()` call, with telemetry
    off (its own name: writing GREENPARK_WAREHOUSE would pin every later Settings in the process
    to this warehouse)."""

    warehouse: str | None = None

    def cli(self, args, **kwargs):
        if self.warehouse is None:
            return super().cli(args, **kwargs)
        env = {"GREENPARK_DBT_WAREHOUSE": self.warehouse,
               **{name: TELEMETRY_OFF[name] for name in ("DBT_SEND_ANONYMOUS_USAGE_STATS", "DO_NOT_TRACK")}}
        # dbt's process starts inside cli() (DbtCliInvocation.run), with the environment of that moment.
        with scoped_environ(env, keep_existing=("DO_NOT_TRACK",)):
            return super().cli(args, **kwargs)

    @cached_property
    def _cli_version(self) -> version.Version:
        return version.parse(importlib.metadata.version("dbt-core"))

    def _initialize_dbt_core_adapter(self, args):
        return None


class GreenparkDbtTranslator(DagsterDbtTranslator):
    def get_asset_key(self, dbt_resource_props: Mapping[str, Any]) -> dg.AssetKey:
        # Every dbt source is a warehouse table the intake step writes, keyed by its table name.
        if dbt_resource_props["resource_type"] == "source":
            return dg.AssetKey(dbt_resource_props["name"])
        return super().get_asset_key(dbt_resource_props)

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        if dbt_resource_props["resource_type"] == "seed":
            return "seeds"
        fqn = dbt_resource_props.get("fqn", [])
        return next((part for part in fqn if part in LAYERS), "marts")


def mart_keys(manifest_path: Path) -> list[dg.AssetKey]:
    """The asset keys of the marts (the public site's inputs), read from the dbt manifest."""
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    translator = GreenparkDbtTranslator()
    return sorted(
        (
            translator.get_asset_key(node)
            for node in manifest["nodes"].values()
            if node["resource_type"] == "model" and "marts" in node["fqn"]
        ),
        key=lambda k: k.to_user_string(),
    )


def build_warehouse_models(project: DbtProject) -> dg.AssetsDefinition:
    @dbt_assets(manifest=project.manifest_path, project=project, dagster_dbt_translator=GreenparkDbtTranslator())
    def warehouse_models(context: dg.AssetExecutionContext, dbt: WarehouseDbtResource, settings: SettingsResource):
        # dbt's unit tests check the SQL, not the data: they run in the test suite (tests/unit), and
        # a production build skips them as dbt recommends.
        args = ["build", "--exclude-resource-type", "unit_test"]
        wait_for_parse(settings.dbt_run_target_dir)  # a first build reuses the parse made ahead (dbt_process.py)
        yield from dbt.cli(args, context=context, target_path=settings.dbt_run_target_dir).stream()

    return warehouse_models
