"""Dagster as the data team meets it: the webserver's GraphQL API, and PostgreSQL instance storage."""

from __future__ import annotations

import glob
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import pytest
from test_orchestration import HANGZHOU, drop, pull, run_slice

from greenpark.dagster_home import ensure_dagster_home, open_instance
from greenpark.definitions import build_definitions
from greenpark.settings import get_settings

ASSET_GRAPH_QUERY = "{ assetNodes { assetKey { path } groupName dependencyKeys { path } } }"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _graphql(port: int, query: str) -> dict:
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/graphql",
        data=json.dumps({"query": query}).encode(),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read())


def test_webserver_serves_the_asset_graph_over_graphql(workdir: Path):
    settings = get_settings()
    ensure_dagster_home(settings)
    port = _free_port()
    webserver = Path(sys.executable).with_name("dagster-webserver")
    log = (workdir / "webserver.log").open("wb")
    proc = subprocess.Popen(
        [str(webserver), "-m", "greenpark.definitions", "-h", "127.0.0.1", "-p", str(port)],
        env={**os.environ, "DAGSTER_HOME": str(settings.dagster_home)},
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline, answer = time.monotonic() + 180, None
        while time.monotonic() < deadline and answer is None:
            assert proc.poll() is None, (workdir / "webserver.log").read_text(errors="replace")[-3000:]
            try:
                answer = _graphql(port, ASSET_GRAPH_QUERY)
            except OSError:
                time.sleep(1)
        assert answer is not None, "webserver did not answer within 180 s"
        nodes = {"/".join(n["assetKey"]["path"]): n for n in answer["data"]["assetNodes"]}
        assert nodes["raw_submission_archive"]["groupName"] == "raw"
        assert nodes["submission_versions"]["groupName"] == "core"
        assert nodes["stg_park_quarter"]["groupName"] == "staging"
        assert nodes["fct_park_evaluation"]["groupName"] == "marts"
        assert nodes["public_site"]["groupName"] == "publish"
        # dbt sources are the intake's tables: the graph runs from the archive to the site unbroken.
        assert {"path": ["raw_park_quarter"]} in nodes["stg_park_quarter"]["dependencyKeys"]
        assert {"path": ["fct_park_evaluation"]} in nodes["public_site"]["dependencyKeys"]
    finally:
        proc.terminate()
        proc.wait(timeout=30)
        log.close()


def _pg_bin(name: str) -> str:
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    if not found:
        pytest.fail(f"PostgreSQL 服务器程序 {name} 未安装:测试命令(./run.sh test)会安装 Debian 的 postgresql 包。")
    return found[-1]


@pytest.fixture
def postgres_server():
    """A throw-away PostgreSQL cluster on a local port, run as the postgres user when we are root."""
    as_user = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
    data = Path(tempfile.mkdtemp(prefix="greenpark-pg-", dir="/tmp"))
    if as_user:
        shutil.chown(data, "postgres", "postgres")
    port = _free_port()
    subprocess.run([*as_user, _pg_bin("initdb"), "-D", str(data / "db"), "-U", "greenpark", "--auth=trust",
                    "-E", "UTF8", "--no-instructions"], check=True, capture_output=True)
    subprocess.run([*as_user, _pg_bin("pg_ctl"), "-D", str(data / "db"), "-l", str(data / "pg.log"), "-w",
                    "-o", f"-p {port} -k {data} -c listen_addresses=127.0.0.1", "start"], check=True, capture_output=True)
    try:
        subprocess.run([_pg_bin("createdb"), "-h", "127.0.0.1", "-p", str(port), "-U", "greenpark", "dagster"],
                       check=True, capture_output=True)
        yield port
    finally:
        subprocess.run([*as_user, _pg_bin("pg_ctl"), "-D", str(data / "db"), "-m", "fast", "-w", "stop"],
                       capture_output=True)
        shutil.rmtree(data, ignore_errors=True)


def test_pipeline_runs_against_postgresql_instance_storage(workdir: Path, postgres_server: int,
                                                           monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("GREENPARK_DAGSTER_STORAGE", "postgres")
    for name, value in {"HOST": "127.0.0.1", "PORT": str(postgres_server), "DB": "dagster",
                        "USER": "greenpark", "PASSWORD": ""}.items():
        monkeypatch.setenv(f"GREENPARK_PG_{name}", value)
    settings = get_settings()
    ensure_dagster_home(settings)
    defs = build_definitions(settings)
    drop(HANGZHOU, 2025, 2)
    with open_instance(settings) as instance:
        assert type(instance.run_storage).__name__ == "PostgresRunStorage"
        pull(defs, instance)
        assert run_slice(defs, instance, f"{HANGZHOU}|2025Q2", with_report=False).success
    rows = subprocess.run(
        [_pg_bin("psql"), "-h", "127.0.0.1", "-p", str(postgres_server), "-U", "greenpark", "-d", "dagster",
         "-At", "-c", "SELECT count(*) FROM runs; SELECT count(*) FROM event_logs WHERE asset_key IS NOT NULL;"],
        check=True, capture_output=True, text=True,
    ).stdout.split()
    assert int(rows[0]) == 2 and int(rows[1]) > 0  # both runs and their asset events live in PostgreSQL
    assert not (settings.dagster_home / "history").exists()  # nothing fell back to SQLite
