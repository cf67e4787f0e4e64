"""Shared set-up for the portal tests: a work dir with accounts for two cities and the province,
workbooks with a planted error, and a real `greenpark portal` process on a free loopback port."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import httpx
from fixtures.workbooks import valid_submission, write_workbook

CITY_A, CITY_B = "330100", "330200"  # 杭州市, 宁波市
PASSWORD = "correct-horse-42"
PLANTED_ROW = 4  # Excel row of the second park (title row, header row, then data)
GREENPARK = Path(sys.executable).with_name("greenpark")
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]


@dataclass
class Accounts:
    tokens: dict[str, str]  # user name → API token


def make_accounts(store) -> Accounts:
    from greenpark.portal import accounts

    accounts.add_user(store, "hz", PASSWORD, city_code=CITY_A, province=False)
    accounts.add_user(store, "nb", PASSWORD, city_code=CITY_B, province=False)
    accounts.add_user(store, "prov", PASSWORD, city_code=None, province=True)
    return Accounts({name: accounts.issue_token(store, name) for name in ("hz", "nb", "prov")})


def log_in(page, url: str, username: str) -> None:
    """Open the login page in a real browser and send the form as `username` (password PASSWORD)."""
    page.goto(f"{url}/login")
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")


def planted_workbook(folder: Path, city: str = CITY_A, *, per_park: int = 3, ext: str = "xlsx") -> Path:
    """A valid city workbook with one planted error: a negative 工业总产值 in the second park row."""
    rows = valid_submission(city, per_park=per_park)
    rows["park_quarter"][1]["gross_output"] = -5
    return write_workbook(folder / f"{city}_2025Q2.{ext}", rows)


def free_port() -> int:
    with contextlib.closing(socket.socket()) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class PortalProcess:
    """`greenpark portal` as operators start it, on loopback, in its own process."""

    def __init__(self, workdir: Path, env: dict[str, str] | None = None):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = workdir / "portal.log"
        full_env = dict(os.environ, GREENPARK_WORKDIR=str(workdir), **(env or {}))
        for var in ("DAGSTER_HOME", "GREENPARK_WAREHOUSE", "GREENPARK_SITE_DIR", "GREENPARK_PORTAL_DB"):
            full_env.pop(var, None)
        self.proc = subprocess.Popen([str(GREENPARK), "portal", "--port", str(self.port)], env=full_env,
                                     stdout=self.log.open("wb"), stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(f"{self.url}/login", timeout=2).status_code == 200:
                    return
            if self.proc.poll() is not None:
                break
            time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"门户未能启动:{self.log.read_text(errors='replace')[-2000:]}")

    def rss_kib(self) -> int:
        for line in Path(f"/proc/{self.proc.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
        return 0

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
