"""Numbered, dated releases: each publish that changes the public marts is a release one can cite
and download again later.

Why: a republish used to overwrite the site, so nobody could tell when a number was published,
or get back what was published before. Every publish now fingerprints the public marts (the
frames `load_marts` returns, the only data a page or a download is built from):
- same fingerprint as the latest release: the build is a rebuild of that release (same id, same
  date, so the same bytes) and no release is made;
- a new fingerprint: release n+1, id "<year>.<n-th release of that year>", dated Settings.today,
  with release notes computed by comparing per-row digests with the previous release (which
  submission versions came in, which parks, indicators and years changed, what was revised).

The registry lives beside the published site, never inside it (a publish replaces the site):
    <workdir>/site/releases/releases.json          every release: id, date, fingerprint, notes, files
    <workdir>/site/releases/<id>/state.json.gz     per-row digests of the marts, for the next notes
    <workdir>/site/releases/<id>/open-data/...     the release's open-data files as published
    <workdir>/site/releases/<id>/<site zip>        the release's site, to browse offline
A release is recorded only after its site built; its files are archived then, and every later
site offers them on the 历史版本 page (releases/index.html) through hard links under releases/<id>/.
A site zip leaves out those archived files, so zips do not grow with the number of releases.
"""

from __future__ import annotations

import datetime as dt
import gzip
import hashlib
import json
import os
import shutil
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pandas as pd

from ..settings import Settings
from .markup import is_missing, render, split_ids
from .marts import PUBLIC_TABLES, Marts
from .provenance import Release

REGISTRY_FILE = "releases.json"
STATE_FILE = "state.json.gz"
OPEN_DATA_DIR = "open-data"       # in the site, and in each release's archive folder
SITE_ARCHIVE_DIR = "releases"     # 历史版本 page (releases/index.md) and earlier releases' files
HISTORY_PAGE = f"{SITE_ARCHIVE_DIR}/index.md"
HISTORY_TEMPLATE = "releases.md.j2"
_ZIP_DATE = (1980, 1, 1, 0, 0, 0)
_STORED_SUFFIXES = (".gz", ".zip", ".xlsx", ".parquet", ".png", ".jpg", ".woff2")  # already compressed

# Tables that describe the rules rather than the parks: a change is named in the notes as such.
REFERENCE_TABLES_ZH = {
    "dim_park": "园区名录",
    "dim_indicator": "指标目录（权重、基准值、引领值）",
    "dimensions": "评价维度",
    "energy_factors": "能源折标系数与排放因子",
    "grid_emission_factors": "电网排放因子",
    "evaluation_thresholds": "评价规则阈值",
}


# Values a park's own data does not decide: they follow from all parks (medians, ranks, classes
# by provincial percentile, sums). They change for every park when one park's data changes, so
# the notes name them once ("recomputed") instead of listing every park as changed.
DERIVED_SUFFIX = "#derived"
DERIVED_COLUMNS = {
    "fct_park_indicators": ("peer_median_value",),
    "fct_park_evaluation": ("rank_in_city", "rank_in_province"),
}
RECOMPUTED_ZH = {
    f"fct_park_indicators{DERIVED_SUFFIX}": "全省同年度中位数",
    f"fct_park_evaluation{DERIVED_SUFFIX}": "市内与全省排名",
    "fct_park_mujun_public": "亩均论英雄分类（按全省分位）",
    "fct_city_year": "城市汇总",
    "fct_province_year": "全省汇总",
    "fct_targets": "目标进展",
}


def site_zip_name(release_id: str) -> str:
    return f"greenpark-site-{release_id}.zip"


# --- fingerprint and state of the public marts ------------------------------------------------

@dataclass(frozen=True)
class Snapshot:
    """What a release published: one fingerprint, and per table a digest per key (for notes)."""
    fingerprint: str
    tables: dict[str, dict[str, str]]   # table -> key text ("3301-03|2025|EG01") -> digest of its rows
    versions: list[str]                  # submission versions the marts are built from

    def to_json(self) -> dict:
        return {"fingerprint": self.fingerprint, "tables": self.tables, "versions": self.versions}


def _text_columns(frame: pd.DataFrame, columns: list[str]) -> pd.Series:
    """Each row's values as one string; vectorised (floats as their shortest round-trip repr)."""
    out = pd.Series([""] * len(frame), index=frame.index, dtype=object)
    for i, c in enumerate(columns):
        col = frame[c].astype(str).where(frame[c].notna(), "")
        out = col if i == 0 else out + "\x1f" + col
    return out


def _key_part(value: str) -> str:
    """'2025.0' (an integer column with NULLs read as float) and '2025' are the same key."""
    try:
        f = float(value)
    except ValueError:
        return value
    return str(int(f)) if f.is_integer() else value


def _marts_versions(marts: Marts) -> list[str]:
    ids: set[str] = set()
    for table, column in (("fct_park_evaluation", "source_version_ids"), ("fct_park_indicators", "source_version_ids"),
                          ("fct_park_quarter", "version_id")):
        frame = marts.tables[table]
        if column in frame.columns:
            for value in frame[column].dropna().unique():
                ids.update(split_ids(value))
    return sorted(ids)


def _parts(name: str, columns: list[str]) -> dict[str, list[str]]:
    """A table's columns split into the parts the notes compare: its own values, and the values
    recomputed from all parks (DERIVED_COLUMNS). Cited versions are in neither: a row that only
    cites a newer version did not change (the notes name new versions on their own)."""
    own = [c for c in columns if not c.endswith(("version_id", "version_ids"))]
    derived = [c for c in DERIVED_COLUMNS.get(name, ()) if c in own]
    parts = {name: [c for c in own if c not in derived]}
    if derived:
        parts[f"{name}{DERIVED_SUFFIX}"] = derived
    return parts


def snapshot(marts: Marts) -> Snapshot:
    """Fingerprint the public marts (every column of every row; the same frames always give the
    same fingerprint), and digest each part of each table per key for the notes."""
    whole = hashlib.sha256()
    tables: dict[str, dict[str, str]] = {}
    for name, key in PUBLIC_TABLES.items():
        frame = marts.tables[name]
        columns = [str(c) for c in frame.columns]
        frame = frame.set_axis(columns, axis=1)
        whole.update(f"\x1e{name}\x1d{'|'.join(columns)}\x1d{len(frame)}\x1d".encode())
        for row in _text_columns(frame, columns) if len(frame) else []:
            whole.update(row.encode("utf-8") + b"\x1e")
        key_cols = [k for k in key if k in columns]
        keys = (_text_columns(frame, key_cols).map(lambda k: "|".join(_key_part(p) for p in k.split("\x1f")))
                if key_cols and len(frame) else pd.Series([""] * len(frame), dtype=object))
        for part, part_columns in _parts(name, columns).items():
            digests: dict[str, list[str]] = {}
            rows = _text_columns(frame, part_columns) if len(frame) else []
            for k, row in zip(keys, rows, strict=True):
                digests.setdefault(k, []).append(hashlib.blake2b(row.encode("utf-8"), digest_size=8).hexdigest())
            tables[part] = {k: "".join(sorted(v)) for k, v in sorted(digests.items())}
    return Snapshot(whole.hexdigest(), tables, _marts_versions(marts))


def _write_state(path: Path, snap: Snapshot) -> None:
    data = json.dumps(snap.to_json(), ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode("utf-8")
    with open(path, "wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", mtime=0, filename="") as gz:
        gz.write(data)


def _read_state(path: Path) -> Snapshot | None:
    try:
        data = json.loads(gzip.decompress(path.read_bytes()).decode("utf-8"))
    except (OSError, ValueError):
        return None  # a lost or damaged state: the notes then describe the release as a whole
    return Snapshot(data["fingerprint"], data["tables"], data["versions"])


# --- release notes -----------------------------------------------------------------------------

def _changed_keys(before: dict[str, str], after: dict[str, str]) -> set[str]:
    return {k for k in before.keys() | after.keys() if before.get(k) != after.get(k)}


def _key_values(table: str, key_text: str) -> dict[str, str]:
    return dict(zip(PUBLIC_TABLES[table], key_text.split("|")))


def _version_details(warehouse_path: Path | None, version_ids: list[str]) -> dict[str, str]:
    """version_id -> received date, from the intake's submission_versions (absent in a bare mart file)."""
    if not version_ids or warehouse_path is None or not Path(warehouse_path).exists():
        return {}
    con = duckdb.connect(str(warehouse_path), read_only=True)
    try:
        present = con.execute("SELECT count(*) FROM information_schema.tables "
                              "WHERE table_schema = 'main' AND table_name = 'submission_versions'").fetchone()[0]
        if not present:
            return {}
        rows = con.execute("SELECT version_id, CAST(received_at AS DATE) FROM submission_versions "
                           "WHERE list_contains(?, version_id)", [version_ids]).fetchall()
    finally:
        con.close()
    return {vid: day.isoformat() for vid, day in rows if day is not None}


def release_notes(previous: Snapshot | None, current: Snapshot, marts: Marts,
                  received: dict[str, str] | None = None) -> dict:
    """What changed since the previous release, as data (the registry keeps it; the 历史版本 page
    and `greenpark site releases` render it)."""
    received = received or {}
    parks = dict(zip(marts.dim_park["park_code"], marts.dim_park["park_name"]))
    cities = dict(zip(marts.dim_park["city_code"], marts.dim_park["city_name"]))
    indicators = marts.dim_indicator.set_index("indicator_id")
    before_versions = set(previous.versions) if previous else set()
    new_versions = [v for v in current.versions if v not in before_versions]
    versions = [{"version_id": v, "city_name": cities.get(v.split("-")[0], v.split("-")[0]),
                 "received": received.get(v)} for v in new_versions]
    if previous is None:
        return {"first": True, "versions": versions, "n_parks": int(marts.fct_park_evaluation["park_code"].nunique()),
                "years": [int(y) for y in marts.years], "revisions": [], "parks": [], "indicators": [],
                "reference_tables": [], "recomputed": [], "changed_rows": {}}

    changed = {t: _changed_keys(previous.tables.get(t, {}), current.tables[t]) for t in current.tables}
    park_codes, years, indicator_ids = set(), set(), set()
    for table, keys in changed.items():
        if table in RECOMPUTED_ZH:
            continue
        for k in keys:
            values = _key_values(table.split(DERIVED_SUFFIX)[0], k)
            if "park_code" in values:
                park_codes.add(values["park_code"])
            if "year" in values and values["year"].isdigit():
                years.add(int(values["year"]))
            if "indicator_id" in values and table in ("fct_park_indicators", "dim_indicator", "fct_revisions"):
                indicator_ids.add(values["indicator_id"])
    revisions = []
    rv = marts.fct_revisions
    for r in rv.to_dict("records"):
        key = "|".join(_key_part(str(r.get(k))) for k in PUBLIC_TABLES["fct_revisions"])
        if key not in changed["fct_revisions"]:
            continue
        unit = indicators["unit"].get(r["indicator_id"]) if "unit" in indicators else None
        revisions.append({"park_code": r["park_code"], "park_name": parks.get(r["park_code"], r["park_code"]),
                          "year": int(r["year"]), "indicator_id": r["indicator_id"],
                          "indicator_name": indicators["indicator_name"].get(r["indicator_id"], r["indicator_id"]),
                          "old_value": None if is_missing(r.get("old_value")) else float(r["old_value"]),
                          "new_value": None if is_missing(r.get("new_value")) else float(r["new_value"]),
                          "unit": None if is_missing(unit) else str(unit),
                          "change_pct": None if is_missing(r.get("change_pct")) else float(r["change_pct"])})
    revisions.sort(key=lambda r: (-abs(r["change_pct"] or 0), r["park_code"], r["year"], r["indicator_id"]))
    return {
        "first": False,
        "versions": versions,
        "parks": [{"park_code": c, "park_name": parks.get(c, c)} for c in sorted(park_codes)],
        "indicators": [{"indicator_id": i, "indicator_name": indicators["indicator_name"].get(i, i)}
                       for i in sorted(indicator_ids)],
        "years": sorted(years),
        "revisions": revisions,
        "reference_tables": [REFERENCE_TABLES_ZH[t] for t in REFERENCE_TABLES_ZH if changed.get(t)],
        "recomputed": [RECOMPUTED_ZH[t] for t in RECOMPUTED_ZH if changed.get(t)],
        "changed_rows": {t: len(k) for t, k in changed.items() if k},
    }


def notes_summary(notes: dict) -> str:
    """One line of Chinese for the CLI and the Dagster log."""
    if notes.get("first"):
        years = notes.get("years") or []
        span = f" {years[0]}—{years[-1]} 年" if len(years) > 1 else f" {years[0]} 年" if years else ""
        return f"首次发布：{notes['n_parks']} 个园区{span}的数据，来自 {len(notes['versions'])} 个报送版本"
    parts = []
    if notes["versions"]:
        parts.append(f"新纳入 {len(notes['versions'])} 个报送版本")
    if notes["parks"]:
        parts.append(f"{len(notes['parks'])} 个园区有变化")
    if notes["indicators"]:
        parts.append(f"{len(notes['indicators'])} 项指标有变化")
    if notes["years"]:
        parts.append("涉及 " + "、".join(f"{y} 年" for y in notes["years"]))
    if notes["revisions"]:
        parts.append(f"修订 {len(notes['revisions'])} 项已公开指标")
    if notes["reference_tables"]:
        parts.append("更新了" + "、".join(notes["reference_tables"]))
    if notes.get("recomputed") and not parts:
        parts.append("重新计算了" + "、".join(notes["recomputed"]))
    return "；".join(parts) or "数据有更新"


# --- registry ------------------------------------------------------------------------------------

def load_registry(releases_dir: Path) -> list[dict]:
    """Every release so far, oldest first ([] before the first publish)."""
    path = Path(releases_dir) / REGISTRY_FILE
    if not path.exists():
        return []
    return json.loads(path.read_text(encoding="utf-8"))["releases"]


def _write_registry(releases_dir: Path, entries: list[dict]) -> None:
    data = json.dumps({"releases": entries}, ensure_ascii=False, indent=2, sort_keys=True) + "\n"
    fd, tmp = tempfile.mkstemp(prefix=".releases-", suffix=".json", dir=releases_dir)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())
    os.chmod(tmp, 0o644)
    os.replace(tmp, Path(releases_dir) / REGISTRY_FILE)


def next_release_id(entries: list[dict], published: dt.date) -> str:
    """'2026.3' = the third release first published in 2026."""
    same_year = sum(1 for e in entries if dt.date.fromisoformat(e["published"]).year == published.year)
    return f"{published.year}.{same_year + 1}"


@dataclass(frozen=True)
class ReleasePlan:
    """The release a publish builds: the latest one again, or a new one (recorded after the build)."""
    release: Release
    is_new: bool
    notes: dict
    snapshot: Snapshot
    earlier: list[dict]   # registry entries published before this release, oldest first

    @property
    def entry(self) -> dict:
        r = self.release
        return {"release_id": r.release_id, "published": r.published.isoformat(), "fingerprint": self.snapshot.fingerprint,
                "issuer": r.issuer, "contact": r.contact, "licence_name": r.licence_name, "licence_url": r.licence_url,
                "demo_data": r.demo_data, "notes": self.notes, "summary": notes_summary(self.notes), "files": []}


def _release(settings: Settings, release_id: str, published: dt.date) -> Release:
    demo = settings.demo_data
    return Release(release_id=release_id, published=published,
                   issuer=settings.issuer + ("（示例）" if demo else ""),
                   contact=settings.contact + ("（示例）" if demo else ""),
                   licence_name=settings.licence_name, licence_url=settings.licence_url, demo_data=demo)


def plan_release(settings: Settings, marts: Marts) -> ReleasePlan:
    entries = load_registry(settings.releases_dir)
    snap = snapshot(marts)
    latest = entries[-1] if entries else None
    if latest is not None and latest["fingerprint"] == snap.fingerprint:
        release = _release(settings, latest["release_id"], dt.date.fromisoformat(latest["published"]))
        return ReleasePlan(release, False, latest["notes"], snap, entries[:-1])
    previous = None
    if latest is not None:  # a lost state file: every row then counts as changed, never as 首次发布
        previous = _read_state(settings.releases_dir / latest["release_id"] / STATE_FILE) or Snapshot("", {}, [])
    new_versions = [v for v in snap.versions if previous is None or v not in set(previous.versions)]
    notes = release_notes(previous, snap, marts, _version_details(settings.warehouse_path, new_versions))
    published = settings.today
    return ReleasePlan(_release(settings, next_release_id(entries, published), published), True, notes, snap, entries)


# --- the 历史版本 page ------------------------------------------------------------------------------

def write_history_page(docs_dir: Path, plan: ReleasePlan) -> None:
    """docs_dir/releases/index.md: every release, newest first, with its notes; every earlier
    release's open data and site zip (links relative to the page, so file:// and a LAN server work)."""
    releases = []
    for entry in [*plan.earlier, plan.entry]:
        current = entry["release_id"] == plan.release.release_id
        releases.append({
            "id": entry["release_id"], "anchor": "v" + entry["release_id"].replace(".", "-"),
            "published": dt.date.fromisoformat(entry["published"]), "current": current,
            "notes": entry["notes"], "summary": entry.get("summary") or notes_summary(entry["notes"]),
            "open_data": [f for f in entry["files"] if f["path"].startswith(OPEN_DATA_DIR + "/")],
            "site_zip": next((f for f in entry["files"] if f["path"].endswith(".zip")), None),
        })
    page = render(HISTORY_TEMPLATE, releases=list(reversed(releases)), release=plan.release,
                  demo=plan.release.demo_data)
    path = Path(docs_dir) / HISTORY_PAGE
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(page, encoding="utf-8")


# --- archiving a release and offering earlier ones -----------------------------------------------

def _archived(path: Path) -> bool:
    """releases/<id>/... in a built site: earlier releases' files, not part of this release's site."""
    parts = path.parts
    return len(parts) > 2 and parts[0] == SITE_ARCHIVE_DIR


def write_site_zip(site_dir: Path, zip_path: Path, top: str) -> None:
    """A reproducible zip of a built site: sorted entries, fixed timestamps and permissions, one
    top folder; earlier releases' archived files are left out."""
    files = sorted((p.relative_to(site_dir) for p in Path(site_dir).rglob("*") if p.is_file()),
                   key=lambda p: p.as_posix())
    with zipfile.ZipFile(zip_path, "w", zipfile.ZIP_DEFLATED, compresslevel=6) as z:
        for rel in files:
            if _archived(rel):
                continue
            info = zipfile.ZipInfo(f"{top}/{rel.as_posix()}", date_time=_ZIP_DATE)
            info.external_attr = 0o644 << 16
            info.create_system = 3  # Unix, so the permissions above are read as such everywhere
            info.compress_type = zipfile.ZIP_STORED if rel.suffix in _STORED_SUFFIXES else zipfile.ZIP_DEFLATED
            z.writestr(info, (site_dir / rel).read_bytes())


def _file_entry(root: Path, path: Path) -> dict:
    data = path.read_bytes()
    return {"path": path.relative_to(root).as_posix(), "bytes": len(data), "sha256": hashlib.sha256(data).hexdigest()}


def record_release(settings: Settings, plan: ReleasePlan, site_dir: Path) -> dict:
    """Archive a new release (its open data, a zip of its built site, its mart state) and add it
    to releases.json. Called after the site built and before it is swapped in: a failed build
    records nothing, and a crash here leaves no half-recorded release."""
    releases_dir = settings.releases_dir
    releases_dir.mkdir(parents=True, exist_ok=True)
    rid = plan.release.release_id
    staging = Path(tempfile.mkdtemp(prefix=f".staging-{rid}-", dir=releases_dir))
    try:
        staging.chmod(0o755)
        open_data = Path(site_dir) / OPEN_DATA_DIR
        for src in sorted(open_data.iterdir()) if open_data.is_dir() else []:
            if src.is_file() and src.suffix != ".html":
                (staging / OPEN_DATA_DIR).mkdir(exist_ok=True)
                shutil.copyfile(src, staging / OPEN_DATA_DIR / src.name)
        write_site_zip(Path(site_dir), staging / site_zip_name(rid), f"greenpark-site-{rid}")
        files = [_file_entry(staging, p) for p in sorted(staging.rglob("*"), key=lambda p: p.as_posix()) if p.is_file()]
        for p in staging.rglob("*"):
            if p.is_file():
                p.chmod(0o644)
        _write_state(staging / STATE_FILE, plan.snapshot)
        target = releases_dir / rid
        if target.exists():  # left by a publish that died before writing releases.json
            shutil.rmtree(target)
        staging.rename(target)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    entry = {**plan.entry, "files": files}
    _write_registry(releases_dir, [*plan.earlier, entry])
    return entry


def link_earlier_releases(settings: Settings, plan: ReleasePlan, site_dir: Path) -> int:
    """Put every earlier release's files under site_dir/releases/<id>/ (hard links: no copy of
    the archive per publish; a copy where the site lives on another file system). Returns bytes."""
    total = 0
    for entry in plan.earlier:
        for f in entry["files"]:
            src = settings.releases_dir / entry["release_id"] / f["path"]
            dst = Path(site_dir) / SITE_ARCHIVE_DIR / entry["release_id"] / f["path"]
            dst.parent.mkdir(parents=True, exist_ok=True)
            try:
                os.link(src, dst)
            except OSError:
                shutil.copyfile(src, dst)
            total += f["bytes"]
    return total
