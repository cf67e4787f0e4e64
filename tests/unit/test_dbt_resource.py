"""How greenpark calls dbt: the dbt beside this Python, and the two dagster-dbt internals it skips.

`WarehouseDbtResource` overrides two private methods of dagster-dbt's `DbtCliResource`; nothing in
dagster-dbt promises they stay, so these tests pin their names, signatures and the call sites
that make the overrides take effect, at the installed dagster-dbt. An upgrade that renames them
fails here instead of silently paying the costs again (or breaking at run time).
"""

from __future__ import annotations

import importlib.metadata
import inspect
import os
import shutil
import subprocess
import sys
from functools import cached_property
from pathlib import Path

from dagster_dbt import DbtCliResource

from greenpark.assets.warehouse_models import WarehouseDbtResource
from greenpark.dbt_process import dbt_executable
from greenpark.settings import get_settings


def _parameters(function) -> list[str]:
    return list(inspect.signature(function).parameters)


def test_the_overridden_private_methods_exist_with_the_signatures_we_override():
    assert importlib.metadata.version("dagster-dbt") == "0.29.27"  # the pin these internals were read at

    parent_version = inspect.getattr_static(DbtCliResource, "_cli_version")
    ours_version = inspect.getattr_static(WarehouseDbtResource, "_cli_version")
    assert isinstance(parent_version, cached_property) and isinstance(ours_version, cached_property)
    assert _parameters(parent_version.func) == _parameters(ours_version.func) == ["self"]

    parent_adapter = inspect.getattr_static(DbtCliResource, "_initialize_dbt_core_adapter")
    ours_adapter = inspect.getattr_static(WarehouseDbtResource, "_initialize_dbt_core_adapter")
    assert _parameters(parent_adapter) == _parameters(ours_adapter) == ["self", "args"]

    # The overrides only matter if `cli()` still goes through them.
    cli_source = inspect.getsource(DbtCliResource.cli)
    assert "self._cli_version" in cli_source
    assert "self._initialize_dbt_core_adapter(args)" in cli_source


def test_the_skipped_version_probe_answers_what_dbt_itself_reports():
    from dbt.version import __version__ as dbt_core_version

    resource = WarehouseDbtResource(project_dir=str(get_settings().dbt_project_dir), dbt_executable=dbt_executable())
    assert str(resource._cli_version) == dbt_core_version
    assert resource._initialize_dbt_core_adapter(["build"]) is None


def test_importing_does_nothing_and_an_unactivated_venv_prepares_the_dbt_manifest(workdir: Path):
    """`.venv/bin/greenpark run` without `source .venv/bin/activate`: no dbt on PATH. And importing
    the definitions module neither parses the dbt project nor writes the environment: Dagster's
    lazy `defs` (or build_definitions) does, when called."""
    bare_path = os.pathsep.join(p for p in ("/usr/local/bin", "/usr/bin", "/bin")
                                if Path(p).is_dir())
    assert shutil.which("dbt", path=bare_path) is None  # else this test would prove nothing
    manifest = get_settings().dbt_target_dir / "manifest.json"
    if manifest.exists():
        os.utime(manifest, (0, 0))  # older than every model: loading must parse the project again
    env = {k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "PATH", "GREENPARK_DBT_WAREHOUSE")}
    code = (
        "import os, pathlib, sys\n"
        "import greenpark.definitions as d\n"
        f"manifest = pathlib.Path({str(manifest)!r})\n"
        "print('after import:', manifest.exists() and manifest.stat().st_mtime > 0,"
        " 'GREENPARK_DBT_WAREHOUSE' in os.environ)\n"
        "print('assets:', len(list(d.defs().resolve_all_asset_keys())))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], env={**env, "PATH": bare_path},
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    assert "after import: False False" in done.stdout, done.stdout
    assert int(done.stdout.split("assets:")[1].split()[0]) > 20
    assert manifest.stat().st_mtime > 0  # freshly written when the definitions were loaded


def test_a_first_build_in_a_new_work_dir_reuses_the_parse_made_ahead(workdir: Path):
    """`parsed_ahead` (greenpark run, dbt_process.py) parses into the run target with the profile the
    build will have: dbt's saved parse is keyed by that profile (the warehouse path in it), so a
    build through dagster-dbt then skips parsing. Without it dbt parses the whole project again."""
    from greenpark.dbt_process import PARTIAL_PARSE, parsed_ahead, wait_for_parse

    settings = get_settings()
    target = settings.dbt_run_target_dir
    resource = WarehouseDbtResource(project_dir=str(settings.dbt_project_dir), profiles_dir=str(settings.dbt_project_dir),
                                    dbt_executable=dbt_executable(), warehouse=str(settings.warehouse_path))

    def parse_as_the_build_does() -> str:
        log = target / "dbt.log"
        log.unlink(missing_ok=True)
        resource.cli(["parse", "--quiet"], target_path=target).wait()
        return log.read_text(encoding="utf-8")

    assert not (target / PARTIAL_PARSE).exists()
    with parsed_ahead(settings):
        wait_for_parse(target)
        assert (target / PARTIAL_PARSE).exists()
        assert not settings.warehouse_path.exists()  # parsing never opens the warehouse
        reused = parse_as_the_build_does()
    assert "Unable to do partial parsing" not in reused and "skipping parsing" in reused

    (target / PARTIAL_PARSE).unlink()  # as in a new work dir without the parse made ahead
    assert "Unable to do partial parsing" in parse_as_the_build_does()


def test_without_a_dbt_to_start_the_parse_ahead_is_skipped(workdir: Path, monkeypatch):
    """No dbt executable: `greenpark run` still starts (the build step reports the missing dbt)."""
    from greenpark import dbt_process

    monkeypatch.setattr(dbt_process, "dbt_executable", lambda: str(workdir / "no-such-dbt"))
    with dbt_process.parsed_ahead(get_settings()):
        dbt_process.wait_for_parse(get_settings().dbt_run_target_dir)
    assert not (get_settings().dbt_run_target_dir / dbt_process.PARTIAL_PARSE).exists()
