"""kill -9 at random moments of pull, validation, dbt build and site publish; check nothing is lost.

    GREENPARK_TODAY=2026-03-01 uv run python tests/reliability/kill_loop.py --kills 50 [--seed N] [--workdir DIR]

One small demo province (舟山市 330900, 2025, four quarterly workbooks). Each round drops a new
variant of one quarter's workbook (accepted, or every fourth one with a wrong cell, rejected),
starts the whole pipeline (`rel_driver.py all`) as a process group and kills the group with SIGKILL
after a random delay. Then, immediately:
  - the any-moment invariants hold (archive by content, rows ⇔ archived bytes, raw tables hold
    exactly the rows of accepted versions, one version in force per accepted city-quarter);
  - the public site is the one before the round, or a complete new one (it equals a fresh publish
    from the same marts), never missing or mixed;
  - a rerun of the pull completes (so the drop and the registry agree before the next round).
After the last round a full run completes and every dropped file's bytes are archived and
registered (bytes lost must be 0). The seed is printed; the same seed replays the same kill times.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from rel_invariants import check_after_rerun, check_any_moment, site_manifest  # noqa: E402

CITY = "330900"
YEAR = 2025


def _env(workdir: Path) -> dict[str, str]:
    env = dict(os.environ, GREENPARK_WORKDIR=str(workdir), GREENPARK_TODAY=os.environ.get("GREENPARK_TODAY", "2026-03-01"))
    for var in ("DAGSTER_HOME", "GREENPARK_WAREHOUSE", "GREENPARK_SITE_DIR"):
        env.pop(var, None)
    return env


def _driver(step: str, workdir: Path, *, timeout: float = 600) -> None:
    done = subprocess.run([sys.executable, str(HERE / "rel_driver.py"), step], env=_env(workdir),
                          capture_output=True, text=True, timeout=timeout)
    if done.returncode != 0:
        raise RuntimeError(f"rel_driver {step} failed ({done.returncode}):\n{done.stderr[-4000:]}")


def prepare(workdir: Path) -> list[Path]:
    """The small demo province in the drop folder; returns its quarterly workbooks."""
    os.environ.update(_env(workdir))
    from greenpark.demo.generator import generate
    from greenpark.settings import get_settings

    settings = get_settings()
    generate(settings.inbox_dir, size="demo", years=(YEAR,), settings=settings, inject_errors=False)
    for city_dir in settings.inbox_dir.iterdir():
        if city_dir.name != CITY:
            shutil.rmtree(city_dir)
    files = sorted((settings.inbox_dir / CITY).glob("*.*"))
    pristine = workdir / "pristine"
    pristine.mkdir(exist_ok=True)
    for f in files:
        shutil.copy2(f, pristine / f.name)
    return files


def write_variant(workdir: Path, round_no: int, rng: random.Random) -> str:
    """A changed copy of one quarter's workbook: new bytes, so a new version with real work."""
    from openpyxl import load_workbook

    from greenpark.submission import contract

    sources = sorted((workdir / "pristine").glob("*.xlsx"))  # the demo writes some quarters as .xls
    source = sources[rng.randrange(len(sources))]
    wb = load_workbook(source)
    ws = wb[contract.PARK_QUARTER.name]
    header = next(r for r in range(1, 30) if any(c.value == contract.PARK_QUARTER.column("gross_output").header for c in ws[r]))
    col = next(c.column for c in ws[header] if c.value == contract.PARK_QUARTER.column("gross_output").header)
    cell = ws.cell(row=header + 1, column=col)
    rejected = round_no % 4 == 3
    cell.value = "见附件" if rejected else float(cell.value) * (1 + (round_no + 1) / 10_000)
    target = workdir / "sources" / "inbox" / CITY / source.name
    tmp = target.with_name("." + target.name + ".tmp")  # a bureau's upload lands complete
    wb.save(tmp)
    os.replace(tmp, target)
    return f"{source.name} ({'rejected' if rejected else 'accepted'} variant)"


def run_and_kill(workdir: Path, delay: float) -> bool:
    """Start the full pipeline; SIGKILL its process group after `delay` s. True if it was killed."""
    proc = subprocess.Popen([sys.executable, str(HERE / "rel_driver.py"), "all"], env=_env(workdir),
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        proc.wait(timeout=delay)
        return False
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
        return True


def loop(workdir: Path, kills: int, seed: int, max_delay: float, log=print) -> dict:
    rng = random.Random(seed)
    log(f"kill loop: seed={seed} kills={kills} max_delay={max_delay}s workdir={workdir}")
    prepare(workdir)
    site = workdir / "site" / "public"
    stats = {"seed": seed, "rounds": 0, "kills": 0, "finished_before_kill": 0, "new_site_after_kill": 0,
             "violations": [], "bytes_lost": None, "delays": []}
    started = time.perf_counter()
    for round_no in range(kills):
        what = write_variant(workdir, round_no, rng)
        before = site_manifest(site)
        delay = round(rng.uniform(0.5, max_delay), 2)
        killed = run_and_kill(workdir, delay)
        stats["rounds"] += 1
        stats["kills" if killed else "finished_before_kill"] += 1
        stats["delays"].append(delay)
        bad = check_any_moment(workdir)
        after = site_manifest(site)
        if after != before:
            if after is None:
                bad.append("public site missing after the kill")
            else:  # swapped in before the kill: it must be exactly what these marts publish
                stats["new_site_after_kill"] += 1
                _driver("publish", workdir)
                if site_manifest(site) != after:
                    bad.append("site after the kill differs from a complete publish of the same marts")
        _driver("pull", workdir)  # the pull reruns to completion before the drop changes again
        bad += check_any_moment(workdir)
        log(f"round {round_no + 1}/{kills}: {what}, kill after {delay}s{'' if killed else ' (run had finished)'}: "
            f"{'ok' if not bad else bad}")
        stats["violations"] += [f"round {round_no + 1}: {b}" for b in bad]
    before = site_manifest(site)
    _driver("all", workdir)
    bad, lost = check_after_rerun(workdir)
    if site_manifest(site) is None:
        bad.append("no public site after the final run")
    stats["violations"] += [f"final: {b}" for b in bad]
    stats["bytes_lost"] = lost
    stats["seconds"] = round(time.perf_counter() - started, 1)
    stats["site_changed_by_final_run"] = before != site_manifest(site)
    log(f"kill loop done: {json.dumps({k: v for k, v in stats.items() if k != 'delays'}, ensure_ascii=False)}")
    return stats


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--kills", type=int, default=50)
    parser.add_argument("--seed", type=int, default=None)
    parser.add_argument("--max-delay", type=float, default=48.0, help="kill within this many seconds of the start")
    parser.add_argument("--workdir", type=Path, default=None)
    args = parser.parse_args()
    seed = args.seed if args.seed is not None else random.SystemRandom().randrange(1_000_000)
    workdir = args.workdir or Path(os.environ.get("TMPDIR", "/tmp")) / f"greenpark-kill-{seed}"
    if workdir.exists():
        shutil.rmtree(workdir)
    workdir.mkdir(parents=True)
    stats = loop(workdir, args.kills, seed, args.max_delay)
    sys.exit(1 if stats["violations"] or stats["bytes_lost"] else 0)


if __name__ == "__main__":
    main()
