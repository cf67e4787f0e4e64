"""Holdout digest: run the demo province (both rounds, as ./run.sh does) in a fresh work dir and
print one SHA-256 per output, so a restructuring can be shown to change no byte of what people get.

Three kinds of output are digested:
- marts: every table and view the warehouse holds outside dbt's test schemas, as its column names,
  types and all rows sorted (so the digest is about content, not DuckDB's page layout);
- site: every file of the published site, byte for byte;
- feedback: every file in the outbox (HTML, JSON, annotated workbooks), byte for byte.

    uv run python bench/holdout.py OUT.json [--workdir DIR]
    uv run python bench/holdout.py --compare BEFORE.json AFTER.json    # exit 1 on any difference

GREENPARK_TODAY is fixed and the work dir path is masked, so two runs of the same code give the same
digest wherever they run.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb

REPO = Path(__file__).resolve().parents[1]
TODAY = "2026-11-30"


def _run(workdir: Path) -> None:
    env = {**os.environ, "GREENPARK_WORKDIR": str(workdir), "GREENPARK_TODAY": TODAY}
    greenpark = [sys.executable, "-m", "greenpark.cli"]
    for args in (["demo"], ["run"], ["demo", "--resubmit"], ["run"]):
        subprocess.run([*greenpark, *args], env=env, check=True, cwd=REPO,
                       stdout=subprocess.DEVNULL)


def _files(root: Path, prefix: str) -> dict[str, str]:
    return {f"{prefix}/{p.relative_to(root).as_posix()}": hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file()}


def _marts(workdir: Path) -> dict[str, str]:
    """Rows with the work dir written as <workdir> (archive paths), so any work dir compares."""
    out, warehouse = {}, workdir / "data" / "warehouse.duckdb"
    with duckdb.connect(str(warehouse), read_only=True) as con:
        tables = con.execute(
            "select table_schema, table_name from information_schema.tables "
            "where table_schema not like '%dbt_test%' order by 1, 2").fetchall()
        for schema, name in tables:
            rel = con.sql(f'select * from "{schema}"."{name}"')
            header = json.dumps([rel.columns, [str(t) for t in rel.types]], ensure_ascii=False)
            rows = sorted(json.dumps(row, default=str, ensure_ascii=False).replace(str(workdir), "<workdir>")
                          for row in rel.fetchall())
            digest = hashlib.sha256("\n".join([header, *rows]).encode()).hexdigest()
            out[f"warehouse/{schema}.{name}"] = digest
    return out


def digest(workdir: Path) -> dict[str, str]:
    if workdir.exists():
        shutil.rmtree(workdir)
    workdir.mkdir(parents=True)
    _run(workdir)
    return {**_marts(workdir),
            **_files(workdir / "site" / "public", "site"),
            **_files(workdir / "sources" / "outbox", "feedback")}


def compare(before: dict[str, str], after: dict[str, str]) -> list[str]:
    return [f"{key}: {'missing' if key not in after else 'new' if key not in before else 'differs'}"
            for key in sorted(before.keys() | after.keys()) if before.get(key) != after.get(key)]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", nargs="?", type=Path)
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/greenpark-holdout"))
    parser.add_argument("--compare", nargs=2, type=Path, metavar=("BEFORE", "AFTER"))
    args = parser.parse_args()
    if args.compare:
        before, after = (json.loads(p.read_text()) for p in args.compare)
        differences = compare(before, after)
        print("\n".join(differences) or f"identical: {len(before)} outputs")
        return 1 if differences else 0
    if args.out is None:
        parser.error("OUT.json or --compare")
    result = digest(args.workdir)
    args.out.write_text(json.dumps(result, indent=1, sort_keys=True) + "\n")
    kinds = {k: sum(key.startswith(k) for key in result) for k in ("warehouse", "site", "feedback")}
    print(json.dumps(kinds))
    return 0


if __name__ == "__main__":
    sys.exit(main())
