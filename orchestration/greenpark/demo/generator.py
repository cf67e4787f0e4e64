"""Synthetic city submissions (示例数据) for the demo and for the province- and national-size runs.

`generate` writes `<inbox>/<city>/<city>_<year>Q<q>.<ext>` for every city and quarter, and a
manifest (`<inbox>/../demo_manifest.json`) listing every file and every deliberately wrong cell,
so tests and the demo can check that validation finds exactly those. `resubmit` then plays the
bureaus' second round (`demo_resubmission.json`): corrected files for the rejected ones and one
revised file, so versions, revisions and 建议现场核查 show on the site. Everything follows from the
seed: the same call gives the same manifest and the same bytes.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from ..submission import contract
from .. import uscc
from ..intake.archive import CHINA_TZ
from ..registry import REGISTRY_COLUMNS, generated_registry_csv
from ..settings import Settings, get_settings
from ..workbook_template import excel_column_letter
from .template import data_excel_rows, header_text, write_submission
from .world import SIZES, TCE_PER_UNIT, CityWorld, World, build_world

MANIFEST_NAME = "demo_manifest.json"
RESUBMISSION_NAME = "demo_resubmission.json"
RESUBMIT_AFTER = dt.timedelta(days=3)  # the second round arrives a few days after the first, before the due date
# The revised file: one park's value added and energy consumption revised upward, and its industrial
# land corrected; the land is a quarter-end stock, so the year's 亩均 indicators move by more than
# the 建议现场核查 threshold (a flow revised in one quarter moves an annual indicator by a quarter as much).
REVISION_FACTOR = 1.25
REVISED_FLOWS = ("value_added", *TCE_PER_UNIT, "renewable_electricity", "waste_heat_recovered")
LAND_CORRECTION = 0.8
ERROR, WARNING = "error", "warning"  # as in submission.findings
# Demo files that are not plain clean .xlsx: (ext, style, how many).
DEMO_VARIANTS = (
    ("xls", "clean", 3),
    ("xls", "messy", 2),
    ("ods", "clean", 3),
    ("ods", "messy", 2),
    ("xlsx", "messy", 6),
)
# Realistic quarters for the benchmark (issue 16), on the province and larger sizes:
#   late     - a backfill of a past year: every file sent after its deadline (one file-level warning
#              each) and in the formats bureaus really send (LATE_FORMATS);
#   messy    - on time, in those formats: title, note and spacer rows, merged titles, full-width digits,
#              thousands separators, text numbers, .xls and .ods;
#   rejected - on time, clean .xlsx, and about REJECTED_SHARE of the files carry cell-level errors
#              (injection groups a–c), so they are rejected and feedback marks their cells.
PROFILES = ("clean", "late", "messy", "rejected")
# (ext, style) by file position: half messy .xlsx, a quarter .xls, a quarter .ods, 3/4 of them messy.
LATE_FORMATS = (("xlsx", "messy"), ("xls", "messy"), ("xlsx", "messy"), ("ods", "messy"),
                ("xlsx", "clean"), ("xls", "clean"), ("xlsx", "messy"), ("ods", "clean"))
LATE_BY_DAYS = 20  # how long after the deadline a file of the `late` profile arrives
REJECTED_SHARE = 0.10
DEMO_EARLY_ANNUAL_CITIES = 3  # cities that also send the annual sheet in Q2 (a preliminary, replaced in Q4)
# Calibration, so the province console and the site show every case on the demo: one file sent
# DEMO_LATE_DAYS after its deadline (first quarter of the latest year, the first city without an
# injected error there), one enterprise an order of magnitude off its peers (group d), and in the
# second round one file of the next year's first quarter that is rejected and never corrected.
DEMO_LATE_DAYS = 12
OUTLIER_FACTOR = 20
OUTLIER_MIN_PEERS = 6  # the outlier's industry has at least this many firms in the file (rule: 5 peers)


@dataclass(frozen=True)
class Injection:
    """One deliberately wrong cell, planned before the frames exist."""

    rule: str  # negative / text_in_number / park_other_city / uscc_check_digit / share_over_100 / park_name_mismatch
    sheet_key: str
    column: str
    severity: str


# The four injected files of the brief: each group lands in its own city.
INJECTION_GROUPS: dict[str, tuple[Injection, ...]] = {
    "a": (
        Injection("negative", contract.PARK_QUARTER.key, "natural_gas", ERROR),
        Injection("text_in_number", contract.PARK_QUARTER.key, "solid_waste", ERROR),
    ),
    "b": (
        Injection("park_other_city", contract.ENTERPRISE_QUARTER.key, "park_code", ERROR),
        Injection("uscc_check_digit", contract.ENTERPRISE_QUARTER.key, "uscc", ERROR),
    ),
    "c": (Injection("share_over_100", contract.PARK_QUARTER.key, "renewable_electricity", ERROR),),
    "d": (
        Injection("park_name_mismatch", contract.PARK_QUARTER.key, "park_name", WARNING),
        Injection("intensity_outlier", contract.ENTERPRISE_QUARTER.key, "energy_tce", WARNING),
    ),
}
# The second round's file that stays rejected (the next year's first quarter of group a's city).
NEXT_YEAR_REJECTED = Injection("negative", contract.PARK_QUARTER.key, "natural_gas", ERROR)


@dataclass
class FileSpec:
    city_code: str
    year: int
    quarter: int
    ext: str = "xlsx"
    style: str = "clean"
    with_annual: bool = False
    injections: tuple[Injection, ...] = ()
    foreign_park: str | None = None  # a park of another city, for park_other_city
    pick_seed: int = 0  # chooses the rows that injections hit
    late_days: int = 0  # dropped this many days after the due date

    @property
    def relpath(self) -> str:
        return f"{self.city_code}/{contract.submission_filename(self.city_code, self.year, self.quarter, self.ext)}"


def generate(
    inbox_dir: Path,
    *,
    size: str = "demo",
    years=(2024, 2025),
    seed: int = 20220324,
    inject_errors: bool = True,
    settings: Settings | None = None,
    profile: str = "clean",
) -> dict:
    """Write every city's quarterly workbooks into `inbox_dir` and return the manifest.

    size 'demo': the 61 real parks, all quarters of `years`, mixed formats and a few messy files,
    deliberate errors if `inject_errors`. 'province' (130 parks, 55,000 enterprises) and 'national'
    (2,500 parks, 500,000 enterprises, ~100 cities): the four quarters of the last year, clean
    .xlsx; their generated parks go to registry.generated_registry_csv(settings). `profile` (not for
    'demo'): one of PROFILES, the realistic benchmark quarters described there.
    """
    if size not in SIZES:
        raise ValueError(f"size must be one of {SIZES}")
    if profile not in PROFILES or (size == "demo" and profile != "clean"):
        raise ValueError(f"profile must be one of {PROFILES} ('clean' for the demo)")
    settings = settings or get_settings()
    inbox_dir = Path(inbox_dir)
    years = tuple(sorted({int(y) for y in years}))
    if not years:
        raise ValueError("years must not be empty")
    if size != "demo":
        years = (years[-1],)
    registry = pd.read_csv(settings.park_registry_csv, dtype=str)
    world = build_world(size, registry, seed)
    _write_generated_registry(world, settings)

    specs = _plan_files(world, years, seed, inject_errors and size == "demo")
    _apply_profile(world, specs, profile, seed)
    _clear_inbox(inbox_dir)
    # One process is enough: the streaming writer keeps even the national set to about a minute.
    results = [_write_file(city, spec, inbox_dir) for city, spec in _city_tasks(world, specs)]

    files = sorted((r["file"] for r in results), key=lambda f: f["path"])
    injected = sorted(
        (i for r in results for i in r["injected"]), key=lambda i: (i["file"], i["sheet"], i["excel_row"], i["column"])
    )
    manifest = {
        "size": size,
        "profile": profile,
        "seed": seed,
        "years": list(years),
        "demo_data": True,
        "n_cities": int(world.parks.city_code.nunique()),
        "n_parks": len(world.parks),
        "n_generated_parks": int(world.parks.is_generated.sum()),
        "n_enterprises": len(world.enterprises),
        "n_files": len(files),
        "files": files,
        "injected_errors": injected,
    }
    manifest_path = inbox_dir.parent / MANIFEST_NAME
    manifest_path.parent.mkdir(parents=True, exist_ok=True)
    manifest_path.write_text(json.dumps(manifest, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    return manifest


def build_demo_world(size: str = "demo", seed: int = 20220324, settings: Settings | None = None) -> World:
    """The world `generate` draws from, for checks that compare files with the values meant."""
    settings = settings or get_settings()
    return build_world(size, pd.read_csv(settings.park_registry_csv, dtype=str), seed)


def submission_frames(city: CityWorld, year: int, quarter: int, with_annual: bool) -> dict[str, pd.DataFrame | None]:
    """The honest frames of one city-quarter (before any deliberate error)."""
    park_quarter = city.park_quarter(year, quarter)
    return {
        contract.PARK_QUARTER.key: park_quarter,
        contract.PARK_ANNUAL.key: city.park_annual(year, quarter) if with_annual else None,
        contract.ENTERPRISE_QUARTER.key: city.enterprise_quarter(year, quarter, park_quarter),
    }


def resubmit(inbox_dir: Path, *, seed: int = 20220324, settings: Settings | None = None) -> dict:
    """The bureaus' second round on top of a `generate(size='demo')` inbox; returns its manifest.

    Overwrites, under the same names: every file that carried an injected error (severity error)
    with its honest version, and the last-quarter file of one city in the latest year with one
    park's value added and energy ×REVISION_FACTOR and its land ×LAND_CORRECTION. Modification
    times are RESUBMIT_AFTER after the first round, so the pull records them as later versions.
    Adds one new file that stays rejected (_next_year_rejected). The
    manifest (files rewritten, corrected cells, revised values) is also written next to
    demo_manifest.json as demo_resubmission.json.
    """
    settings = settings or get_settings()
    inbox_dir = Path(inbox_dir)
    first_path = inbox_dir.parent / MANIFEST_NAME
    if not first_path.exists():
        raise FileNotFoundError(f"{first_path} not found: run generate(size='demo') first")
    first = json.loads(first_path.read_text(encoding="utf-8"))
    if first["size"] != "demo" or first["seed"] != seed:
        raise ValueError(f"{first_path} is size {first['size']!r}, seed {first['seed']}; resubmit needs the demo of seed {seed}")
    world = build_demo_world("demo", seed, settings)
    entries = {f["path"]: f for f in first["files"]}
    errors: dict[str, list[dict]] = {}
    for err in first["injected_errors"]:
        if err["severity"] == ERROR:
            errors.setdefault(err["file"], []).append(err)
    touched = {err["file"] for err in first["injected_errors"]}
    latest = max(first["years"])
    candidates = sorted(p for p, f in entries.items() if f["year"] == latest and f["quarter"] == 4 and p not in touched)
    rng = np.random.default_rng([seed, 40])
    revised_path = candidates[int(rng.integers(len(candidates)))]

    corrected, revised = [], []
    for relpath in sorted({*errors, revised_path}):
        entry = entries[relpath]
        city = world.city(entry["city_code"])
        spec = FileSpec(entry["city_code"], entry["year"], entry["quarter"], entry["ext"], entry["style"],
                        with_annual=entry["rows"][contract.PARK_ANNUAL.key] > 0)
        frames = submission_frames(city, spec.year, spec.quarter, spec.with_annual)
        base = {k: entry[k] for k in ("path", "city_code", "year", "quarter", "ext", "style")}
        base["received_at"] = dropped_at(spec.year, spec.quarter, resubmitted=True).isoformat()
        if relpath in errors:
            cells = [{"sheet": e["sheet"], "excel_row": e["excel_row"], "column": e["column"], "rule": e["rule"],
                      "wrong_value": e["value"], "corrected_value": e["original_value"]} for e in errors[relpath]]
            corrected.append(base | {"corrected_cells": cells})
        else:
            revised.append(base | _revise(frames[contract.PARK_QUARTER.key], rng))
        _write_frames(city, spec, frames, inbox_dir, resubmitted=True)
    rejected = _next_year_rejected(world, first, inbox_dir, seed)
    manifest = {
        "seed": seed,
        "demo_data": True,
        "n_files": len(corrected) + len(revised) + len(rejected),
        "files": sorted(e["path"] for e in corrected + revised + rejected),
        "corrected": corrected,
        "revised": revised,
        "rejected": rejected,
    }
    path = inbox_dir.parent / RESUBMISSION_NAME
    path.write_text(json.dumps(manifest, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    return manifest


def _next_year_rejected(world: World, first: dict, inbox_dir: Path, seed: int) -> list[dict]:
    """Group a's city sends the next year's first quarter with an error, and no correction
    follows: a rejected city-quarter stays on the console (it loads nothing)."""
    city_code = next((e["city_code"] for e in first["injected_errors"] if e["rule"] == NEXT_YEAR_REJECTED.rule), None)
    if city_code is None:
        return []
    spec = FileSpec(city_code, max(first["years"]) + 1, 1, injections=(NEXT_YEAR_REJECTED,), pick_seed=seed * 10 + 9)
    result = _write_file(world.city(city_code), spec, inbox_dir)
    return [result["file"] | {"injected": result["injected"]}]


def _revise(park_quarter: pd.DataFrame, rng: np.random.Generator) -> dict:
    """Revise one park's row of the honest park-quarter frame in place; describe the change."""
    row = int(rng.integers(len(park_quarter)))
    changes = []
    for column, factor in [(c, REVISION_FACTOR) for c in REVISED_FLOWS] + [("land_mu", LAND_CORRECTION)]:
        old = float(park_quarter.at[row, column])
        new = round(old * factor, 2)
        park_quarter.at[row, column] = new
        changes.append({"column": column, "old_value": old, "new_value": new})
    return {"park_code": str(park_quarter.at[row, "park_code"]), "changes": changes}


# --- planning ---------------------------------------------------------------------------------


def _plan_files(world: World, years: tuple[int, ...], seed: int, inject: bool) -> list[FileSpec]:
    cities = list(world.cities.city_code)
    rng = np.random.default_rng([seed, 30])
    early_annual = (
        set(rng.choice(cities, min(DEMO_EARLY_ANNUAL_CITIES, len(cities)), replace=False))
        if world.size == "demo"
        else set()
    )
    specs = {
        (c, y, q): FileSpec(c, y, q, with_annual=q == 4 or (q == 2 and c in early_annual))
        for c in cities
        for y in years
        for q in range(1, 5)
    }
    if inject:
        _plan_injections(world, specs, years, seed)
        late = next(specs[(c, years[-1], 1)] for c in sorted(cities) if not specs[(c, years[-1], 1)].injections)
        late.late_days = DEMO_LATE_DAYS
    if world.size == "demo":
        # Formats and messiness go to files without deliberate errors, so each error sits at a known cell.
        free = sorted(k for k, s in specs.items() if not s.injections)
        order = rng.permutation(len(free))
        pos = 0
        for ext, style, count in DEMO_VARIANTS:
            for _ in range(count):
                spec = specs[free[order[pos]]]
                spec.ext, spec.style = ext, style
                pos += 1
    return [specs[k] for k in sorted(specs)]


def _plan_injections(world: World, specs: dict, years: tuple[int, ...], seed: int) -> None:
    """Groups a–d in four different cities; all in the last year except c (Q3 of the year before)."""
    rng = np.random.default_rng([seed, 31])
    cities = list(world.cities.city_code)
    chosen = rng.choice(cities, len(INJECTION_GROUPS), replace=False)
    latest = years[-1]
    earlier = (years[-2], 3) if len(years) > 1 else (latest, 1)
    periods = {"a": (latest, 2), "b": (latest, 3), "c": earlier, "d": (latest, 4)}
    for i, (group, injections) in enumerate(INJECTION_GROUPS.items()):
        city = str(chosen[i])
        spec = specs[(city, *periods[group])]
        spec.injections = injections
        spec.pick_seed = seed * 10 + i
        if any(inj.rule == "park_other_city" for inj in injections):
            others = world.parks[world.parks.city_code != city].park_code
            spec.foreign_park = str(others.iloc[int(rng.integers(len(others)))])


def _apply_profile(world: World, specs: list[FileSpec], profile: str, seed: int) -> None:
    """Turn the clean province plan into one of the realistic PROFILES (deterministic from the seed)."""
    if profile in ("late", "messy"):
        for i, spec in enumerate(specs):
            spec.ext, spec.style = LATE_FORMATS[i % len(LATE_FORMATS)]
            spec.late_days = LATE_BY_DAYS if profile == "late" else 0
    elif profile == "rejected":
        rng = np.random.default_rng([seed, 32])
        n = max(1, round(len(specs) * REJECTED_SHARE))
        groups = [g for g, injections in INJECTION_GROUPS.items() if any(i.severity == ERROR for i in injections)]
        for k, index in enumerate(sorted(rng.choice(len(specs), n, replace=False))):
            spec = specs[int(index)]
            spec.injections = INJECTION_GROUPS[groups[k % len(groups)]]
            spec.pick_seed = seed * 100 + k
            if any(inj.rule == "park_other_city" for inj in spec.injections):
                others = world.parks[world.parks.city_code != spec.city_code].park_code
                spec.foreign_park = str(others.iloc[int(rng.integers(len(others)))])


def _city_tasks(world: World, specs: list[FileSpec]):
    by_city: dict[str, CityWorld] = {}
    for spec in specs:
        if spec.city_code not in by_city:
            by_city[spec.city_code] = world.city(spec.city_code)
        yield by_city[spec.city_code], spec


def _write_generated_registry(world: World, settings: Settings) -> None:
    path = generated_registry_csv(settings)
    generated = world.generated_parks
    if generated.empty:
        path.unlink(missing_ok=True)
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    generated.sort_values("park_code")[REGISTRY_COLUMNS].to_csv(path, index=False, lineterminator="\n")


def _clear_inbox(inbox_dir: Path) -> None:
    """Drop submission-named files from earlier runs, so the inbox holds exactly this run's set."""
    if not inbox_dir.exists():
        return
    for city_dir in sorted(p for p in inbox_dir.iterdir() if p.is_dir()):
        for path in city_dir.iterdir():
            if path.is_file() and contract.FILENAME_RE.match(path.name):
                path.unlink()
        if not any(city_dir.iterdir()):
            city_dir.rmdir()


# --- writing ------------------------------------------------------------------------------------


def _write_file(city: CityWorld, spec: FileSpec, inbox_dir: Path) -> dict:
    frames = submission_frames(city, spec.year, spec.quarter, spec.with_annual)
    injected = [_inject(frames, inj, row, spec) for inj, row in zip(spec.injections, _pick_rows(frames, spec))]
    _write_frames(city, spec, frames, inbox_dir)
    rows = {key: 0 if frame is None else len(frame) for key, frame in frames.items()}
    entry = {
        "path": spec.relpath,
        "city_code": spec.city_code,
        "city_name": city.city_name,
        "year": spec.year,
        "quarter": spec.quarter,
        "ext": spec.ext,
        "style": spec.style,
        "rows": rows,
        "n_injected": len(injected),
        "late_days": spec.late_days,
    }
    return {"file": entry, "injected": injected}


def dropped_at(year: int, quarter: int, resubmitted: bool = False, late_days: int = 0) -> dt.datetime:
    """When the demo bureau drops the file (China time): five days before the due date (or
    `late_days` after it), and RESUBMIT_AFTER later for the second round."""
    first = dt.datetime.combine(contract.due_date(year, quarter) + dt.timedelta(days=late_days or -5), dt.time(10))
    return (first + RESUBMIT_AFTER if resubmitted else first).replace(tzinfo=CHINA_TZ)


def _write_frames(city: CityWorld, spec: FileSpec, frames: dict, inbox_dir: Path, resubmitted: bool = False) -> None:
    path = inbox_dir / spec.relpath
    write_submission(
        path,
        spec.city_code,
        spec.year,
        spec.quarter,
        frames,
        ext=spec.ext,
        style=spec.style,
        city_name=city.city_name,
        demo=True,
        park_codes=tuple(city.parks.park_code),
    )
    # The pull takes a file's modification time as its receipt time: the demo bureaus send on time.
    stamp = dropped_at(spec.year, spec.quarter, resubmitted, spec.late_days).timestamp()
    os.utime(path, (stamp, stamp))


_ABBREVIATIONS = (
    ("经济技术开发区", "经开区"),
    ("高新技术产业开发区", "高新区"),
    ("经济开发区", "开发区"),
    ("示例园区", "示例区"),
)


def _pick_rows(frames: dict, spec: FileSpec) -> list[int]:
    """One distinct row per injection of the file, so each wrong cell has its own finding."""
    picker = np.random.default_rng([spec.pick_seed])
    taken: dict[str, set[int]] = {}
    rows = []
    for inj in spec.injections:
        n = len(frames[inj.sheet_key])
        used = taken.setdefault(inj.sheet_key, set())
        row = int(picker.integers(n))
        if inj.rule == "intensity_outlier":  # a firm with enough peers of its industry in the file
            counts = frames[inj.sheet_key].industry_code.value_counts()
            row = int(frames[inj.sheet_key].index[frames[inj.sheet_key].industry_code.map(counts) >= OUTLIER_MIN_PEERS][0])
        while row in used and len(used) < n:
            row = (row + 1) % n
        used.add(row)
        rows.append(row)
    return rows


def _wrong_value(frame: pd.DataFrame, inj: Injection, row: int, spec: FileSpec):
    original = frame.at[row, inj.column]
    if inj.rule == "negative":
        return -abs(float(original)) or -1.0
    if inj.rule == "text_in_number":
        return f"约{round(float(original))}"
    if inj.rule == "share_over_100":
        return round(float(frame.at[row, "electricity"]) * 1.25, 2)
    if inj.rule == "park_name_mismatch":
        name = str(original)
        return next((name.replace(a, b) for a, b in _ABBREVIATIONS if a in name), f"{name}(园区)")
    if inj.rule == "intensity_outlier":
        return round(float(original) * OUTLIER_FACTOR, 3)
    if inj.rule == "park_other_city":
        return spec.foreign_park
    if inj.rule == "uscc_check_digit":
        code, alphabet = str(original), uscc.ALPHABET
        return code[:17] + alphabet[(alphabet.index(code[17]) + 1) % len(alphabet)]
    raise ValueError(f"no injection for rule {inj.rule}")


def _inject(frames: dict, inj: Injection, row: int, spec: FileSpec) -> dict:
    """Overwrite one cell of the honest frames with the wrong value and describe where it sits."""
    frame = frames[inj.sheet_key]
    original = frame.at[row, inj.column]
    value = _wrong_value(frame, inj, row, spec)
    if frame[inj.column].dtype != object:
        frame[inj.column] = frame[inj.column].astype(object)
    frame.at[row, inj.column] = value
    sheet = contract.SHEETS_BY_KEY[inj.sheet_key]
    col_index = [c.name for c in sheet.columns].index(inj.column)
    return {
        "file": spec.relpath,
        "city_code": spec.city_code,
        "year": spec.year,
        "quarter": spec.quarter,
        "sheet": sheet.name,
        "excel_row": data_excel_rows(len(frame), spec.style)[row],
        "excel_column": excel_column_letter(col_index),
        "column": inj.column,
        "column_header": header_text(sheet.columns[col_index], col_index, spec.style),
        "value": value,
        "original_value": original.item() if hasattr(original, "item") else original,
        "severity": inj.severity,
        "rule": inj.rule,
    }
