"""A small, hand-made warehouse for the dbt tests, and a helper that runs dbt on it.

Three real parks over 2025: 杭州 (330100) reports all four quarters, with Q2 resubmitted (v1
superseded by v2); 宁波 (330200) misses Q2 and has Q3 rejected twice before v3 is accepted.
Numbers are chosen by hand so that indicator scores hit both clamp ends and the middle; the
tests recompute everything from the rows returned here.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
from greenpark.submission.contract import PARK_QUARTER, SHEETS, raw_table_ddl
from greenpark.intake.warehouse import PARK_DECISIONS_DDL

DBT_PROJECT_DIR = Path(__file__).resolve().parents[2] / "dbt_project"
YEAR = 2025

VERSIONS_DDL = """
CREATE TABLE submission_versions (
    version_id VARCHAR PRIMARY KEY, city_code VARCHAR, year INTEGER, quarter INTEGER,
    version_no INTEGER, sha256 VARCHAR, filename VARCHAR, size_bytes BIGINT,
    received_at TIMESTAMP, archive_path VARCHAR, status VARCHAR, in_force BOOLEAN,
    n_fatal INTEGER, n_error INTEGER, n_warning INTEGER)
"""
REGISTRY_GENERATED_DDL = """
CREATE TABLE raw_park_registry_generated (
    park_code VARCHAR, park_name VARCHAR, city_code VARCHAR, city_name VARCHAR,
    level VARCHAR, park_type VARCHAR)
"""

# Quarterly base figures per park (当季); quarter q multiplies flows by QUARTER_SHAPE[q].
PARK_BASE = {
    "3301-01": dict(
        park_name="杭州经济技术开发区", gross_output=400000.0, value_added=100000.0, tax=15000.0,
        hightech_output=260000.0, green_output=100000.0, land_mu=1500.0, employees=5000,
        electricity=12000.0, renewable_electricity=3000.0, raw_coal=5000.0, natural_gas=200.0,
        fuel_oil=300.0, diesel=400.0, gasoline=150.0, lpg=80.0, purchased_heat=100000.0,
        waste_heat_recovered=150000.0, fresh_water=60.0, reused_water=5000.0,
        reclaimed_water=100.0, wastewater=240.0, cod=20.0, nh3n=3.0, so2=20.0, nox=15.0,
        vocs=12.0, pm=8.0, solid_waste=6000.0, solid_waste_utilised=5900.0,
        hazardous_waste=300.0, hazardous_waste_treated=300.0,
    ),
    "3301-02": dict(
        park_name="萧山经济技术开发区", gross_output=150000.0, value_added=30000.0, tax=1500.0,
        hightech_output=30000.0, green_output=4000.0, land_mu=1800.0, employees=4000,
        electricity=25000.0, renewable_electricity=500.0, raw_coal=30000.0, natural_gas=100.0,
        fuel_oil=0.0, diesel=200.0, gasoline=100.0, lpg=0.0, purchased_heat=50000.0,
        waste_heat_recovered=1000.0, fresh_water=400.0, reused_water=1500.0,
        reclaimed_water=5.0, wastewater=300.0, cod=30.0, nh3n=2.5, so2=25.0, nox=30.0,
        vocs=9.0, pm=6.0, solid_waste=5000.0, solid_waste_utilised=5200.0,
        hazardous_waste=100.0, hazardous_waste_treated=90.0,
    ),
    "3302-03": dict(
        park_name="宁波杭州湾经济技术开发区", gross_output=250000.0, value_added=60000.0, tax=4000.0,
        hightech_output=120000.0, green_output=20000.0, land_mu=1500.0, employees=2500,
        electricity=20000.0, renewable_electricity=2000.0, raw_coal=8000.0, natural_gas=300.0,
        fuel_oil=50.0, diesel=100.0, gasoline=60.0, lpg=20.0, purchased_heat=80000.0,
        waste_heat_recovered=30000.0, fresh_water=300.0, reused_water=3000.0,
        reclaimed_water=30.0, wastewater=120.0, cod=15.0, nh3n=1.0, so2=12.0, nox=14.0,
        vocs=4.0, pm=3.0, solid_waste=2500.0, solid_waste_utilised=2400.0,
        hazardous_waste=80.0, hazardous_waste_treated=79.0,
    ),
}
QUARTER_SHAPE = {1: 0.9, 2: 1.0, 3: 1.05, 4: 1.15}
STOCKS = ("land_mu", "employees")

ANNUAL = {
    "3301-01": dict(
        area_ha=2500.0, green_area_ha=650.0, pv_capacity_mw=100.0, new_building_area=40.0,
        green_building_area=32.0, buses=200, nev_buses=180, key_enterprises=40,
        energy_diagnosed=35, clean_production_audited=40, has_wastewater_plant=True,
        zero_discharge_zone=True, energy_monitoring_platform=True,
        environment_monitoring_platform=True, air_monitoring=True, soil_monitoring=True,
        groundwater_monitoring=True, plan_year=2021, has_standard_system=True,
        publishes_annual_report=True, lan_publishing=True, retrofit_status="已完成",
        major_accidents=0, pollution_incidents=0,
    ),
    "3301-02": dict(
        area_ha=3000.0, green_area_ha=300.0, pv_capacity_mw=20.0, new_building_area=30.0,
        green_building_area=6.0, buses=100, nev_buses=40, key_enterprises=25,
        energy_diagnosed=10, clean_production_audited=20, has_wastewater_plant=True,
        zero_discharge_zone=False, energy_monitoring_platform=False,
        environment_monitoring_platform=True, air_monitoring=True, soil_monitoring=False,
        groundwater_monitoring=False, plan_year=2018, has_standard_system=False,
        publishes_annual_report=False, lan_publishing=True, retrofit_status="未开展",
        major_accidents=0, pollution_incidents=0,
    ),
    "3302-03": dict(
        area_ha=1800.0, green_area_ha=420.0, pv_capacity_mw=45.0, new_building_area=20.0,
        green_building_area=20.0, buses=80, nev_buses=80, key_enterprises=30,
        energy_diagnosed=30, clean_production_audited=30, has_wastewater_plant=True,
        zero_discharge_zone=True, energy_monitoring_platform=True,
        environment_monitoring_platform=True, air_monitoring=True, soil_monitoring=True,
        groundwater_monitoring=True, plan_year=2023, has_standard_system=True,
        publishes_annual_report=True, lan_publishing=False, retrofit_status="实施中",
        major_accidents=0, pollution_incidents=1,
    ),
}
# An earlier-quarter annual row that the Q4 row must override (latest quarter in force wins).
ANNUAL_Q2_3301_01 = dict(ANNUAL["3301-01"], plan_year=2015, key_enterprises=50, area_ha=2400.0)

# (uscc, name, park, industry code, value_added, tax, revenue, rd_expense, land_mu, energy_tce,
#  pollutant_emissions, employees) per quarter; 11 enterprises of division 39 use the division
# benchmark, the others the province one; E15 has land < 3 亩 and is not scored.
ENTERPRISES = [
    ("E01", "3301-01", "3911", 2500, 300, 9000, 600, 120, 900, 3.0, 500),
    ("E02", "3301-01", "3912", 1800, 150, 7000, 350, 90, 700, 2.0, 400),
    ("E03", "3301-01", "3921", 4000, 500, 15000, 1200, 200, 1100, 4.0, 800),
    ("E04", "3301-01", "3922", 900, 60, 3500, 100, 80, 600, 2.5, 300),
    ("E05", "3301-01", "3931", 1200, 110, 4500, 160, 60, 500, 1.5, 260),
    ("E06", "3301-02", "3932", 700, 40, 2800, 50, 70, 650, 3.5, 220),
    ("E07", "3301-02", "3940", 3000, 320, 11000, 700, 150, 800, 2.2, 650),
    ("E08", "3301-02", "3951", 1500, 130, 6000, 240, 100, 550, 1.8, 330),
    ("E09", "3302-03", "3952", 2200, 260, 8000, 500, 110, 750, 2.6, 480),
    ("E10", "3302-03", "3961", 600, 30, 2500, 40, 65, 480, 2.9, 210),
    ("E11", "3302-03", "3962", 5000, 700, 17000, 1500, 260, 1300, 5.0, 900),
    ("E12", "3301-01", "2614", 3500, 400, 12000, 200, 300, 9000, 25.0, 600),
    ("E13", "3301-02", "2621", 1300, 90, 5200, 60, 140, 4200, 14.0, 320),
    ("E14", "3302-03", "1713", 800, 50, 3000, 20, 90, 1500, 6.0, 450),
    ("E15", "3301-01", "3911", 100, 10, 400, 5, 2.5, 30, 0.1, 20),
]
ENTERPRISE_FLOWS = ("value_added", "tax", "revenue", "rd_expense", "energy_tce", "pollutant_emissions")


def uscc_of(key: str) -> str:
    """Fixture enterprise code (the intake checks the real check digit; dbt does not)."""
    return f"91330000TEST{key:0>6}"


@dataclass
class Fixture:
    """What the fixture wrote, for independent recomputation in the tests."""

    versions: list[dict] = field(default_factory=list)
    park_quarter: list[dict] = field(default_factory=list)
    park_annual: list[dict] = field(default_factory=list)
    enterprise_quarter: list[dict] = field(default_factory=list)

    def in_force_ids(self) -> set[str]:
        return {v["version_id"] for v in self.versions if v["in_force"]}


def _version(city: str, quarter: int, no: int, status: str, in_force: bool) -> dict:
    version_id = f"{city}-{YEAR}Q{quarter}-v{no}"
    return dict(
        version_id=version_id, city_code=city, year=YEAR, quarter=quarter, version_no=no,
        sha256=hashlib.sha256(version_id.encode()).hexdigest(),
        filename=f"{city}_{YEAR}Q{quarter}.xlsx", size_bytes=1000 + no,
        received_at=dt.datetime(YEAR, 3 * quarter, 10 + no), archive_path=f"archive/{version_id}.xlsx",
        status=status, in_force=in_force, n_fatal=0, n_error=1 if status == "退回" else 0, n_warning=0,
    )


def _park_row(version: dict, park: str, row: int, scale: float = 1.0) -> dict:
    q = version["quarter"]
    base = PARK_BASE[park]
    out = dict(version_id=version["version_id"], city_code=version["city_code"], year=YEAR,
               quarter=q, source_row=row, park_code=park, park_name=base["park_name"])
    for col in PARK_QUARTER.columns:
        if col.name in ("park_code", "park_name"):
            continue
        value = base[col.name]
        if col.name in STOCKS:
            # Stocks grow through the year, so "latest quarter" is observable.
            out[col.name] = value + (q - 1) * (100 if col.name == "employees" else 10.0)
        else:
            slip = scale if col.name in ("value_added", "electricity") else 1.0
            out[col.name] = value * QUARTER_SHAPE[q] * slip
    return out


def _annual_row(version: dict, park: str, row: int, values: dict) -> dict:
    return dict(version_id=version["version_id"], city_code=version["city_code"], year=YEAR,
                quarter=version["quarter"], source_row=row, park_code=park, **values)


def _enterprise_rows(version: dict, parks: set[str], scale: float = 1.0) -> list[dict]:
    q = version["quarter"]
    rows = []
    for i, (key, park, industry, va, tax, rev, rd, land, tce, pol, emp) in enumerate(ENTERPRISES):
        if park not in parks:
            continue
        flows = dict(value_added=va, tax=tax, revenue=rev, rd_expense=rd, energy_tce=tce, pollutant_emissions=pol)
        row = dict(version_id=version["version_id"], city_code=version["city_code"], year=YEAR, quarter=q,
                   source_row=5 + i, uscc=uscc_of(key), enterprise_name=f"示例企业{key}", park_code=park,
                   industry_code=industry, land_mu=land + (q - 1) * 0.5 if land >= 3 else land,
                   employees=emp + (q - 1) * 5)
        for name, value in flows.items():
            row[name] = float(value) * QUARTER_SHAPE[q] * scale
        rows.append(row)
    return rows


def build_fixture(warehouse: Path) -> Fixture:
    """Create the intake tables in a fresh DuckDB file and fill them; return what was written."""
    fx = Fixture()
    hz, nb = "330100", "330200"
    hz_parks, nb_parks = {"3301-01", "3301-02"}, {"3302-03"}
    hz_versions = {q: _version(hz, q, 1, "已接收", q != 2) for q in (1, 2, 3, 4)}
    hz_q2_v2 = _version(hz, 2, 2, "已接收但有警告", True)
    nb_versions = {q: _version(nb, q, 1, "已接收", True) for q in (1, 4)}
    nb_q3 = [_version(nb, 3, 1, "退回", False), _version(nb, 3, 2, "退回", False),
             _version(nb, 3, 3, "已接收", True)]
    fx.versions = [*hz_versions.values(), hz_q2_v2, *nb_versions.values(), *nb_q3]

    accepted = [*hz_versions.values(), hz_q2_v2, *nb_versions.values(), nb_q3[2]]
    for v in accepted:
        parks = hz_parks if v["city_code"] == hz else nb_parks
        superseded = not v["in_force"]
        for row, park in enumerate(sorted(parks), start=4):
            # The superseded Q2 v1 had 3301-01's value added and electricity typed 3 times too high.
            fx.park_quarter.append(_park_row(v, park, row, scale=3.0 if superseded and park == "3301-01" else 1.0))
        fx.enterprise_quarter += _enterprise_rows(v, parks, scale=2.0 if superseded else 1.0)
        if v["quarter"] == 4:
            for row, park in enumerate(sorted(parks), start=4):
                fx.park_annual.append(_annual_row(v, park, row, ANNUAL[park]))
        if v["quarter"] == 2 and v["city_code"] == hz:
            values = ANNUAL_Q2_3301_01 if v["in_force"] else dict(ANNUAL_Q2_3301_01, area_ha=9999.0)
            fx.park_annual.append(_annual_row(v, "3301-01", 4, values))

    con = duckdb.connect(str(warehouse))
    try:
        con.execute(VERSIONS_DDL)
        con.execute(REGISTRY_GENERATED_DDL)
        con.execute(PARK_DECISIONS_DDL)  # no decision recorded: the seed is the whole history
        con.execute("INSERT INTO raw_park_registry_generated VALUES "
                    "('3399-51', '示例园区51', '330100', '杭州市', '省级', '经济开发区')")
        for sheet in SHEETS:
            con.execute(raw_table_ddl(sheet))
        _insert(con, "submission_versions", fx.versions)
        _insert(con, "raw_park_quarter", fx.park_quarter)
        _insert(con, "raw_park_annual", fx.park_annual)
        _insert(con, "raw_enterprise_quarter", fx.enterprise_quarter)
    finally:
        con.close()
    return fx


def _insert(con: duckdb.DuckDBPyConnection, table: str, rows: list[dict]) -> None:
    columns = [c[0] for c in con.execute(f"DESCRIBE {table}").fetchall()]
    placeholders = ", ".join("?" for _ in columns)
    con.executemany(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({placeholders})",
                    [[r.get(c) for c in columns] for r in rows])


def run_dbt(workdir: Path, warehouse: Path, *args: str):
    """Run one dbt command on `warehouse`, with target and logs under `workdir`."""
    from dbt.cli.main import dbtRunner

    # The profile reads the warehouse from the environment; restore it afterwards, or every later
    # test in the session (site builds included) would write into this warehouse.
    previous = os.environ.get("GREENPARK_DBT_WAREHOUSE")
    os.environ["GREENPARK_DBT_WAREHOUSE"] = str(warehouse)
    try:
        return dbtRunner().invoke([
            *args,
            "--project-dir", str(DBT_PROJECT_DIR),
            "--profiles-dir", str(DBT_PROJECT_DIR),
            "--target-path", str(workdir / "dbt_target"),
            "--log-path", str(workdir / "dbt_logs"),
        ])
    finally:
        if previous is None:
            os.environ.pop("GREENPARK_DBT_WAREHOUSE", None)
        else:
            os.environ["GREENPARK_DBT_WAREHOUSE"] = previous
