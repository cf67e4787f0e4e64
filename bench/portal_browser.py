"""What the screenshot scripts (portal_screenshots.py, console_screenshots.py) share: a `greenpark
portal` on a free loopback port for the length of a `with`, Debian chromium launched the one way the
guide allows, and the login form filled in. Kept in bench/ so bench scripts never import tests/."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx

GREENPARK = Path(sys.executable).with_name("greenpark")
PASSWORD = "screenshot-password-1"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run"]


@contextlib.contextmanager
def running_portal() -> Iterator[str]:
    """Start `greenpark portal` on a free port, wait until /login answers, yield its base URL, stop it."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    url = f"http://127.0.0.1:{port}"
    proc = subprocess.Popen([str(GREENPARK), "portal", "--port", str(port)], env=os.environ.copy(),
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(100):
            try:
                httpx.get(f"{url}/login", timeout=1)
                break
            except httpx.HTTPError:
                time.sleep(0.2)
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def launch(playwright):
    return playwright.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)


def submit_login(page, username: str) -> None:
    """Fill in and send the login form the page is showing."""
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
