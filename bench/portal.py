"""Portal figures: upload → findings-in-page for demo files and province-size files (one city's
quarter, ~5,000 enterprise rows), on a warm `greenpark portal`; the portal's memory; a burst of
1,000 API requests.

    uv run python bench/portal.py [--uploads 20] [--json]

Each upload is a distinct workbook from `greenpark demo` (demo size: 61 parks, mixed formats and
planted errors; province size: ~5,000 enterprises per file), posted through the upload form by
its own city's user exactly as a browser posts it; the clock runs from the start of the POST to
the end of the findings page it redirects to (loopback, so the transfer itself is ~free).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx

GREENPARK = Path(sys.executable).with_name("greenpark")
PASSWORD = "bench-password-42"


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _rss(pid: int) -> dict:
    """The portal's RSS and peak, and the RSS of its helper processes (the feedback writer)."""
    status = Path(f"/proc/{pid}/status").read_text()

    def get(key: str, text: str = status) -> float:
        return int(re.search(rf"{key}:\s+(\d+)", text).group(1)) / 1024

    children = [c for t in Path(f"/proc/{pid}/task").iterdir() for c in (t / "children").read_text().split()]
    helpers = 0.0
    for child in children:
        try:
            helpers += get("VmRSS", Path(f"/proc/{child}/status").read_text())
        except (OSError, AttributeError):
            continue
    return {"rss_mib": round(get("VmRSS"), 1), "peak_rss_mib": round(get("VmHWM"), 1),
            "helper_processes_rss_mib": round(helpers, 1)}


def _stopped_in(proc: subprocess.Popen) -> float:
    started = time.perf_counter()
    proc.wait(timeout=60)
    return round(time.perf_counter() - started, 2)


def _pct(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, round(q * (len(values) - 1)))]


def _login(url: str, name: str) -> tuple[httpx.Client, str]:
    client = httpx.Client(base_url=url, timeout=120)
    token = re.search(r'name="csrf" value="([^"]+)"', client.get("/login").text).group(1)
    client.post("/login", data={"username": name, "password": PASSWORD, "csrf": token})
    csrf = re.search(r'name="csrf" value="([^"]+)"', client.get("/upload").text).group(1)
    return client, csrf


def _uploads(url: str, files: list[Path], users: dict[str, tuple[httpx.Client, str]], parts: list[dict]) -> list[float]:
    """Seconds from the start of each POST to the end of the findings page; `parts` gets the
    server's own split (Server-Timing: stream + archive + drop copy, then register + rules)."""
    seconds = []
    for path in files:
        city, period = path.stem.split("_")
        client, csrf = users[city]
        started = time.perf_counter()
        response = client.post("/upload", data={"csrf": csrf, "year": period[:4], "quarter": period[-1]},
                               files={"file": (path.name, path.read_bytes())}, follow_redirects=True)
        elapsed = time.perf_counter() - started
        if response.status_code != 200 or "审核结论" not in response.text:
            raise RuntimeError(f"{path.name}: {response.status_code} {response.text[:300]}")
        seconds.append(elapsed)
        timing = dict(re.findall(r"(\w+);dur=(\d+)", response.history[0].headers.get("server-timing", "")))
        parts.append({k: int(v) / 1000 for k, v in timing.items()})
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--uploads", type=int, default=20, help="uploads timed per size")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    out: dict = {}
    with tempfile.TemporaryDirectory(prefix="greenpark-bench-portal-") as tmp:
        tmp = Path(tmp)
        env = {k: v for k, v in os.environ.items() if k not in ("GREENPARK_WAREHOUSE", "GREENPARK_SITE_DIR", "DAGSTER_HOME")}
        sets = {}
        for size in ("demo", "province"):
            gen = tmp / f"gen_{size}"
            subprocess.run([str(GREENPARK), "demo", "--size", size, "--json"], env=dict(env, GREENPARK_WORKDIR=str(gen)),
                           check=True, capture_output=True)
            sets[size] = sorted((gen / "sources" / "inbox").rglob("*_*Q*.*"))
        work = tmp / "portal"
        work.mkdir()
        # The province set's generated parks must be known to the portal's registry.
        (work / "sources").mkdir()
        generated = tmp / "gen_province" / "sources" / "park_registry_generated.csv"
        (work / "sources" / "park_registry_generated.csv").write_bytes(generated.read_bytes())
        env = dict(env, GREENPARK_WORKDIR=str(work))
        cities = sorted({p.stem.split("_")[0] for files in sets.values() for p in files})
        for city in cities:
            subprocess.run([str(GREENPARK), "users", "add", f"u{city}", "--city", city], input=PASSWORD + "\n",
                           text=True, env=env, check=True, capture_output=True)
        token = subprocess.run([str(GREENPARK), "users", "token", f"u{cities[0]}"], env=env, check=True,
                               capture_output=True, text=True).stdout.split()[-1]
        port = _port()
        url = f"http://127.0.0.1:{port}"
        proc = subprocess.Popen([str(GREENPARK), "portal", "--port", str(port)], env=env,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            started = time.perf_counter()
            while True:
                try:
                    httpx.get(f"{url}/login", timeout=1)
                    break
                except httpx.HTTPError:
                    time.sleep(0.1)
            out["portal_start_s"] = round(time.perf_counter() - started, 2)
            out["rss_idle"] = _rss(proc.pid)
            users = {city: _login(url, f"u{city}") for city in cities}
            # Warm: the first upload waits for the background warm-up (GX import) if it is not done.
            first = _uploads(url, sets["demo"][:1], users, [])
            out["first_upload_s"] = round(first[0], 2)
            for size, files in sets.items():
                chosen = files[1:args.uploads + 1] if size == "demo" else files[:args.uploads]
                parts: list[dict] = []
                secs = _uploads(url, chosen, users, parts)
                out[size] = {"archive_p50_s": _pct([p["archive"] for p in parts], 0.5),
                             "rules_p50_s": _pct([p["rules"] for p in parts], 0.5),"uploads": len(secs), "bytes_median": int(statistics.median(p.stat().st_size for p in chosen)),
                             "p50_s": round(_pct(secs, 0.5), 3), "p95_s": round(_pct(secs, 0.95), 3),
                             "max_s": round(max(secs), 3)}
            out["rss_after_uploads"] = _rss(proc.pid)
            headers = {"authorization": f"Bearer {token}"}

            def worker(n: int) -> list[int]:
                with httpx.Client(headers=headers, timeout=30) as client:
                    return [client.get(f"{url}/api/v1/submissions").status_code for _ in range(n)]

            started = time.perf_counter()
            with ThreadPoolExecutor(max_workers=20) as pool:
                statuses = [s for batch in pool.map(worker, [50] * 20) for s in batch]
            out["burst"] = {"requests": len(statuses), "ok": statuses.count(200),
                            "seconds": round(time.perf_counter() - started, 2), "rss_after": _rss(proc.pid)}
        finally:
            proc.terminate()
            try:
                out["stop_s"] = _stopped_in(proc)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
    if args.json:
        print(json.dumps(out, ensure_ascii=False, indent=2))
        return
    print(f"portal start {out['portal_start_s']} s; first upload (waits for warm-up) {out['first_upload_s']} s")
    for size in ("demo", "province"):
        r = out[size]
        print(f"{size:8s} upload → findings in page: p50 {r['p50_s']} s, p95 {r['p95_s']} s, max {r['max_s']} s "
              f"({r['uploads']} uploads, median {r['bytes_median'] / 1e6:.2f} MB; server p50: stream+archive "
              f"{r['archive_p50_s']} s, register+rules {r['rules_p50_s']} s)")
    print(f"RSS idle {out['rss_idle']}, after uploads {out['rss_after_uploads']}")
    b = out["burst"]
    print(f"burst: {b['ok']}/{b['requests']} answered 200 in {b['seconds']} s; RSS after {b['rss_after']}")


if __name__ == "__main__":
    main()
