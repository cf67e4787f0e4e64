"""The synthetic province: deterministic, complete, and internally consistent."""

from __future__ import annotations

import hashlib
import json

import pandas as pd
import pytest

from greenpark.submission import contract
from greenpark.demo.generator import DEMO_LATE_DAYS, build_demo_world, generate, submission_frames
from greenpark.registry import generated_registry_csv, load_parks
from greenpark.settings import get_settings

SEED = 777
YEARS = (2024, 2025)


def _digests(inbox):
    return {
        p.relative_to(inbox).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(inbox.rglob("*.*"))
    }


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    work = tmp_path_factory.mktemp("demo_generator")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("GREENPARK_WORKDIR", str(work))
        settings = get_settings()
        manifest = generate(settings.inbox_dir, size="demo", years=YEARS, seed=SEED, settings=settings)
    return settings, manifest


@pytest.fixture(scope="module")
def frames():
    """Honest frames of every city-quarter of the demo world, stacked per sheet with year and quarter."""
    world = build_demo_world("demo", SEED)
    out = {s.key: [] for s in contract.SHEETS}
    for city_code in world.cities.city_code:
        city = world.city(city_code)
        for year in YEARS:
            for quarter in range(1, 5):
                for key, frame in submission_frames(city, year, quarter, with_annual=True).items():
                    out[key].append(frame.assign(city_code=city_code, year=year, quarter=quarter))
    return world, {k: pd.concat(v, ignore_index=True) for k, v in out.items()}


def test_demo_writes_every_city_quarter_and_a_matching_manifest(demo):
    settings, manifest = demo
    parks = load_parks(settings)
    assert manifest["n_parks"] == len(parks) == 61 and manifest["n_cities"] == 11
    assert 2000 <= manifest["n_enterprises"] <= 5000
    expected = {(c, y, q) for c in parks.city_code.unique() for y in YEARS for q in range(1, 5)}
    assert sorted((f["city_code"], f["year"], f["quarter"]) for f in manifest["files"]) == sorted(expected)
    for f in manifest["files"]:
        assert (
            f["path"]
            == f"{f['city_code']}/{contract.submission_filename(f['city_code'], f['year'], f['quarter'], f['ext'])}"
        )
    on_disk = {p.relative_to(settings.inbox_dir).as_posix() for p in settings.inbox_dir.rglob("*.*")}
    assert on_disk == {f["path"] for f in manifest["files"]}
    exts = [f["ext"] for f in manifest["files"]]
    assert exts.count("xlsx") > len(exts) / 2 and {"xls", "ods"} <= set(exts)
    for f in manifest["files"]:
        assert f["rows"]["park_quarter"] == (parks.city_code == f["city_code"]).sum()
        if f["quarter"] == 4:
            assert f["rows"]["park_annual"] == f["rows"]["park_quarter"]
    assert any(f["quarter"] < 4 and f["rows"]["park_annual"] for f in manifest["files"])
    on_file = json.loads((settings.inbox_dir.parent / "demo_manifest.json").read_text(encoding="utf-8"))
    assert on_file == manifest
    assert not generated_registry_csv(settings).exists()


def test_one_file_arrives_late_and_the_others_on_time(demo):
    """Calibration: the console's "逾期" cell. The pull takes the file time as the receipt time."""
    import datetime as dt

    from greenpark.intake.archive import CHINA_TZ

    settings, manifest = demo
    late = [f for f in manifest["files"] if f["late_days"]]
    assert [(f["year"], f["quarter"], f["late_days"]) for f in late] == [(YEARS[-1], 1, DEMO_LATE_DAYS)]
    assert late[0]["path"] not in {e["file"] for e in manifest["injected_errors"]}
    for f in manifest["files"]:
        received = dt.datetime.fromtimestamp((settings.inbox_dir / f["path"]).stat().st_mtime, CHINA_TZ).date()
        assert (received - contract.due_date(f["year"], f["quarter"])).days == (f["late_days"] or -5)


def test_same_seed_gives_the_same_bytes_and_another_seed_does_not(demo, tmp_path, monkeypatch):
    settings, manifest = demo
    monkeypatch.setenv("GREENPARK_WORKDIR", str(tmp_path))
    again = generate(get_settings().inbox_dir, size="demo", years=YEARS, seed=SEED, settings=get_settings())
    assert again == manifest
    assert _digests(get_settings().inbox_dir) == _digests(settings.inbox_dir)
    other = generate(
        tmp_path / "other" / "inbox",
        size="demo",
        years=YEARS,
        seed=SEED + 1,
        inject_errors=False,
        settings=get_settings(),
    )
    assert other["injected_errors"] == []
    changed = set(_digests(tmp_path / "other" / "inbox").items()) - set(_digests(settings.inbox_dir).items())
    assert len(changed) == len(other["files"])


def test_quarter_values_obey_every_contract_rule(frames):
    _, f = frames
    pq, pa, eq = f["park_quarter"], f["park_annual"], f["enterprise_quarter"]
    numbers = [c.name for s in contract.SHEETS for c in s.columns if c.kind in (contract.NUMBER, contract.INTEGER)]
    for frame in (pq, pa, eq):
        cols = [c for c in numbers if c in frame]
        assert frame[cols].notna().all().all() and (frame[cols] >= 0).all().all()
    assert (pq.value_added <= pq.gross_output).all()
    assert (pq.hightech_output <= pq.gross_output).all() and (pq.green_output <= pq.gross_output).all()
    assert (pq.renewable_electricity <= pq.electricity).all()
    assert (pq.solid_waste_utilised <= pq.solid_waste).all()
    assert (pq.hazardous_waste_treated <= pq.hazardous_waste).all()
    assert (pq.land_mu > 0).all()
    assert (pa.green_area_ha <= pa.area_ha).all() and (pa.area_ha > 0).all()
    assert (pa.green_building_area <= pa.new_building_area).all()
    assert (pa.nev_buses <= pa.buses).all()
    assert (pa.energy_diagnosed <= pa.key_enterprises).all()
    assert (pa.clean_production_audited <= pa.key_enterprises).all()
    assert (pa.plan_year <= pa.year).all()
    assert set(pa.retrofit_status) <= set(contract.RETROFIT_CHOICES)
    assert (eq.rd_expense <= eq.revenue).all()
    assert eq.industry_code.str.fullmatch(r"\d{4}").all()
    assert eq.industry_code.str[:2].astype(int).between(13, 43).all()
    assert (eq.land_mu >= 3).mean() > 0.9
    assert pq.park_code.str.fullmatch(contract.PARK_CODE_RE.pattern).all()


def test_flows_move_gently_quarter_on_quarter_and_enterprises_stay_below_their_park(frames):
    _, f = frames
    pq = f["park_quarter"].sort_values(["park_code", "year", "quarter"])
    for col in ("value_added", "electricity", "fresh_water", "solid_waste"):
        change = pq.groupby("park_code")[col].pct_change().dropna()
        assert change.abs().max() < 0.15, col
    ent = f["enterprise_quarter"].groupby(["park_code", "year", "quarter"]).value_added.sum()
    park = pq.set_index(["park_code", "year", "quarter"]).value_added
    assert (ent / park.loc[ent.index]).max() <= 0.9


def test_indicators_land_near_the_catalogue_baselines(frames):
    _, f = frames
    pq = f["park_quarter"]
    y = pq.groupby(["park_code", "year"]).sum(numeric_only=True)
    tce = sum(
        y[c] * k
        for c, k in {
            "electricity": 1.229,
            "raw_coal": 0.7143,
            "natural_gas": 12.143,
            "fuel_oil": 1.4286,
            "diesel": 1.4571,
            "gasoline": 1.4714,
            "lpg": 1.7143,
            "purchased_heat": 0.03412,
        }.items()
    )
    checks = {
        "EG01 tce/万元": (tce / y.value_added, 0.1, 0.7),
        "EG03 %": (100 * y.renewable_electricity / y.electricity, 1, 30),
        "RG01 m³/万元": (y.fresh_water * 1e4 / y.value_added, 3, 11),
        "RG02 %": (100 * y.reused_water / (y.reused_water + y.fresh_water), 75, 98),
        "RG07 %": (100 * y.solid_waste_utilised / y.solid_waste, 80, 100),
        "CG01 %": (100 * y.hightech_output / y.gross_output, 25, 85),
        "HG01 kg/万元": (y.cod * 1000 / y.value_added, 0.05, 0.7),
    }
    for name, (values, lo, hi) in checks.items():
        assert values.between(lo, hi).all(), name
        assert values.std() > 0, name  # parks differ


def test_province_size_registers_its_generated_parks_and_demo_removes_them(tmp_path, monkeypatch):
    monkeypatch.setenv("GREENPARK_WORKDIR", str(tmp_path))
    settings = get_settings()
    manifest = generate(settings.inbox_dir, size="province", years=YEARS, seed=SEED, settings=settings)
    assert manifest["years"] == [YEARS[-1]] and manifest["n_files"] == 44
    assert manifest["n_parks"] == 130 and manifest["n_enterprises"] == 55_000 and not manifest["injected_errors"]
    generated = pd.read_csv(generated_registry_csv(settings), dtype=str)
    assert len(generated) == 69 and generated.park_name.str.startswith("示例园区").all()
    assert (generated.park_code.str[-2:].astype(int) >= 51).all()
    assert set(generated.level) == {"省级"} and set(generated.park_type) == {"经济开发区"}
    parks = load_parks(settings)
    assert len(parks) == 130
    files = manifest["files"]
    assert sum(f["rows"]["enterprise_quarter"] for f in files if f["quarter"] == 1) == 55_000
    assert sum(f["rows"]["park_quarter"] for f in files if f["quarter"] == 1) == 130
    assert {f["ext"] for f in files} == {"xlsx"} and {f["style"] for f in files} == {"clean"}
    generate(settings.inbox_dir, size="demo", years=YEARS, seed=SEED, inject_errors=False, settings=settings)
    assert not generated_registry_csv(settings).exists()
    assert len(load_parks(settings)) == 61
    assert len(list(settings.inbox_dir.rglob("*.*"))) == 88  # no province file left behind
