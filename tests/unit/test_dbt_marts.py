"""Real `dbt build` on a hand-made warehouse, checked against an independent Python recomputation.

One build per module (about 10 s); every test reads the marts it produced.
"""

from __future__ import annotations

import csv
import json
import math
import shutil
import statistics
from collections import defaultdict
from pathlib import Path

import duckdb
import pytest
from dbt_fixtures import DBT_PROJECT_DIR, YEAR, Fixture, build_fixture, run_dbt
import itertools

SEEDS = DBT_PROJECT_DIR / "seeds"
REL = 1e-9
FUELS = ("raw_coal", "natural_gas", "fuel_oil", "diesel", "gasoline", "lpg")
PARK_FLOWS = (
    "gross_output", "value_added", "tax", "hightech_output", "green_output", "electricity",
    "renewable_electricity", "raw_coal", "natural_gas", "fuel_oil", "diesel", "gasoline", "lpg",
    "purchased_heat", "waste_heat_recovered", "fresh_water", "reused_water", "reclaimed_water",
    "wastewater", "cod", "nh3n", "so2", "nox", "vocs", "pm", "solid_waste", "solid_waste_utilised",
    "hazardous_waste", "hazardous_waste_treated",
)


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Fixture, Path]:
    workdir = tmp_path_factory.mktemp("dbt")
    warehouse = workdir / "warehouse.duckdb"
    fx = build_fixture(warehouse)
    result = run_dbt(workdir, warehouse, "build")
    failed = [(r.node.unique_id, r.status, r.message) for r in result.result or [] if str(r.status) not in ("success", "pass")]
    assert result.success, failed
    # The production build skips dbt's unit tests (warehouse_models.py): they run here.
    unit_tests = [r for r in result.result if r.node.resource_type == "unit_test"]
    assert len(unit_tests) >= 3 and all(str(r.status) == "pass" for r in unit_tests)
    return fx, warehouse


def _query(warehouse: Path, sql: str) -> list[dict]:
    # Same configuration as the connection dbt-duckdb keeps open in this process (not read-only).
    con = duckdb.connect(str(warehouse))
    try:
        cur = con.execute(sql)
        names = [d[0] for d in cur.description]
        return [dict(zip(names, row)) for row in cur.fetchall()]
    finally:
        con.close()


def _seed(name: str) -> list[dict]:
    with open(SEEDS / f"{name}.csv", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def _edition(year: int, editions: list[dict] | None = None) -> str:
    """The 评价导则 edition in force for `year` (exactly one must cover it)."""
    hits = [r["edition_id"] for r in editions or _seed("evaluation_editions")
            if int(r["valid_from_year"]) <= year and (not r["valid_to_year"] or year <= int(r["valid_to_year"]))]
    assert len(hits) == 1, (year, hits)
    return hits[0]


def _thresholds(year: int = YEAR) -> dict[str, float]:
    """The rules' numbers as the seed evaluation_thresholds sets them for the edition in force
    that year (the marts read the same rows)."""
    edition = _edition(year)
    return {r["threshold_id"]: float(r["value"]) for r in _seed("evaluation_thresholds") if r["edition_id"] == edition}


def _catalogue(year: int = YEAR, rows: list[dict] | None = None, editions: list[dict] | None = None) -> dict[str, dict]:
    """indicator_id -> catalogue row of the edition in force that year."""
    edition = _edition(year, editions)
    return {r["indicator_id"]: r for r in rows or _seed("indicator_catalogue") if r["edition_id"] == edition}


def _close(actual, expected) -> bool:
    if expected is None or actual is None:
        return actual is None and expected is None
    return math.isclose(actual, expected, rel_tol=REL, abs_tol=1e-12)


def _div(a, b):
    return None if a is None or b is None or b == 0 else a / b


# ---------------------------------------------------------------- independent recomputation


def _park_years(fx: Fixture) -> dict[str, dict]:
    """Annual facts per park from the in-force rows: flows summed, stocks at the latest quarter."""
    factors = {r["carrier"]: r for r in _seed("energy_factors")}
    grid = {int(r["year"]): float(r["tco2_per_mwh"]) for r in _seed("grid_emission_factors")}
    grid_year = max(y for y in grid if y <= YEAR)
    in_force = fx.in_force_ids()
    parks: dict[str, dict] = {}
    for row in sorted((r for r in fx.park_quarter if r["version_id"] in in_force), key=lambda r: r["quarter"]):
        p = parks.setdefault(row["park_code"], {f: 0.0 for f in PARK_FLOWS} | {"energy_tce": 0.0, "co2_t": 0.0, "quarters": set(), "versions": set()})
        for f in PARK_FLOWS:
            p[f] += row[f]
        tce = sum(row[c] * float(factors[c]["tce_per_unit"]) for c in FUELS)
        tce += row["purchased_heat"] * float(factors["heat"]["tce_per_unit"])
        tce += row["electricity"] * float(factors["electricity"]["tce_per_unit"])
        co2 = sum(row[c] * float(factors[c]["tco2_per_unit"]) for c in FUELS)
        co2 += row["purchased_heat"] * float(factors["heat"]["tco2_per_unit"])
        co2 += (row["electricity"] - row["renewable_electricity"]) * grid[grid_year] * 10
        p["energy_tce"] += tce
        p["co2_t"] += co2
        p["land_mu"], p["employees"] = row["land_mu"], row["employees"]  # sorted: last = latest quarter
        p["quarters"].add(row["quarter"])
        p["versions"].add(row["version_id"])
        p["city_code"] = row["city_code"]
    for code, p in parks.items():
        annual = max((r for r in fx.park_annual if r["version_id"] in in_force and r["park_code"] == code),
                     key=lambda r: r["quarter"])
        p["annual"] = annual
        p["versions"].add(annual["version_id"])
        p["heat_tce_per_gj"] = float(factors["heat"]["tce_per_unit"])
    return parks


def _indicator_values(p: dict) -> dict[str, float | None]:
    a = p["annual"]
    va = p["value_added"]
    yn = lambda b: None if b is None else (1.0 if b else 0.0)  # noqa: E731
    return {
        "EG01": _div(p["energy_tce"], va),
        "EG02": _div(p["co2_t"], va),
        "EG03": 100 * p["renewable_electricity"] / p["electricity"],
        "EG04": 100 * p["waste_heat_recovered"] * p["heat_tce_per_gj"] / p["energy_tce"],
        "EG05": 100 * a["energy_diagnosed"] / a["key_enterprises"],
        "RG01": p["fresh_water"] * 10_000 / va,
        "RG02": 100 * p["reused_water"] / (p["reused_water"] + p["fresh_water"]),
        "RG03": 100 * p["reclaimed_water"] / (p["reclaimed_water"] + p["wastewater"]),
        "RG04": va / p["fresh_water"],
        "RG05": va / p["land_mu"],
        "RG06": p["tax"] / p["land_mu"],
        "RG07": 100 * min(p["solid_waste_utilised"] / p["solid_waste"], 1.0),
        "RG08": p["solid_waste"] / va,
        "IG01": yn(a["has_wastewater_plant"]),
        "IG02": yn(a["zero_discharge_zone"]),
        "IG03": 100 * a["green_building_area"] / a["new_building_area"],
        "IG04": 100 * a["nev_buses"] / a["buses"],
        "IG05": a["pv_capacity_mw"] / (a["area_ha"] / 100),
        "CG01": 100 * p["hightech_output"] / p["gross_output"],
        "CG02": 100 * p["green_output"] / p["gross_output"],
        "CG03": va / p["employees"],
        "HG01": p["cod"] * 1000 / va,
        "HG02": p["nh3n"] * 1000 / va,
        "HG03": p["so2"] * 1000 / va,
        "HG04": p["nox"] * 1000 / va,
        "HG05": 100 * min(p["hazardous_waste_treated"] / p["hazardous_waste"], 1.0),
        "HG06": 100 * a["clean_production_audited"] / a["key_enterprises"],
        "HG07": 100 * a["green_area_ha"] / a["area_ha"],
        "HG08": float(sum(bool(a[k]) for k in ("air_monitoring", "soil_monitoring", "groundwater_monitoring"))),
        "MG01": yn(a["energy_monitoring_platform"]),
        "MG02": yn(a["environment_monitoring_platform"]),
        "MG03": yn(YEAR - a["plan_year"] <= 5),
        "MG04": yn(a["has_standard_system"]),
        "MG05": yn(a["publishes_annual_report"]),
        "MG06": yn(a["lan_publishing"]),
    }


def _score(value, ind: dict) -> float:
    weight = float(ind["weight"])
    if value is None:
        return 0.0
    if ind["is_boolean"] == "true":
        return weight if value == 1.0 else 0.0
    baseline, leading = float(ind["baseline"]), float(ind["leading"])
    return weight * max(0.0, min(1.0, (value - baseline) / (leading - baseline)))


def _expected_evaluation(fx: Fixture, t: dict[str, float] | None = None, catalogue: dict[str, dict] | None = None) -> tuple[dict, dict]:
    catalogue = catalogue or _catalogue(YEAR)
    levels = {r["park_code"]: r["level"] for r in _seed("park_registry")}
    indicators, evaluation = {}, {}
    for code, p in _park_years(fx).items():
        values = _indicator_values(p)
        assert set(values) == set(catalogue)
        scores = {i: _score(v, catalogue[i]) for i, v in values.items()}
        dims = defaultdict(float)
        for i, s in scores.items():
            dims[i[:2]] += s
        a = p["annual"]
        b = {
            "b1_level_ok": levels[code] in ("省级", "国家级"),
            "b2_no_incidents": a["major_accidents"] == 0 and a["pollution_incidents"] == 0,
            "b3_four_quarters": p["quarters"] == {1, 2, 3, 4},
            "b4_clean_production": values["HG06"] >= 100,
        }
        total = sum(dims.values())
        b2_detail = "、".join([f"{YEAR} 年重大安全事故 {a['major_accidents']} 起"] * (a["major_accidents"] > 0)
                             + [f"{YEAR} 年突发环境污染事件 {a['pollution_incidents']} 起"] * (a["pollution_incidents"] > 0))
        indicators[code] = {i: (values[i], scores[i]) for i in values}
        evaluation[code] = {
            **{f"score_{d.lower()}": dims[d] for d in ("EG", "RG", "IG", "CG", "HG", "MG")},
            "total_score": total, **b, "b2_detail_zh": b2_detail or f"{YEAR - 2}–{YEAR} 年无",
            "is_compliant": total >= (t or _thresholds())["compliant_min_score"] and all(b.values()),
            "quarters_accepted": len(p["quarters"]),
            "source_version_ids": ",".join(sorted(p["versions"])),
            "city_code": p["city_code"],
        }
    by_total = sorted(evaluation, key=lambda c: (-evaluation[c]["total_score"], c))
    for rank, code in enumerate(by_total, start=1):
        evaluation[code]["rank_in_province"] = rank
        same_city = [c for c in by_total if evaluation[c]["city_code"] == evaluation[code]["city_code"]]
        evaluation[code]["rank_in_city"] = same_city.index(code) + 1
    return indicators, evaluation


def _percentile(sorted_values: list[float], pct: float) -> float:
    h = (len(sorted_values) - 1) * pct / 100.0
    lo = math.floor(h)
    hi = min(lo + 1, len(sorted_values) - 1)
    return sorted_values[lo] + (h - lo) * (sorted_values[hi] - sorted_values[lo])


def _expected_mujun(fx: Fixture, t: dict[str, float] | None = None) -> dict[str, tuple[float, str]]:
    weights = {r["mujun_indicator_code"]: float(r["weight"]) for r in _seed("mujun_weights")}
    cutoffs = _seed("mujun_class_cutoffs")
    in_force = fx.in_force_ids()
    ent: dict[str, dict] = {}
    for row in sorted((r for r in fx.enterprise_quarter if r["version_id"] in in_force), key=lambda r: r["quarter"]):
        e = ent.setdefault(row["uscc"], defaultdict(float))
        for f in ("value_added", "tax", "revenue", "rd_expense", "energy_tce", "pollutant_emissions"):
            e[f] += row[f]
        e["land_mu"], e["employees"], e["division"] = row["land_mu"], row["employees"], row["industry_code"][:2]
    ent = {k: e for k, e in ent.items() if e["land_mu"] >= (t or _thresholds())["mujun_min_land_mu"]}
    values = {
        k: {
            "tax_per_mu": _div(e["tax"], e["land_mu"]),
            "value_added_per_mu": _div(e["value_added"], e["land_mu"]),
            "value_added_per_tce": _div(e["value_added"], e["energy_tce"]),
            "value_added_per_t_pollutant": _div(e["value_added"], e["pollutant_emissions"]),
            "rd_share": None if not e["revenue"] else 100 * e["rd_expense"] / e["revenue"],
            "value_added_per_employee": _div(e["value_added"], e["employees"]),
        }
        for k, e in ent.items()
    }
    scores = {}
    for k, v in values.items():
        division = [o for o in ent if ent[o]["division"] == ent[k]["division"]]
        peers = division if len(division) >= (t or _thresholds())["mujun_division_min_enterprises"] else list(ent)
        total = 0.0
        for code, weight in weights.items():
            bench = statistics.median(values[o][code] for o in peers if values[o][code] is not None)
            total += 0.0 if v[code] is None or bench <= 0 else weight * min(v[code] / bench, (t or _thresholds())["mujun_ratio_cap"])
        scores[k] = total
    ordered = sorted(scores.values())
    thresholds = sorted(((float(c["lower_percentile"]), c["mujun_class"]) for c in cutoffs if c["lower_percentile"]), reverse=True)
    lowest = next(c["mujun_class"] for c in cutoffs if not c["lower_percentile"])
    classes = {}
    for k, s in scores.items():
        classes[k] = next((cls for pct, cls in thresholds if s >= _percentile(ordered, pct)), lowest)
    return {k: (scores[k], classes[k]) for k in scores}


# ---------------------------------------------------------------- tests


def test_every_indicator_score_and_condition_matches_recomputation(built):
    fx, warehouse = built
    indicators, evaluation = _expected_evaluation(fx)

    rows = _query(warehouse, "SELECT * FROM fct_park_indicators")
    assert len(rows) == 35 * len(indicators)
    for r in rows:
        value, score = indicators[r["park_code"]][r["indicator_id"]]
        assert _close(r["value"], value), (r["park_code"], r["indicator_id"], r["value"], value)
        assert _close(r["score_points"], score), (r["park_code"], r["indicator_id"], r["score_points"], score)
        assert r["is_missing"] is (value is None)

    rows = {r["park_code"]: r for r in _query(warehouse, "SELECT * FROM fct_park_evaluation")}
    assert set(rows) == set(evaluation)
    for code, expected in evaluation.items():
        for column, value in expected.items():
            actual = rows[code][column]
            ok = _close(actual, value) if isinstance(value, float) else actual == value
            assert ok, (code, column, actual, value)
        assert rows[code]["necessary_conditions_met"] == all(expected[b] for b in ("b1_level_ok", "b2_no_incidents", "b3_four_quarters", "b4_clean_production"))
        assert (rows[code]["failed_conditions_zh"] == "") == rows[code]["necessary_conditions_met"]
    # The fixture is built to exercise both outcomes.
    assert {r["is_compliant"] for r in rows.values()} == {True, False}


def test_quarter_ratio_pairs_are_how_the_marts_compute_those_indicators(built):
    """The pairs the intake rule revision.site_check recomputes (seed indicator_quarter_ratios, read
    as the rule reads them) against the marts: for each indicator, fct_park_indicators' value over
    the fixture's annual numerator / denominator (flows summed, stocks at the latest quarter, from
    the raw in-force rows) is one and the same unit factor for every park, so the rule's relative
    change is the marts' relative change. A wrong or swapped pair gives factors that differ."""
    from greenpark.editions import quarter_ratio_indicators
    from greenpark.submission.contract import PARK_QUARTER

    fx, warehouse = built
    pairs = quarter_ratio_indicators(SEEDS, YEAR)
    assert pairs and {c for _, _, n, d in pairs for c in (n, d)} <= {c.name for c in PARK_QUARTER.columns}
    stocks = {c.name for c in PARK_QUARTER.columns if c.stock}
    in_force = fx.in_force_ids()
    annual: dict[str, dict[str, float]] = {}
    for row in sorted((r for r in fx.park_quarter if r["version_id"] in in_force), key=lambda r: r["quarter"]):
        totals = annual.setdefault(row["park_code"], defaultdict(float))
        for _, _, *columns in pairs:
            for c in columns:
                totals[c] = float(row[c]) if c in stocks else totals[c] + float(row[c])
    marts = {(r["park_code"], r["indicator_id"]): r["value"] for r in _query(
        warehouse, f"SELECT park_code, indicator_id, value FROM fct_park_indicators WHERE year = {YEAR}")}
    for indicator, _, numerator, denominator in pairs:
        factors = {code: marts[code, indicator] / (totals[numerator] / totals[denominator])
                   for code, totals in annual.items()}
        assert len(factors) >= 2, indicator
        first = next(iter(factors.values()))
        assert all(math.isclose(f, first, rel_tol=1e-9) for f in factors.values()), (indicator, factors)


def test_mujun_scores_and_classes_match_recomputation(built):
    fx, warehouse = built
    expected = _expected_mujun(fx)
    rows = {r["uscc"]: r for r in _query(warehouse, "SELECT uscc, mujun_score, mujun_class FROM fct_enterprise_mujun")}
    assert set(rows) == set(expected)
    for uscc, (score, cls) in expected.items():
        assert _close(rows[uscc]["mujun_score"], score), (uscc, rows[uscc]["mujun_score"], score)
        assert rows[uscc]["mujun_class"] == cls, uscc

    _check_mujun_public(fx, warehouse, expected, _thresholds())


def _check_mujun_public(fx: Fixture, warehouse: Path, expected: dict, t: dict[str, float]) -> None:
    public = _query(warehouse, "SELECT * FROM fct_park_mujun_public")
    parks = {r["park_code"] for r in public}
    counts = defaultdict(int)
    for uscc, (_, cls) in expected.items():
        park = next(r["park_code"] for r in fx.enterprise_quarter if r["uscc"] == uscc)
        counts[(park, cls)] += 1
    for r in public:
        n = counts[(r["park_code"], r["mujun_class"])]
        park_total = sum(v for (p, _), v in counts.items() if p == r["park_code"])
        assert r["n_enterprises_total"] == (park_total if park_total >= t["suppress_below_enterprises"] else None)
        if n < t["suppress_below_enterprises"]:
            assert r["is_suppressed"] and r["n_enterprises"] is None and r["share_pct"] is None
        else:
            total = sum(v for (p, _), v in counts.items() if p == r["park_code"])
            assert r["n_enterprises"] == n and _close(r["share_pct"], 100 * n / total)
    assert len(public) == 4 * len(parks)


def test_quarter_energy_uses_fallback_grid_factor(built):
    _, warehouse = built
    rows = _query(warehouse, "SELECT DISTINCT grid_factor_year, grid_factor_is_fallback FROM fct_park_quarter")
    latest_earlier = max(int(r["year"]) for r in _seed("grid_emission_factors") if int(r["year"]) <= YEAR)
    assert rows == [{"grid_factor_year": latest_earlier, "grid_factor_is_fallback": latest_earlier != YEAR}]


def test_city_and_province_totals_are_sums_over_parks(built):
    fx, warehouse = built
    parks = _query(warehouse, "SELECT * FROM fct_park_year_wide")
    province = _query(warehouse, "SELECT * FROM fct_province_year")
    cities = {r["city_code"]: r for r in _query(warehouse, "SELECT * FROM fct_city_year")}
    assert len(province) == 1
    flows = [f"{c}" for c in province[0] if c not in ("year", "n_parks") and "intensity" not in c]
    assert len(flows) == len(PARK_FLOWS) + 2
    for flow in flows:
        assert _close(province[0][flow], sum(p[flow] for p in parks)), flow
        for city, row in cities.items():
            assert _close(row[flow], sum(p[flow] for p in parks if p["city_code"] == city)), (city, flow)
    # Intensities are ratios of sums, not means of park ratios.
    p = province[0]
    assert _close(p["energy_intensity_tce_per_wan_yuan"], p["energy_tce"] / p["value_added_wan_yuan"])
    assert _close(p["water_intensity_m3_per_wan_yuan"], p["fresh_water_wan_m3"] * 10_000 / p["value_added_wan_yuan"])
    assert p["n_parks"] == len(parks) == len({r["park_code"] for r in fx.park_quarter})


def test_superseded_version_is_ignored_in_force_but_shows_in_revisions(built):
    fx, warehouse = built
    superseded = {v["version_id"] for v in fx.versions if v["status"].startswith("已接收") and not v["in_force"]}
    assert superseded
    for model in ("int_park_quarter_in_force", "int_park_annual_in_force", "int_enterprise_quarter_in_force"):
        seen = {r["version_id"] for r in _query(warehouse, f"SELECT DISTINCT version_id FROM {model}")}
        assert seen and not seen & superseded, model
        assert seen <= fx.in_force_ids(), model

    revisions = _query(warehouse, "SELECT * FROM fct_revisions")
    assert {r["superseded_version_id"] for r in revisions} == superseded
    # Recompute the park's value added per 万元 indicators with the superseded version instead.
    (old_id,) = superseded
    old_quarter = next(v["quarter"] for v in fx.versions if v["version_id"] == old_id)
    replaced = Fixture(
        versions=[dict(v, in_force=(v["version_id"] == old_id) or (v["in_force"] and not (v["city_code"] == old_id[:6] and v["quarter"] == old_quarter))) for v in fx.versions],
        park_quarter=fx.park_quarter, park_annual=fx.park_annual, enterprise_quarter=fx.enterprise_quarter,
    )
    old_indicators, _ = _expected_evaluation(replaced)
    new_indicators, _ = _expected_evaluation(fx)
    for r in revisions:
        old, new = old_indicators[r["park_code"]][r["indicator_id"]][0], new_indicators[r["park_code"]][r["indicator_id"]][0]
        assert _close(r["old_value"], old) and _close(r["new_value"], new), r
        assert _close(r["change_pct"], 100 * (new - old) / abs(old))
        assert old_id in r["old_version_ids"] and old_id not in r["new_version_ids"]
    changed = {(p, i) for p in old_indicators for i in old_indicators[p]
               if not _close(old_indicators[p][i][0], new_indicators[p][i][0])}
    assert changed == {(r["park_code"], r["indicator_id"]) for r in revisions}

    flags = _query(warehouse, "SELECT * FROM fct_dynamic_management WHERE flag_code = 'SITE_CHECK_SUGGESTED'")
    big = {r["park_code"] for r in revisions if abs(r["change_pct"]) > _thresholds()["revision_site_check_pct"]}
    assert big and big <= {f["park_code"] for f in flags}


def test_two_rejections_in_a_row_flag_the_city_for_site_check(built):
    fx, warehouse = built
    rejected = defaultdict(list)
    for v in sorted(fx.versions, key=lambda v: v["version_no"]):
        rejected[(v["city_code"], v["quarter"])].append(v["status"] == "退回")
    cities = {c for (c, _), seq in rejected.items() if any(a and b for a, b in itertools.pairwise(seq))}
    assert cities
    registry = [r for r in _seed("park_registry") if r["city_code"] in cities]
    flagged = {r["park_code"] for r in _query(warehouse, "SELECT park_code FROM fct_dynamic_management WHERE flag_zh = '建议现场核查' AND reason_zh LIKE '%连续两个版本被退回%'")}
    assert {r["park_code"] for r in registry} <= flagged


def test_every_rule_reads_its_number_from_the_threshold_seed(built, tmp_path):
    """Change the seed's numbers in a copy of the warehouse, rerun the rule models: outcomes follow."""
    fx, warehouse = built
    _, before = _expected_evaluation(fx)
    designations = {r["park_code"]: int(r["batch_year"]) for r in _seed("park_designations")
                    if int(r["batch_year"]) <= YEAR and (not r["revoked_year"] or int(r["revoked_year"]) > YEAR)}
    designated = sorted(c for c in before if c in designations)  # designated parks with data
    assert designated and {e["is_compliant"] for e in before.values()} == {True, False}
    t = _thresholds() | {
        "compliant_min_score": max(e["total_score"] for e in before.values()) + 0.5,  # nobody passes
        "warning_below_score": 100.0,  # every designated park is warned
        "revoke_below_score": 0.0,
        "review_after_years": float(YEAR - min(designations[c] for c in designated)) - 1,
        "suppress_below_enterprises": 1.0,  # only empty cells stay withheld
        "mujun_min_land_mu": 100.0,  # the fixture's larger enterprises only
        "mujun_division_min_enterprises": 1.0,  # every division is its own benchmark
        "mujun_ratio_cap": 1.2,
    }
    copy = tmp_path / "warehouse.duckdb"
    _query(warehouse, "CHECKPOINT")  # dbt's open connection may still hold the build in the WAL
    shutil.copy(warehouse, copy)
    con = duckdb.connect(str(copy))
    con.executemany("UPDATE evaluation_thresholds SET value = ? WHERE threshold_id = ?", [(v, k) for k, v in t.items()])
    con.close()
    models = ("fct_park_evaluation", "fct_dynamic_management", "fct_enterprise_mujun", "fct_park_mujun_public")
    result = run_dbt(tmp_path, copy, "run", "--select", *models)
    assert result.success

    _, after = _expected_evaluation(fx, t)
    rows = {r["park_code"]: r["is_compliant"] for r in _query(copy, "SELECT * FROM fct_park_evaluation")}
    assert rows == {c: e["is_compliant"] for c, e in after.items()} and not any(rows.values())
    flags = _query(copy, "SELECT * FROM fct_dynamic_management")
    warned = {f["park_code"]: f["reason_zh"] for f in flags if f["flag_code"] == "WARNING"}
    assert sorted(warned) == designated and all("低于 100 分" in r for r in warned.values())
    assert not any("低于 0 分" in f["reason_zh"] for f in flags)
    due = {f["park_code"] for f in flags if f["flag_code"] == "REVIEW_DUE"}
    # 复查到期 concerns every designated park of the registry, with or without data that year.
    assert due == {c for c, batch in designations.items() if YEAR - batch == t["review_after_years"]} and due

    expected = _expected_mujun(fx, t)
    assert 0 < len(expected) < len(_expected_mujun(fx))
    scored = {r["uscc"] for r in _query(copy, "SELECT uscc FROM fct_enterprise_mujun")}
    assert scored == set(expected)
    _check_mujun_public(fx, copy, expected, t)


def _snapshot(warehouse: Path, table: str) -> list[tuple]:
    # dim_indicator states its edition's validity, which a new edition closes: all else must stay.
    exclude = " EXCLUDE (valid_to_year)" if table == "dim_indicator" else ""
    con = duckdb.connect(str(warehouse))
    try:
        return con.execute(f"SELECT *{exclude} FROM {table} ORDER BY ALL").fetchall()
    finally:
        con.close()


def test_a_new_edition_rescores_its_own_years_only(built, tmp_path):
    """Add an edition of the 评价导则 for future years: no published score moves by a single bit.
    Then make an edition start in the fixture's year: that year is rescored, and exactly as the
    independent recomputation with the new edition's numbers says."""
    fx, warehouse = built
    published = ("fct_park_indicators", "fct_park_evaluation", "dim_indicator", "fct_dynamic_management",
                 "fct_park_mujun_public")
    copy = tmp_path / "warehouse.duckdb"
    _query(warehouse, "CHECKPOINT")
    shutil.copy(warehouse, copy)
    before = {t: _snapshot(copy, t) for t in published}
    assert len(before["fct_park_indicators"]) == 35 * 3
    assert {r["edition_id"] for r in _query(copy, "SELECT edition_id FROM fct_park_evaluation")} == {_edition(YEAR)}

    def add_edition(edition_id: str, start: int, end: int | None, closes: str, weight_factor: float) -> list[dict]:
        """The current catalogue with every weight scaled and baselines shifted, as a new edition."""
        current = _catalogue(start - 1 if start > YEAR else YEAR)
        rows = [dict(r, edition_id=edition_id, weight=str(float(r["weight"]) * weight_factor),
                     baseline=r["baseline"] and str(float(r["baseline"]) * 0.9)) for r in current.values()]
        con = duckdb.connect(str(copy))
        try:
            con.execute("UPDATE evaluation_editions SET valid_to_year = ? WHERE edition_id = ?", [start - 1, closes])
            con.execute("INSERT INTO evaluation_editions (edition_id, edition_name, valid_from_year, valid_to_year, is_example, changes_zh, source) "
                        "VALUES (?, ?, ?, ?, true, '测试', '测试')", [edition_id, f"测试版 {edition_id}", start, end])
            columns = [c[0] for c in con.execute("DESCRIBE indicator_catalogue").fetchall()]
            quoted = ", ".join(f'"{c}"' for c in columns)
            con.executemany(f"INSERT INTO indicator_catalogue ({quoted}) VALUES ({', '.join('?' for _ in columns)})",
                            [[r[c] or None for c in columns] for r in rows])
            con.execute("INSERT INTO evaluation_thresholds SELECT ?, threshold_id, value * 0.5, unit, description_zh, source "
                        "FROM evaluation_thresholds WHERE edition_id = ?", [edition_id, closes])
        finally:
            con.close()
        return rows

    add_edition("2030", 2030, None, closes=_edition(YEAR), weight_factor=0.5)
    assert run_dbt(tmp_path, copy, "run").success
    after = {t: _snapshot(copy, t) for t in published}
    for table in published:
        assert after[table] == before[table], f"{table} changed when an edition for 2030 was added"

    # An edition in force from the fixture's own year does rescore it.
    rows = add_edition(f"{YEAR}", YEAR, 2029, closes=_edition(YEAR - 1), weight_factor=0.8)
    assert run_dbt(tmp_path, copy, "run").success
    indicators, evaluation = _expected_evaluation(fx, {"compliant_min_score": _thresholds()["compliant_min_score"] * 0.5},
                                                  catalogue={r["indicator_id"]: r for r in rows})
    got = {r["park_code"]: r for r in _query(copy, "SELECT * FROM fct_park_evaluation")}
    assert {r["edition_id"] for r in got.values()} == {f"{YEAR}"}
    for code, expected in evaluation.items():
        assert _close(got[code]["total_score"], expected["total_score"]), code
        assert got[code]["is_compliant"] == expected["is_compliant"], code
    assert _snapshot(copy, "fct_park_evaluation") != before["fct_park_evaluation"]
    for r in _query(copy, "SELECT * FROM fct_park_indicators"):
        assert _close(r["score_points"], indicators[r["park_code"]][r["indicator_id"]][1]), r


def test_recorded_decisions_feed_the_marts_and_only_their_public_part_is_published(built, tmp_path):
    """Decisions recorded with the intake's API on top of the seed: corrections win, a revocation
    ends the designation from its year (no more 预警 / 建议撤销), a restoration resumes it, a
    corrected batch year moves the review cycle; inspectors and findings stay internal."""
    import datetime as dt

    from greenpark.intake.warehouse import PARK_DECISIONS_DDL
    from greenpark.management.decisions import Decision, record
    from greenpark.publish.marts import PUBLIC_TABLES

    _, warehouse = built
    copy = tmp_path / "warehouse.duckdb"
    _query(warehouse, "CHECKPOINT")
    shutil.copy(warehouse, copy)
    before = _query(copy, "SELECT park_code, flag_code, reason_zh FROM fct_dynamic_management")
    assert {"REVOCATION_SUGGESTED", "WARNING"} <= {f["flag_code"] for f in before if f["park_code"] == "3302-03"}

    parks = {r["park_code"] for r in _seed("park_registry")}
    con = duckdb.connect(str(copy))
    try:
        con.execute(PARK_DECISIONS_DDL)

        def rec(**kw) -> dict:
            return record(con, Decision(recorded_by="数据组甲", **kw), parks=parks, seeds_dir=SEEDS,
                          today=dt.date(YEAR, 12, 31), now=dt.datetime(YEAR, 12, 31, 9))

        first = rec(park_code="3301-02", decision_type="designation", decision_date=dt.date(2022, 6, 1),
                    batch_year=2022, document_no="浙经信〔2022〕1号")
        rec(park_code="3301-02", decision_type="designation", decision_date=dt.date(2019, 6, 1), batch_year=2019,
            document_no="浙经信〔2019〕7号", corrects_decision_id=first["decision_id"])
        rec(park_code="3302-03", decision_type="site_inspection", decision_date=dt.date(YEAR, 2, 1),
            inspectors=["李核查"], findings_text="污水站台账缺失机密细节", outcome="建议撤销认定")
        rec(park_code="3302-03", decision_type="revocation", decision_date=dt.date(YEAR, 3, 1),
            document_no="浙经信〔2025〕9号", reason_category="环境污染", reason_text="发生突发环境污染事件")
        rec(park_code="3301-01", decision_type="revocation", decision_date=dt.date(2024, 3, 1),
            document_no="浙经信〔2024〕5号", reason_category="瞒报事故", reason_text="瞒报一般安全事故")
        rec(park_code="3301-01", decision_type="restoration", decision_date=dt.date(YEAR, 1, 15),
            document_no="浙经信〔2025〕2号", reason_text="经复核,事故已如实补报并整改")
    finally:
        con.close()
    assert run_dbt(tmp_path, copy, "run").success

    dim = {r["park_code"]: r for r in _query(copy, "SELECT * FROM dim_park")}
    assert (dim["3301-02"]["designation_batch_year"], dim["3301-02"]["designation_document_no"]) == (2019, "浙经信〔2019〕7号")
    assert dim["3302-03"]["designation_status"] == "已撤销" and dim["3302-03"]["revoked_year"] == YEAR
    assert (dim["3302-03"]["revocation_reason_category"], dim["3302-03"]["revocation_date"]) == ("环境污染", dt.date(YEAR, 3, 1))
    assert dim["3301-01"]["designation_status"] == "已认定" and dim["3301-01"]["revoked_year"] is None
    assert dim["3301-10"]["revoked_year"] == 2024  # the seed's initial load still stands

    flags = _query(copy, "SELECT park_code, flag_code, reason_zh FROM fct_dynamic_management")
    assert not [f for f in flags if f["park_code"] == "3302-03" and f["flag_code"] != "SITE_CHECK_SUGGESTED"]
    assert {(f["flag_code"], f["reason_zh"]) for f in flags if f["park_code"] == "3301-02"} >= {
        ("REVIEW_DUE", "2019 年认定,2025 年满 6 年(每 3 年一次),应开展复查")}
    # restored in 2025: designated that year again, flagged as before
    assert sorted(f["flag_code"] for f in flags if f["park_code"] == "3301-01") == \
        sorted(f["flag_code"] for f in before if f["park_code"] == "3301-01")

    public = {(r["park_code"], r["decision_type"]): r for r in _query(copy, "SELECT * FROM fct_park_decisions")}
    revocation = public[("3302-03", "revocation")]
    assert (revocation["decision_date"], revocation["document_no"], revocation["reason_category"], revocation["reason_text"]) == \
        (dt.date(YEAR, 3, 1), "浙经信〔2025〕9号", "环境污染", "发生突发环境污染事件")
    assert public[("3302-03", "site_inspection")]["outcome"] == "建议撤销认定"
    assert public[("3301-02", "designation")]["batch_year"] == 2019 and public[("3301-02", "designation")]["is_correction"]
    assert public[("3301-01", "designation")]["is_initial_load"]  # the seed's row, no recorded designation
    assert ("3301-10", "revocation") in public
    # Nothing internal reaches a public table: inspectors, findings, who recorded.
    for table in [*PUBLIC_TABLES, "fct_park_decisions"]:
        text = json.dumps(_query(copy, f"SELECT * FROM {table}"), ensure_ascii=False, default=str)
        for secret in ("李核查", "污水站台账缺失机密细节", "数据组甲"):
            assert secret not in text, (table, secret)
