"""One typed settings object owns every environment variable; importing greenpark changes nothing.

The scans read the package's source with `ast`, so a new `os.environ.get(...)` anywhere but
settings.py, or a `get_settings()` inside an asset, fails here before review. The import test runs
in a fresh interpreter with an audit hook: any write to the environment, any subprocess and any
read of the dbt manifest while the modules import is reported.
"""

from __future__ import annotations

import ast
import datetime as dt
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from greenpark.settings import REPO_ROOT, FileLimits, Settings, SettingsError, get_settings

PACKAGE = REPO_ROOT / "orchestration" / "greenpark"
SETTINGS_PY = PACKAGE / "settings.py"
ENV_FUNCTIONS = {"getenv", "putenv", "unsetenv", "getenvb", "environb"}


def environment_uses(source: str, filename: str = "<source>") -> list[str]:
    """Every place `source` reads or writes the process environment, as 'file:line what'."""
    found = []
    for node in ast.walk(ast.parse(source, filename)):
        what = None
        if isinstance(node, ast.Attribute) and node.attr in {"environ", *ENV_FUNCTIONS}:
            what = f".{node.attr}"
        elif isinstance(node, ast.Name) and node.id in {"environ", *ENV_FUNCTIONS}:
            what = node.id
        elif isinstance(node, ast.ImportFrom) and node.module == "os":
            names = {a.name for a in node.names} & {"environ", *ENV_FUNCTIONS}
            what = f"from os import {', '.join(sorted(names))}" if names else None
        if what:
            found.append(f"{filename}:{node.lineno} {what}")
    return found


def package_sources() -> list[Path]:
    return sorted(p for p in PACKAGE.rglob("*.py") if p != SETTINGS_PY)


def test_the_scan_sees_every_way_of_reaching_the_environment():
    """The scan below can fail: each of these lines is one read or write it must report."""
    for line in ("import os\nx = os.environ.get('GREENPARK_X')",
                 "import os\nx = os.getenv('GREENPARK_X')",
                 "from os import environ\nx = environ['GREENPARK_X']",
                 "from os import getenv",
                 "import os\nos.environ['X'] = '1'",
                 "import os\nos.environ.setdefault('X', '1')",
                 "import os as o\nx = o.environ"):
        assert environment_uses(line), line
    assert not environment_uses("import os\nos.replace('a', 'b')\nenvironment = 1\nx.environment()")


def test_no_module_but_settings_reads_or_writes_the_environment():
    found = [hit for path in package_sources()
             for hit in environment_uses(path.read_text(encoding="utf-8"), str(path.relative_to(PACKAGE)))]
    assert found == [], "os.environ / os.getenv outside settings.py (take the value from Settings):\n" + "\n".join(found)


def test_assets_and_sensors_receive_settings_instead_of_building_them():
    """Assets and automation get the `settings` resource; get_settings() is for process edges."""
    offenders = []
    for path in [*sorted((PACKAGE / "assets").glob("*.py")), PACKAGE / "automation.py", PACKAGE / "resources.py"]:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Name) and node.id == "get_settings":
                offenders.append(f"{path.name}:{node.lineno}")
    assert offenders == []


# ---- the settings object ----------------------------------------------------------------------

# (variable, value, field, parsed value): one row per environment variable greenpark reads.
ENVIRONMENT = [
    ("GREENPARK_CITIES_YAML", "/srv/gp/cities.yaml", "cities_yaml", Path("/srv/gp/cities.yaml")),
    ("GREENPARK_WAREHOUSE", "/srv/gp/wh.duckdb", "warehouse_path", Path("/srv/gp/wh.duckdb")),
    ("GREENPARK_SITE_DIR", "/srv/www", "site_public_dir", Path("/srv/www")),
    ("DAGSTER_HOME", "/srv/dagster", "dagster_home", Path("/srv/dagster")),
    ("GREENPARK_DAGSTER_STORAGE", "postgres", "dagster_storage", "postgres"),
    ("GREENPARK_TODAY", "2025-08-10", "today", dt.date(2025, 8, 10)),
    ("GREENPARK_DEMO_DATA", "0", "demo_data", False),
    ("GREENPARK_DISCLOSURE_CONTROL", "off", "disclosure_control", False),
    ("GREENPARK_ISSUER", "某某厅", "issuer", "某某厅"),
    ("GREENPARK_CONTACT", "电话 0571-1", "contact", "电话 0571-1"),
    ("GREENPARK_LICENCE_NAME", "CC0", "licence_name", "CC0"),
    ("GREENPARK_LICENCE_URL", "https://example.org/l", "licence_url", "https://example.org/l"),
    ("GREENPARK_SMTP_HOST", "mail.example.org", "smtp_host", "mail.example.org"),
    ("GREENPARK_SMTP_PORT", "587", "smtp_port", 587),
    ("GREENPARK_SMTP_FROM", "gp@example.org", "smtp_from", "gp@example.org"),
    ("GREENPARK_SMTP_USER", "gp", "smtp_user", "gp"),
    ("GREENPARK_SMTP_STARTTLS", "1", "smtp_starttls", True),
    ("GREENPARK_ALERT_EMAIL", "team@example.org", "alert_email", "team@example.org"),
    ("GREENPARK_USER", "数据组甲", "user", "数据组甲"),
    ("GREENPARK_LOCK_WAIT_S", "0.3", "lock_wait_s", 0.3),
    ("GREENPARK_MAX_FILE_MB", "2", "max_file_mb", 2),
    ("GREENPARK_MAX_UNCOMPRESSED_MB", "64", "max_uncompressed_mb", 64),
    ("GREENPARK_MAX_ZIP_RATIO", "50", "max_zip_ratio", 50),
    ("GREENPARK_MAX_ZIP_ENTRIES", "99", "max_zip_entries", 99),
    ("GREENPARK_MAX_ROWS", "5000", "max_rows", 5000),
    ("GREENPARK_MAX_COLUMNS", "60", "max_columns", 60),
    ("GREENPARK_PORTAL_SESSION_MINUTES", "30", "portal_session_seconds", 1800),
    ("GREENPARK_PORTAL_WAIT_S", "0.5", "portal_wait_s", 0.5),
    ("GREENPARK_PORTAL_DB", "/srv/gp/portal.sqlite3", "portal_db_path", Path("/srv/gp/portal.sqlite3")),
]


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    for name in list(os.environ):
        if name.startswith("GREENPARK_") or name == "DAGSTER_HOME":
            monkeypatch.delenv(name)
    monkeypatch.setenv("GREENPARK_WORKDIR", str(tmp_path))
    return tmp_path


@pytest.mark.parametrize(("variable", "value", "attribute", "expected"), ENVIRONMENT, ids=[e[0] for e in ENVIRONMENT])
def test_each_variable_reaches_its_setting(clean_env, monkeypatch, variable, value, attribute, expected):
    before = getattr(get_settings(), attribute)
    monkeypatch.setenv(variable, value)
    assert getattr(get_settings(), attribute) == expected != before


def test_defaults_live_under_the_work_dir(clean_env: Path, monkeypatch: pytest.MonkeyPatch):
    settings = get_settings()
    assert settings.workdir == clean_env.resolve()
    assert settings.warehouse_path == clean_env / "data" / "warehouse.duckdb"
    assert settings.site_public_dir == clean_env / "site" / "public"
    assert settings.dagster_home == clean_env / ".dagster_home"
    assert settings.portal_db_path == clean_env / "data" / "portal.sqlite3"
    assert settings.cities_yaml == REPO_ROOT / "sources" / "cities.yaml"
    assert settings.file_limits == FileLimits()
    assert (settings.smtp_host, settings.alert_email, settings.portal_secret, settings.user) == (None,) * 4
    assert settings.demo_data and settings.disclosure_control and settings.lock_wait_s == 600
    monkeypatch.setenv("DAGSTER_HOME", "")  # empty means unset
    assert get_settings().dagster_home == clean_env / ".dagster_home"
    # Explicit arguments win over the environment (tests and the CLI build their own).
    other = Settings(repo_root=REPO_ROOT, workdir=clean_env / "other")
    assert other.warehouse_path == clean_env / "other" / "data" / "warehouse.duckdb"


def test_blank_texts_fall_back_and_secrets_stay_out_of_repr(clean_env, monkeypatch):
    monkeypatch.setenv("GREENPARK_ISSUER", "  ")
    monkeypatch.setenv("GREENPARK_SMTP_HOST", "")
    monkeypatch.setenv("GREENPARK_SMTP_PASSWORD", "hunter2-hunter2")
    monkeypatch.setenv("GREENPARK_PORTAL_SECRET", "s" * 40)
    settings = get_settings()
    assert settings.issuer == "浙江省经济和信息化厅" and settings.smtp_host is None
    assert settings.smtp_password.get_secret_value() == "hunter2-hunter2"
    assert "hunter2" not in repr(settings) and "s" * 40 not in repr(settings)


@pytest.mark.parametrize(("variable", "value"), [
    ("GREENPARK_LOCK_WAIT_S", "soon"),
    ("GREENPARK_MAX_FILE_MB", "0"),
    ("GREENPARK_SMTP_PORT", "smtp"),
    ("GREENPARK_TODAY", "2025-13-01"),
    ("GREENPARK_DAGSTER_STORAGE", "mysql"),
    ("GREENPARK_DEMO_DATA", "perhaps"),
])
def test_a_bad_value_is_refused_naming_its_variable(clean_env, monkeypatch, variable, value):
    monkeypatch.setenv(variable, value)
    with pytest.raises(SettingsError, match=variable) as refused:
        get_settings()
    assert repr(value) in str(refused.value)


def test_a_bad_secret_is_named_but_not_shown(clean_env, monkeypatch):
    monkeypatch.setenv("GREENPARK_SMTP_PORT", "70000")
    monkeypatch.setenv("GREENPARK_SMTP_PASSWORD", "hunter2-hunter2")
    with pytest.raises(SettingsError, match="GREENPARK_SMTP_PORT") as refused:
        get_settings()
    assert "hunter2" not in str(refused.value)


def test_the_cli_names_a_bad_variable_and_exits_2(clean_env, monkeypatch):
    from click.testing import CliRunner

    from greenpark.cli import main

    monkeypatch.setenv("GREENPARK_PORTAL_WAIT_S", "briefly")
    result = CliRunner().invoke(main, ["versions"])
    assert result.exit_code == 2 and "GREENPARK_PORTAL_WAIT_S" in result.output, result.output


def test_a_long_running_process_sees_the_date_move(clean_env, monkeypatch):
    """The portal, `greenpark watch` and a code server keep one Settings for months: each run, tick
    or request re-dates it (`as_of_now`), as the environment or the calendar says now."""
    monkeypatch.setenv("GREENPARK_TODAY", "2025-08-10")
    settings = get_settings()
    monkeypatch.setenv("GREENPARK_TODAY", "2025-10-01")
    assert settings.today == dt.date(2025, 8, 10)
    moved = settings.as_of_now()
    assert moved.today == dt.date(2025, 10, 1) and moved.workdir == settings.workdir
    monkeypatch.delenv("GREENPARK_TODAY")
    assert settings.current_date() == dt.date.today()
    monkeypatch.setenv("GREENPARK_TODAY", "someday")
    with pytest.raises(SettingsError, match="GREENPARK_TODAY"):
        settings.current_date()


# ---- importing does nothing ---------------------------------------------------------------------

IMPORT_PROBE = r"""
import json, os, pkgutil, sys, importlib
events = []
def hook(event, args):
    if event in ("os.putenv", "os.unsetenv", "subprocess.Popen", "os.system", "os.exec", "os.posix_spawn"):
        events.append([event, repr(args)[:200]])
    elif event == "open" and isinstance(args[0], (str, bytes, os.PathLike)) and os.fsdecode(args[0]).endswith("manifest.json"):
        events.append([event, os.fsdecode(args[0])])
# Third-party imports with their own side effects, done before the hook so that only greenpark's
# are judged: Dagster's vendored croniter runs `file -b python` (platform.architecture), numpy
# sets and unsets OPENBLAS_MAIN_FREE.
import dagster._vendored.croniter, numpy
before = dict(os.environ)
sys.addaudithook(hook)
import greenpark
names = sorted(m.name for m in pkgutil.walk_packages(greenpark.__path__, "greenpark."))
for name in names:
    importlib.import_module(name)
imported_env, import_events = dict(os.environ), list(events)
# At run time, telemetry is turned off where GX is imported (not before).
from greenpark.quality.gx_runner import GxRunner
gx_before = os.environ.get("GX_ANALYTICS_ENABLED")
GxRunner({})._definitions()
print(json.dumps({"modules": names, "events": import_events, "env_changed": sorted(set(before.items()) ^ set(imported_env.items())),
                  "gx_before": gx_before, "gx_after": os.environ.get("GX_ANALYTICS_ENABLED")}))
"""


def test_importing_every_module_writes_no_environment_runs_nothing_and_reads_no_manifest(tmp_path: Path):
    """The work dir has no manifest and the repo's may be absent: importing must not care."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GREENPARK_", "GX_", "DAGSTER_HOME"))}
    env["GREENPARK_WORKDIR"] = str(tmp_path)
    done = subprocess.run([sys.executable, "-c", IMPORT_PROBE], env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    report = json.loads(done.stdout.strip().splitlines()[-1])
    assert {"greenpark.definitions", "greenpark.quality.gx_runner", "greenpark.assets.public_site",
            "greenpark.assets.warehouse_models", "greenpark.cli"} <= set(report["modules"])
    assert report["events"] == [] and report["env_changed"] == []
    assert (report["gx_before"], report["gx_after"]) == (None, "false")
