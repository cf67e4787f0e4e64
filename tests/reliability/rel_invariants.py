"""What must hold in a work dir at any moment, even right after a kill -9 (and more after a rerun).

Each check returns a list of violations (empty = holds), so a fault loop can report them all.
"""

from __future__ import annotations

import hashlib
from pathlib import Path


from greenpark.submission.contract import SHEETS
from greenpark.intake.archive import IGNORED_PREFIXES
from greenpark.intake.warehouse import connect
from greenpark.intake.workbook import parse_workbook

ACCEPTED = ("已接收", "已接收但有警告")


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while chunk := fh.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def site_manifest(root: Path) -> dict[str, str] | None:
    if not root.exists():
        return None
    return {str(p.relative_to(root)): sha256_of(p) for p in sorted(root.rglob("*")) if p.is_file()}


def archive_files(archive_dir: Path) -> dict[str, Path]:
    """Content-addressed files (temp files of an interrupted copy are not archive files)."""
    return {p.stem: p for p in archive_dir.glob("??/*") if p.is_file()}


def drop_files(inbox: Path) -> list[Path]:
    return sorted(p for p in inbox.glob("*/*") if p.is_file() and not p.is_symlink()
                  and not p.name.startswith(IGNORED_PREFIXES))


def check_any_moment(workdir: Path) -> list[str]:
    """Holds at every instant: archive by content, rows point at archived bytes, raw = accepted."""
    bad: list[str] = []
    archive = workdir / "sources" / "archive"
    files = archive_files(archive)
    for stem, path in files.items():
        if sha256_of(path) != stem:
            bad.append(f"archive file {path} does not hash to its name")
    warehouse = workdir / "data" / "warehouse.duckdb"
    if not warehouse.exists():
        return bad
    # A killed run's dbt process (dagster-dbt starts it in its own session) may still hold the
    # lock for a moment: wait for it like every greenpark reader does.
    with connect(warehouse, read_only=True) as con:
        tables = {r[0] for r in con.execute("SELECT table_name FROM information_schema.tables").fetchall()}
        if "submission_versions" not in tables:
            return bad
        versions = con.execute(
            "SELECT version_id, city_code, year, quarter, version_no, sha256, size_bytes, archive_path, status, in_force "
            "FROM submission_versions"
        ).fetchall()
        for vid, _city, _y, _q, _n, sha, size, path, status, in_force in versions:
            p = Path(path)
            if sha not in files or not p.exists():
                bad.append(f"{vid}: archive file missing ({path})")
            elif p.stat().st_size != size:
                bad.append(f"{vid}: size {size} but archive file has {p.stat().st_size}")
            if in_force and status not in ACCEPTED:
                bad.append(f"{vid}: in force but {status}")
        ids = [v[0] for v in versions]
        if len(ids) != len(set(ids)):
            bad.append("duplicate version ids")
        same = {}
        for v in versions:
            same.setdefault((v[1], v[2], v[3], v[5]), []).append(v[0])
        bad += [f"same bytes registered twice: {vs}" for vs in same.values() if len(vs) > 1]
        accepted = {v[0]: v for v in versions if v[8] in ACCEPTED}
        for (city, year, quarter) in {(v[1], v[2], v[3]) for v in accepted.values()}:
            mine = [v for v in accepted.values() if (v[1], v[2], v[3]) == (city, year, quarter)]
            forced = [v[0] for v in mine if v[9]]
            latest = max(mine, key=lambda v: v[4])[0]
            if forced != [latest]:
                bad.append(f"{city}-{year}Q{quarter}: in force {forced}, latest accepted {latest}")
        for sheet in SHEETS:
            counts = dict(con.execute(f"SELECT version_id, count(*) FROM {sheet.raw_table} GROUP BY 1").fetchall())
            for vid in counts:
                if vid not in accepted:
                    bad.append(f"{sheet.raw_table} holds rows of non-accepted version {vid}")
            for vid, v in accepted.items():
                parsed = parse_workbook(Path(v[7]), filename=None)
                expected = len(parsed.frames.get(sheet.key, ())) if sheet.key in parsed.frames else 0
                if counts.get(vid, 0) != expected:
                    bad.append(f"{sheet.raw_table}: {vid} has {counts.get(vid, 0)} rows, its file {expected}")
    return bad


def check_after_rerun(workdir: Path) -> tuple[list[str], int]:
    """After a completed run: every dropped file is archived and registered, nothing pending.

    Returns (violations, bytes lost): bytes of dropped files whose exact content is not archived."""
    bad = check_any_moment(workdir)
    inbox = workdir / "sources" / "inbox"
    files = archive_files(workdir / "sources" / "archive")
    lost = 0
    with connect(workdir / "data" / "warehouse.duckdb", read_only=True) as con:
        registered = {(c, s) for c, s in con.execute("SELECT city_code, sha256 FROM submission_versions").fetchall()}
        pending = con.execute("SELECT count(*) FROM submission_versions WHERE status = '待处理'").fetchall()[0][0]
        shas = {r[0] for r in con.execute("SELECT sha256 FROM submission_versions").fetchall()}
    for f in drop_files(inbox):
        sha = sha256_of(f)
        if sha not in files or files[sha].read_bytes() != f.read_bytes():
            lost += f.stat().st_size
            bad.append(f"dropped file {f} not in the archive")
        if (f.parent.name, sha) not in registered:
            bad.append(f"dropped file {f} has no version row")
    orphans = set(files) - shas
    bad += [f"archive file without a version row: {files[s]}" for s in sorted(orphans)]
    if pending:
        bad.append(f"{pending} versions still pending after a completed run")
    return bad, lost
