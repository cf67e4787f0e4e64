"""The benchmark of issues 8 and 16: end to end, each stage alone, the floor, an incremental
resubmission and the scaling series. Prints the figures, writes bench/results/<set>.json and the
table in bench/RESULTS.md. Run it through bench/run.sh (which installs the locked environment first).

    uv run python bench/bench.py SET [--scaling 1,2,4,8] [--no-incremental] [--no-stages] [--tag T]

SET: demo, province, national (clean, on-time files), or a realistic province quarter (issue 16,
see demo/generator.py PROFILES): province_late (a backfill: every file late, xlsx/xls/ods, messy),
province_messy (the same formats, on time), province_rejected (~10 % of files with cell-level errors).

Every measured step is its own process: wall time from here, peak RSS from the kernel (os.wait4's
ru_maxrss covers the process and everything it waited for, e.g. dbt under Dagster). Generated
drops are cached in bench/cache/gen/<set>/ (deterministic from the seed); every run works on fresh
copies under bench/cache/run/<set>/.
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import json
import os
import platform
import shutil
import signal
import subprocess
import sys
import time
import zipfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
BENCH = REPO / "bench"
CACHE = BENCH / "cache"
SEED = 20220324
# The reference date: after every 2025 quarter's deadline, so no file is in the future or late.
TODAY = "2026-03-01"
BIN = Path(sys.executable).parent
FLOOR_RUNS = 3
VALIDATE_RUNS = 3
SETS = ("demo", "province", "national", "province_late", "province_messy", "province_rejected")
TARGETS = {  # issue 16
    "province_e2e_s": 30, "data_vs_floor": 2.0, "resubmit_feedback_s": 2, "resubmit_site_s": 15,
    "validate_cold_s": 1.5, "national_e2e_s": 5 * 60, "national_peak_rss_gib": 4, "scaling_exponent": 1.05,
}


def _env(workdir: Path) -> dict:
    env = dict(os.environ)
    env.update(GREENPARK_WORKDIR=str(workdir), GREENPARK_TODAY=TODAY, DAGSTER_HOME=str(workdir / ".dagster_home"),
               GREENPARK_WAREHOUSE=str(workdir / "data" / "warehouse.duckdb"),
               GREENPARK_DBT_WAREHOUSE=str(workdir / "data" / "warehouse.duckdb"), PYTHONHASHSEED="0",
               DBT_SEND_ANONYMOUS_USAGE_STATS="false", DAGSTER_DISABLE_TELEMETRY="1", DO_NOT_TRACK="1",
               NO_MKDOCS_2_WARNING="1", GX_ANALYTICS_ENABLED="false")
    env.pop("GREENPARK_SITE_DIR", None)
    return env


def measure(cmd: list[str], env: dict, *, watch: Path | None = None) -> dict:
    """Run cmd to completion: wall seconds, peak RSS (MiB) of it and its children, its JSON output.
    `watch`: also the seconds until that file appears."""
    started = time.perf_counter()
    proc = subprocess.Popen(cmd, env=env, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    seen = None
    if watch is not None:
        while proc.poll() is None and seen is None:
            if watch.exists():
                seen = time.perf_counter() - started
            else:
                time.sleep(0.05)
    load_before = os.getloadavg()[0]
    stdout, stderr = proc.communicate()
    seconds = time.perf_counter() - started
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed ({proc.returncode}):\n{stdout[-3000:]}\n{stderr[-5000:]}")
    out = {"seconds": round(seconds, 2)}
    lines = [line for line in stdout.splitlines() if line.strip()]
    rss = json.loads(lines[-1])
    out["peak_rss_mib"] = rss["peak_rss_mib"]
    out["peak_tree_rss_mib"] = rss["peak_tree_rss_mib"]
    out["cpu_s"] = rss.get("cpu_s")
    out["load"] = [round(load_before, 2), round(os.getloadavg()[0], 2)]  # 1-min load average, start and end
    body = "\n".join(lines[:-1])
    start = body.find("{")
    if start >= 0:  # the command's own JSON (one line or indented), after any log lines
        try:
            out["output"] = json.loads(body[start:])
        except ValueError:
            pass
    if watch is not None:
        out["watched_s"] = round(seen, 2) if seen is not None else None
    return out


def wrapped(cmd: list[str]) -> list[str]:
    """cmd under bench/rss.py, which waits for it with wait4 and prints its peak RSS last."""
    return [sys.executable, str(BENCH / "rss.py"), *cmd]


def copy_drops(gen: Path, workdir: Path) -> None:
    """A fresh work dir holding the generated drops (mtimes kept: they are the receipt times)."""
    if workdir.exists():
        shutil.rmtree(workdir)
    workdir.mkdir(parents=True)
    shutil.copytree(gen / "sources", workdir / "sources", copy_function=shutil.copy2)
    (workdir / "sources" / "demo_manifest.json").unlink(missing_ok=True)


def generate(name: str, env_for, scale: int | None = None, size: str | None = None,
             profile: str = "clean") -> tuple[Path, dict]:
    gen = CACHE / "gen" / name
    manifest_path = gen / "sources" / "demo_manifest.json"
    if manifest_path.exists():
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
        if manifest.get("seed") == SEED:
            return gen, manifest
    shutil.rmtree(gen, ignore_errors=True)
    gen.mkdir(parents=True)
    cmd = ([str(BIN / "python"), str(BENCH / "scaled.py"), str(scale), profile] if scale
           else [str(BIN / "greenpark"), "demo", "--size", size, "--seed", str(SEED), "--json"])
    started = time.perf_counter()
    subprocess.run(cmd, env=env_for(gen), cwd=REPO, check=True, stdout=subprocess.DEVNULL)
    print(f"  generated {name} in {time.perf_counter() - started:.1f} s", flush=True)
    return gen, json.loads(manifest_path.read_text(encoding="utf-8"))


def resubmit(workdir: Path) -> tuple[Path, str, str]:
    """One city resubmits one quarter: same figures, new bytes (the workbook's core properties
    say it was saved again), received before the deadline like the original."""
    # The last quarter's .xlsx of the first city that sent one (the realistic sets mix formats).
    files = sorted((workdir / "sources" / "inbox").glob("*/*.xlsx"), key=lambda p: (-int(p.stem[-1]), p.name))
    path = files[0]
    stat = path.stat()
    # `greenpark watch` sees a file change by its (size, mtime) and the mtime is kept, so the new
    # bytes must also have a new size: a second resave of the same file can compress to the old one.
    for pad in range(64):
        buf = io.BytesIO()
        with zipfile.ZipFile(path) as src, zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as dst:
            for item in src.infolist():
                data = src.read(item)
                if item.filename == "docProps/core.xml":
                    mark = b"<!-- resaved" + b" " * pad + b"-->"
                    data = data.replace(b"</cp:coreProperties>", mark + b"</cp:coreProperties>")
                dst.writestr(item, data)
        if len(buf.getvalue()) != stat.st_size:
            break
    else:
        raise RuntimeError(f"resaving {path.name} did not change its size")
    path.write_bytes(buf.getvalue())
    os.utime(path, (stat.st_atime, stat.st_mtime))
    city = path.parent.name
    return path, city, path.stem.split("_")[1]  # e.g. 2025Q4


def _process_cpu(pid: int) -> float:
    """User + system CPU seconds of a running process and the children it has waited for (dbt)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return sum(int(x) for x in fields[11:15]) / os.sysconf("SC_CLK_TCK")


def watched_resubmission(workdir: Path, timeout: float = 300) -> dict:
    """The same resubmission into a running `greenpark watch` (warm process, as deployed for fast
    feedback): seconds from the file landing to its feedback JSON, and to the site being replaced;
    the watch process's CPU seconds (with dbt's) over that span, and the load at start and end."""
    cmd = [str(BIN / "greenpark"), "watch", "--interval", "0.5", "--publish-after", "0"]
    proc = subprocess.Popen(cmd, env=_env(workdir), cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        for line in proc.stderr:  # wait until it is warm and has caught up with the inbox
            if "已就绪" in line:
                break
        else:
            raise RuntimeError("greenpark watch ended before it was ready")
        site_index = workdir / "site" / "public" / "index.html"
        before = site_index.stat().st_ino
        cpu_before, load_before = _process_cpu(proc.pid), os.getloadavg()[0]
        path, city, period = resubmit(workdir)
        started = time.perf_counter()
        n = len(list((workdir / "sources" / "outbox" / city).glob(f"{city}-{period}-v*.json")))
        feedback = workdir / "sources" / "outbox" / city / f"{city}-{period}-v{n + 1}.json"
        feedback_s = site_s = None
        while time.perf_counter() - started < timeout and site_s is None:
            now = time.perf_counter() - started
            if feedback_s is None and feedback.exists():
                feedback_s = round(now, 2)
            if site_index.exists() and site_index.stat().st_ino != before:
                site_s = round(now, 2)
            time.sleep(0.05)
        cpu_s = round(_process_cpu(proc.pid) - cpu_before, 2)
        return {"file": path.name, "feedback_s": feedback_s, "site_s": site_s, "cpu_s": cpu_s,
                "load": [round(load_before, 2), round(os.getloadavg()[0], 2)]}
    finally:
        proc.send_signal(signal.SIGINT)  # watch stops cleanly on Ctrl+C; Dagster defers SIGTERM
        try:
            proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def run_set(name: str, gen: Path, manifest: dict, *, stages: bool, incremental: bool) -> dict:
    runs = CACHE / "run" / name
    res: dict = {"set": name, "files": manifest["n_files"], "parks": manifest["n_parks"],
                 "enterprises": manifest["n_enterprises"], "cities": manifest["n_cities"]}
    py = str(BIN / "python")

    # The floor is "the fastest possible": best of three, the first of which also warms the page
    # cache for the runs after it (single runs varied 4.5-6.9 s on the province).
    print(f"[{name}] floor (best of {FLOOR_RUNS})", flush=True)
    floors = [measure(wrapped([py, str(BENCH / "floor.py"), str(gen / "sources" / "inbox"), "--json"]), os.environ)
              for _ in range(FLOOR_RUNS)]
    res["floor"] = dict(min(floors, key=lambda f: f["seconds"]), all_seconds=[f["seconds"] for f in floors],
                        all_cpu_s=[f["cpu_s"] for f in floors])

    print(f"[{name}] feedback package per format (bench/annotated_copy.py)", flush=True)
    copy = measure(wrapped([py, str(BENCH / "annotated_copy.py"), str(gen / "sources" / "inbox"), "--json"]), os.environ)
    res["annotated_copy"] = copy.get("output", {})

    print(f"[{name}] end to end (greenpark run)", flush=True)
    e2e = runs / "e2e"
    copy_drops(gen, e2e)
    res["e2e"] = measure(wrapped([str(BIN / "greenpark"), "run", "--json"]), _env(e2e))
    summary = res["e2e"].pop("output", {})
    res["e2e"]["success"] = summary.get("success")
    res["e2e"]["versions"] = summary.get("versions")
    res["e2e"]["inner_stage_s"] = {k: round(v, 2) for k, v in (summary.get("stage_seconds") or {}).items()}
    res["e2e"]["prepared"] = {"by_helper": summary.get("prepared_by_helper"),
                              "while_waiting": summary.get("prepared_while_waiting")}

    if stages:
        work = runs / "stages"
        copy_drops(gen, work)
        env = _env(work)
        res["stages"] = {}
        for stage in ("pull", "parse", "validate", "intake"):
            print(f"[{name}] stage {stage}", flush=True)
            res["stages"][stage] = measure(wrapped([py, str(BENCH / "stage.py"), stage]), env)
        print(f"[{name}] stage dbt build", flush=True)
        dbt = [str(BIN / "dbt"), "build", "--project-dir", str(REPO / "dbt_project"), "--profiles-dir",
               str(REPO / "dbt_project"), "--target-path", str(work / "data" / "dbt_target"), "--quiet",  # = Settings.dbt_run_target_dir
               "--exclude-resource-type", "unit_test"]  # as the product's build (warehouse_models.py)
        res["stages"]["dbt_build"] = measure(wrapped(dbt), dict(env, DBT_LOG_PATH=str(work / "data" / "dbt_logs")))
        print(f"[{name}] stage site build", flush=True)
        res["stages"]["site_build"] = measure(wrapped([str(BIN / "greenpark"), "site", "build"]), env)
        ours = sum(res["stages"][s]["seconds"] for s in ("pull", "intake", "dbt_build"))
        res["data_stages_s"] = round(ours, 2)
        res["data_vs_floor"] = round(ours / res["floor"]["seconds"], 2)
        cpu = [res["stages"][s].get("cpu_s") for s in ("pull", "intake", "dbt_build")]
        if all(c is not None for c in cpu) and res["floor"].get("cpu_s"):
            res["data_cpu_s"] = round(sum(cpu), 2)
            res["data_cpu_vs_floor"] = round(sum(cpu) / min(f["cpu_s"] for f in floors), 2)

    if incremental:
        print(f"[{name}] incremental: one city resubmits one quarter", flush=True)
        path, city, period = resubmit(e2e)
        vid_glob = sorted((e2e / "sources" / "outbox" / city).glob(f"{city}-{period}-v*.json"))
        next_v = len(vid_glob) + 1
        watch = e2e / "sources" / "outbox" / city / f"{city}-{period}-v{next_v}.json"
        inc = measure(wrapped([str(BIN / "greenpark"), "run", "--json"]), _env(e2e), watch=watch)
        summary = inc.pop("output", {})
        res["resubmit"] = {"file": path.name, "feedback_s": inc["watched_s"], "site_s": inc["seconds"],
                           "cpu_s": inc["cpu_s"], "load": inc["load"],
                           "peak_rss_mib": inc["peak_rss_mib"], "success": summary.get("success"),
                           "inner_stage_s": {k: round(v, 2) for k, v in (summary.get("stage_seconds") or {}).items()}}
        res["resubmit_warm"] = watched_resubmission(e2e)
        # The same file checked offline, as a clerk would before uploading: a cold process each time.
        checks = [_validate(path, e2e) for _ in range(VALIDATE_RUNS)]
        res["resubmit"]["offline_validate_s"] = min(c["seconds"] for c in checks)
        res["resubmit"]["offline_validate_all_s"] = [c["seconds"] for c in checks]
        res["resubmit"]["offline_validate_cpu_s"] = [c["cpu_s"] for c in checks]
    return res


def _validate(path: Path, workdir: Path) -> dict:
    """`greenpark validate FILE --json`, whose exit code says the verdict (0 / 1 warnings / 2 rejected)."""
    started = time.perf_counter()
    proc = subprocess.run(wrapped([str(BIN / "greenpark"), "validate", str(path), "--json"]), env=_env(workdir),
                          cwd=REPO, capture_output=True, text=True)
    seconds = time.perf_counter() - started
    if proc.returncode not in (0, 1, 2):
        raise RuntimeError(f"greenpark validate failed ({proc.returncode}): {proc.stderr[-3000:]}")
    rss = json.loads(proc.stdout.strip().splitlines()[-1])
    return {"seconds": round(seconds, 2), "cpu_s": rss.get("cpu_s")}


def fit_exponent(points: list[tuple[float, float]]) -> float:
    """Least-squares slope of log(time) on log(size)."""
    import math

    xs, ys = [math.log(x) for x, _ in points], [math.log(y) for _, y in points]
    mx, my = sum(xs) / len(xs), sum(ys) / len(ys)
    return sum((x - mx) * (y - my) for x, y in zip(xs, ys)) / sum((x - mx) ** 2 for x in xs)


def machine() -> dict:
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=REPO, capture_output=True, text=True).stdout.strip()
    dirty = bool(subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=REPO,
                                capture_output=True, text=True).stdout.strip())
    mem = next((int(line.split()[1]) // 1024 for line in Path("/proc/meminfo").read_text().splitlines()
                if line.startswith("MemTotal")), None)
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor())
    return {"date": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"), "commit": commit + ("+dirty" if dirty else ""),
            "cpus": os.cpu_count(), "cpu": cpu, "mem_mib": mem, "python": platform.python_version(),
            "load_avg_at_start": os.getloadavg()[0]}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("size", choices=SETS, metavar="SET", help=", ".join(SETS))
    parser.add_argument("--tag", default="", help="suffix of the results file, e.g. 'before' for a run of older code")
    parser.add_argument("--scaling", default="", help="comma-separated multiples of the province, e.g. 1,2,4,8")
    parser.add_argument("--no-incremental", action="store_true")
    parser.add_argument("--no-stages", action="store_true")
    args = parser.parse_args(argv)
    results: dict = {"machine": machine(), "targets": TARGETS}
    print(json.dumps(results["machine"]), flush=True)
    profile = args.size.split("_", 1)[1] if "_" in args.size else "clean"
    if profile == "clean":
        gen, manifest = generate(args.size, lambda d: _env(d), size=args.size)
    else:
        gen, manifest = generate(args.size, lambda d: _env(d), scale=1, profile=profile)
    results["run"] = run_set(args.size, gen, manifest, stages=not args.no_stages, incremental=not args.no_incremental)
    results["run"]["profile"] = profile
    print(json.dumps(results["run"], ensure_ascii=False, indent=1), flush=True)
    if args.scaling:
        series = []
        for k in (int(x) for x in args.scaling.split(",")):
            name = f"{args.size}_x{k}"
            gen_k, man_k = generate(name, lambda d: _env(d), scale=k, profile=profile)
            r = run_set(name, gen_k, man_k, stages=False, incremental=False)
            series.append({"k": k, "enterprises": r["enterprises"], "files": r["files"], "e2e_s": r["e2e"]["seconds"],
                           "e2e_peak_rss_mib": r["e2e"]["peak_rss_mib"],
                           "e2e_peak_tree_rss_mib": r["e2e"]["peak_tree_rss_mib"], "floor_s": r["floor"]["seconds"],
                           "e2e_cpu_s": r["e2e"]["cpu_s"], "load": r["e2e"]["load"],
                           "inner_stage_s": r["e2e"]["inner_stage_s"]})
            print(json.dumps(series[-1], ensure_ascii=False), flush=True)
        results["scaling"] = {"series": series}
        if len(series) > 1:
            pts = [(s["enterprises"], s["e2e_s"]) for s in series]
            results["scaling"]["exponent_e2e"] = round(fit_exponent(pts), 3)
            mem = [(s["enterprises"], s["e2e_peak_rss_mib"]) for s in series]
            results["scaling"]["exponent_rss"] = round(fit_exponent(mem), 3)
            print(f"fitted exponent (time): {results['scaling']['exponent_e2e']}", flush=True)
    out = BENCH / "results"
    out.mkdir(exist_ok=True)
    name = args.size + ("_scaling" if args.scaling else "") + (f"_{args.tag}" if args.tag else "")
    (out / f"{name}.json").write_text(json.dumps(results, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print(f"written {out / (name + '.json')}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
