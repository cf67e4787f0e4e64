"""A synthetic warehouse holding the mart, dim and seed tables the site reads, with the real schema.

The publish tests build the site from this file instead of running the whole pipeline. Its tables
have exactly the columns and types of the real marts (SCHEMA below); values are deterministic
(seeded RNG) and plausible, for 6 parks × 2024–2025.
It also holds confidential canaries (enterprise names and USCCs in raw_enterprise_quarter and
fct_enterprise_mujun) so the confidentiality test fails if publishing ever reads them, and one
park whose name is hostile markup / a spreadsheet formula, to prove escaping.
"""

from __future__ import annotations

import random
from pathlib import Path

import duckdb
import pandas as pd
from greenpark.submission import contract
from greenpark import uscc
from greenpark.settings import REPO_ROOT

# DESCRIBE of every table below in the warehouse the full pipeline built from the demo province
# (dbt marts and seeds). Tables are created from it, so a column the generator below does not fill
# is NULL, and the site meets the same names and types as in production. test_publish_site checks
# the names against the dbt docs (_marts__models.yml, _seeds.yml) so drift there fails a test.
SCHEMA: dict[str, tuple[tuple[str, str], ...]] = {
    "dim_park": (
        ("park_code", "VARCHAR"), ("park_name", "VARCHAR"), ("city_code", "VARCHAR"), ("city_name", "VARCHAR"),
        ("level", "VARCHAR"), ("park_type", "VARCHAR"), ("is_generated", "BOOLEAN"),
        ("designation_batch_year", "INTEGER"), ("revoked_year", "BIGINT"), ("designation_status", "VARCHAR"),
        ("designation_date", "DATE"), ("designation_document_no", "VARCHAR"), ("revocation_date", "DATE"),
        ("revocation_document_no", "VARCHAR"), ("revocation_reason_category", "VARCHAR"),
        ("revocation_reason_text", "VARCHAR"),
    ),
    "dim_indicator": (
        ("indicator_id", "VARCHAR"), ("indicator_name", "VARCHAR"), ("dimension_code", "VARCHAR"),
        ("dimension_name", "VARCHAR"), ("dimension_max_points", "DOUBLE"), ("unit", "VARCHAR"),
        ("formula_text", "VARCHAR"), ("direction", "VARCHAR"), ("baseline", "DOUBLE"), ("leading", "DOUBLE"),
        ("weight", "DOUBLE"), ("is_boolean", "BOOLEAN"), ("wide_column", "VARCHAR"), ("sort_order", "INTEGER"),
        ("source", "VARCHAR"), ("edition_id", "VARCHAR"), ("edition_name", "VARCHAR"), ("valid_from_year", "INTEGER"),
        ("valid_to_year", "INTEGER"), ("is_example", "BOOLEAN"),
    ),
    "dimensions": (
        ("dimension_code", "VARCHAR"), ("dimension_name", "VARCHAR"), ("max_points", "DOUBLE"), ("source", "VARCHAR"),
    ),
    "dim_evaluation_edition": (
        ("edition_id", "VARCHAR"), ("edition_name", "VARCHAR"), ("valid_from_year", "INTEGER"),
        ("valid_to_year", "INTEGER"), ("is_example", "BOOLEAN"), ("changes_zh", "VARCHAR"),
        ("previous_edition_id", "VARCHAR"), ("source", "VARCHAR"),
    ),
    "fct_park_indicators": (
        ("park_code", "VARCHAR"), ("year", "INTEGER"), ("indicator_id", "VARCHAR"), ("dimension_code", "VARCHAR"),
        ("value", "DOUBLE"), ("unit", "VARCHAR"), ("score_points", "DOUBLE"), ("weight", "DOUBLE"),
        ("baseline", "DOUBLE"), ("leading", "DOUBLE"), ("is_missing", "BOOLEAN"), ("missing_note_zh", "VARCHAR"),
        ("peer_median_value", "DOUBLE"), ("source_version_ids", "VARCHAR"), ("edition_id", "VARCHAR"),
    ),
    "fct_park_evaluation": (
        ("park_code", "VARCHAR"), ("year", "INTEGER"), ("city_code", "VARCHAR"), ("score_eg", "DOUBLE"),
        ("score_rg", "DOUBLE"), ("score_ig", "DOUBLE"), ("score_cg", "DOUBLE"), ("score_hg", "DOUBLE"),
        ("score_mg", "DOUBLE"), ("total_score", "DOUBLE"), ("b1_level_ok", "BOOLEAN"), ("b2_no_incidents", "BOOLEAN"),
        ("b2_detail_zh", "VARCHAR"), ("b3_four_quarters", "BOOLEAN"), ("b4_clean_production", "BOOLEAN"),
        ("necessary_conditions_met", "BOOLEAN"),
        ("failed_conditions_zh", "VARCHAR"), ("is_compliant", "BOOLEAN"), ("rank_in_city", "BIGINT"),
        ("rank_in_province", "BIGINT"), ("quarters_accepted", "BIGINT"), ("source_version_ids", "VARCHAR"),
        ("edition_id", "VARCHAR"),
    ),
    "fct_park_quarter": (
        ("park_code", "VARCHAR"), ("year", "INTEGER"), ("quarter", "INTEGER"), ("city_code", "VARCHAR"),
        ("version_id", "VARCHAR"), ("value_added_wan_yuan", "DOUBLE"), ("energy_tce", "DOUBLE"), ("co2_t", "DOUBLE"),
        ("fresh_water_wan_m3", "DOUBLE"), ("solid_waste_t", "DOUBLE"), ("electricity_wan_kwh", "DOUBLE"),
        ("renewable_electricity_wan_kwh", "DOUBLE"), ("grid_factor_year", "INTEGER"),
        ("grid_factor_is_fallback", "BOOLEAN"), ("energy_intensity_tce_per_wan_yuan", "DOUBLE"),
        ("co2_intensity_t_per_wan_yuan", "DOUBLE"), ("water_intensity_m3_per_wan_yuan", "DOUBLE"),
        ("solid_waste_intensity_t_per_wan_yuan", "DOUBLE"),
    ),
    "fct_park_year_wide": (
        ("park_code", "VARCHAR"), ("year", "INTEGER"), ("city_code", "VARCHAR"), ("park_name", "VARCHAR"),
        ("quarters_accepted", "BIGINT"), ("is_complete", "BOOLEAN"), ("latest_quarter", "INTEGER"),
        ("grid_factor_is_fallback", "BOOLEAN"), ("grid_factor_year", "INTEGER"), ("gross_output_wan_yuan", "DOUBLE"),
        ("value_added_wan_yuan", "DOUBLE"), ("tax_wan_yuan", "DOUBLE"), ("hightech_output_wan_yuan", "DOUBLE"),
        ("green_output_wan_yuan", "DOUBLE"), ("electricity_wan_kwh", "DOUBLE"),
        ("renewable_electricity_wan_kwh", "DOUBLE"), ("raw_coal_t", "DOUBLE"), ("natural_gas_wan_m3", "DOUBLE"),
        ("fuel_oil_t", "DOUBLE"), ("diesel_t", "DOUBLE"), ("gasoline_t", "DOUBLE"), ("lpg_t", "DOUBLE"),
        ("purchased_heat_gj", "DOUBLE"), ("waste_heat_recovered_gj", "DOUBLE"), ("fresh_water_wan_m3", "DOUBLE"),
        ("reused_water_wan_m3", "DOUBLE"), ("reclaimed_water_wan_m3", "DOUBLE"), ("wastewater_wan_m3", "DOUBLE"),
        ("cod_t", "DOUBLE"), ("nh3n_t", "DOUBLE"), ("so2_t", "DOUBLE"), ("nox_t", "DOUBLE"), ("vocs_t", "DOUBLE"),
        ("pm_t", "DOUBLE"), ("solid_waste_t", "DOUBLE"), ("solid_waste_utilised_t", "DOUBLE"),
        ("hazardous_waste_t", "DOUBLE"), ("hazardous_waste_treated_t", "DOUBLE"), ("energy_tce", "DOUBLE"),
        ("co2_t", "DOUBLE"), ("co2_fuel_heat_t", "DOUBLE"), ("co2_electricity_t", "DOUBLE"),
        ("waste_heat_recovered_tce", "DOUBLE"), ("land_mu", "DOUBLE"), ("employees_persons", "BIGINT"),
        ("annual_info_quarter", "INTEGER"), ("annual_info_version_id", "VARCHAR"), ("area_ha", "DOUBLE"),
        ("green_area_ha", "DOUBLE"), ("pv_capacity_mw", "DOUBLE"), ("new_building_area_wan_m2", "DOUBLE"),
        ("green_building_area_wan_m2", "DOUBLE"), ("buses_count", "BIGINT"), ("nev_buses_count", "BIGINT"),
        ("key_enterprises_count", "BIGINT"), ("energy_diagnosed_count", "BIGINT"),
        ("clean_production_audited_count", "BIGINT"), ("has_wastewater_plant", "BOOLEAN"),
        ("zero_discharge_zone", "BOOLEAN"), ("energy_monitoring_platform", "BOOLEAN"),
        ("environment_monitoring_platform", "BOOLEAN"), ("air_monitoring", "BOOLEAN"), ("soil_monitoring", "BOOLEAN"),
        ("groundwater_monitoring", "BOOLEAN"), ("plan_year", "INTEGER"), ("has_standard_system", "BOOLEAN"),
        ("publishes_annual_report", "BOOLEAN"), ("lan_publishing", "BOOLEAN"), ("retrofit_status", "VARCHAR"),
        ("major_accidents_count", "BIGINT"), ("pollution_incidents_count", "BIGINT"),
        ("source_version_ids", "VARCHAR"), ("eg01_tce_per_wan_yuan", "DOUBLE"), ("eg02_tco2_per_wan_yuan", "DOUBLE"),
        ("eg03_renewable_electricity_pct", "DOUBLE"), ("eg04_waste_heat_recovery_pct", "DOUBLE"),
        ("eg05_energy_diagnosis_pct", "DOUBLE"), ("rg01_fresh_water_m3_per_wan_yuan", "DOUBLE"),
        ("rg02_water_reuse_pct", "DOUBLE"), ("rg03_reclaimed_water_pct", "DOUBLE"),
        ("rg04_water_productivity_yuan_per_m3", "DOUBLE"), ("rg05_value_added_wan_yuan_per_mu", "DOUBLE"),
        ("rg06_tax_wan_yuan_per_mu", "DOUBLE"), ("rg07_solid_waste_utilisation_pct", "DOUBLE"),
        ("rg08_solid_waste_t_per_wan_yuan", "DOUBLE"), ("ig01_has_wastewater_plant", "DOUBLE"),
        ("ig02_zero_discharge_zone", "DOUBLE"), ("ig03_green_building_pct", "DOUBLE"), ("ig04_nev_bus_pct", "DOUBLE"),
        ("ig05_pv_mw_per_km2", "DOUBLE"), ("cg01_hightech_output_pct", "DOUBLE"), ("cg02_green_output_pct", "DOUBLE"),
        ("cg03_value_added_wan_yuan_per_person", "DOUBLE"), ("hg01_cod_kg_per_wan_yuan", "DOUBLE"),
        ("hg02_nh3n_kg_per_wan_yuan", "DOUBLE"), ("hg03_so2_kg_per_wan_yuan", "DOUBLE"),
        ("hg04_nox_kg_per_wan_yuan", "DOUBLE"), ("hg05_hazardous_waste_treated_pct", "DOUBLE"),
        ("hg06_clean_production_audit_pct", "DOUBLE"), ("hg07_green_coverage_pct", "DOUBLE"),
        ("hg08_monitoring_types_count", "DOUBLE"), ("mg01_energy_monitoring_platform", "DOUBLE"),
        ("mg02_environment_monitoring_platform", "DOUBLE"), ("mg03_plan_within_5_years", "DOUBLE"),
        ("mg04_has_standard_system", "DOUBLE"), ("mg05_publishes_annual_report", "DOUBLE"),
        ("mg06_lan_publishing", "DOUBLE"), ("n_indicators", "BIGINT"), ("total_score", "DOUBLE"),
        ("is_compliant", "BOOLEAN"),
    ),
    "fct_city_year": (
        ("city_code", "VARCHAR"), ("city_name", "VARCHAR"), ("year", "INTEGER"), ("n_parks", "BIGINT"),
        ("gross_output_wan_yuan", "DOUBLE"), ("value_added_wan_yuan", "DOUBLE"), ("tax_wan_yuan", "DOUBLE"),
        ("hightech_output_wan_yuan", "DOUBLE"), ("green_output_wan_yuan", "DOUBLE"),
        ("electricity_wan_kwh", "DOUBLE"), ("renewable_electricity_wan_kwh", "DOUBLE"), ("raw_coal_t", "DOUBLE"),
        ("natural_gas_wan_m3", "DOUBLE"), ("fuel_oil_t", "DOUBLE"), ("diesel_t", "DOUBLE"), ("gasoline_t", "DOUBLE"),
        ("lpg_t", "DOUBLE"), ("purchased_heat_gj", "DOUBLE"), ("waste_heat_recovered_gj", "DOUBLE"),
        ("fresh_water_wan_m3", "DOUBLE"), ("reused_water_wan_m3", "DOUBLE"), ("reclaimed_water_wan_m3", "DOUBLE"),
        ("wastewater_wan_m3", "DOUBLE"), ("cod_t", "DOUBLE"), ("nh3n_t", "DOUBLE"), ("so2_t", "DOUBLE"),
        ("nox_t", "DOUBLE"), ("vocs_t", "DOUBLE"), ("pm_t", "DOUBLE"), ("solid_waste_t", "DOUBLE"),
        ("solid_waste_utilised_t", "DOUBLE"), ("hazardous_waste_t", "DOUBLE"),
        ("hazardous_waste_treated_t", "DOUBLE"), ("energy_tce", "DOUBLE"), ("co2_t", "DOUBLE"),
        ("energy_intensity_tce_per_wan_yuan", "DOUBLE"), ("co2_intensity_t_per_wan_yuan", "DOUBLE"),
        ("water_intensity_m3_per_wan_yuan", "DOUBLE"), ("solid_waste_intensity_t_per_wan_yuan", "DOUBLE"),
    ),
    "fct_province_year": (
        ("year", "INTEGER"), ("n_parks", "BIGINT"), ("gross_output_wan_yuan", "DOUBLE"),
        ("value_added_wan_yuan", "DOUBLE"), ("tax_wan_yuan", "DOUBLE"), ("hightech_output_wan_yuan", "DOUBLE"),
        ("green_output_wan_yuan", "DOUBLE"), ("electricity_wan_kwh", "DOUBLE"),
        ("renewable_electricity_wan_kwh", "DOUBLE"), ("raw_coal_t", "DOUBLE"), ("natural_gas_wan_m3", "DOUBLE"),
        ("fuel_oil_t", "DOUBLE"), ("diesel_t", "DOUBLE"), ("gasoline_t", "DOUBLE"), ("lpg_t", "DOUBLE"),
        ("purchased_heat_gj", "DOUBLE"), ("waste_heat_recovered_gj", "DOUBLE"), ("fresh_water_wan_m3", "DOUBLE"),
        ("reused_water_wan_m3", "DOUBLE"), ("reclaimed_water_wan_m3", "DOUBLE"), ("wastewater_wan_m3", "DOUBLE"),
        ("cod_t", "DOUBLE"), ("nh3n_t", "DOUBLE"), ("so2_t", "DOUBLE"), ("nox_t", "DOUBLE"), ("vocs_t", "DOUBLE"),
        ("pm_t", "DOUBLE"), ("solid_waste_t", "DOUBLE"), ("solid_waste_utilised_t", "DOUBLE"),
        ("hazardous_waste_t", "DOUBLE"), ("hazardous_waste_treated_t", "DOUBLE"), ("energy_tce", "DOUBLE"),
        ("co2_t", "DOUBLE"), ("energy_intensity_tce_per_wan_yuan", "DOUBLE"),
        ("co2_intensity_t_per_wan_yuan", "DOUBLE"), ("water_intensity_m3_per_wan_yuan", "DOUBLE"),
        ("solid_waste_intensity_t_per_wan_yuan", "DOUBLE"),
    ),
    "fct_targets": (
        ("year", "INTEGER"), ("target_id", "VARCHAR"), ("target_name", "VARCHAR"), ("city_code", "VARCHAR"),
        ("actual_value", "DOUBLE"), ("target_value", "DOUBLE"), ("unit", "VARCHAR"), ("progress_pct", "DOUBLE"),
        ("note_zh", "VARCHAR"),
    ),
    "fct_dynamic_management": (
        ("park_code", "VARCHAR"), ("year", "INTEGER"), ("flag_code", "VARCHAR"), ("flag_zh", "VARCHAR"),
        ("reason_zh", "VARCHAR"),
    ),
    "fct_revisions": (
        ("park_code", "VARCHAR"), ("year", "INTEGER"), ("indicator_id", "VARCHAR"), ("old_value", "DOUBLE"),
        ("new_value", "DOUBLE"), ("old_version_ids", "VARCHAR"), ("new_version_ids", "VARCHAR"),
        ("change_pct", "DOUBLE"), ("city_code", "VARCHAR"), ("revised_quarter", "INTEGER"),
        ("superseded_version_id", "VARCHAR"), ("replacing_version_id", "VARCHAR"),
    ),
    "fct_park_decisions": (
        ("park_code", "VARCHAR"), ("decision_key", "VARCHAR"), ("park_name", "VARCHAR"), ("city_code", "VARCHAR"),
        ("city_name", "VARCHAR"), ("decision_type", "VARCHAR"), ("decision_type_zh", "VARCHAR"),
        ("decision_date", "DATE"), ("effective_year", "BIGINT"), ("batch_year", "INTEGER"), ("document_no", "VARCHAR"),
        ("outcome", "VARCHAR"), ("reason_category", "VARCHAR"), ("reason_text", "VARCHAR"),
        ("is_correction", "BOOLEAN"), ("is_initial_load", "BOOLEAN"),
    ),
    "fct_park_mujun_public": (
        ("park_code", "VARCHAR"), ("year", "INTEGER"), ("mujun_class", "VARCHAR"), ("n_enterprises", "BIGINT"),
        ("share_pct", "DOUBLE"), ("is_suppressed", "BOOLEAN"), ("n_enterprises_total", "BIGINT"),
    ),
    "energy_factors": (
        ("carrier", "VARCHAR"), ("carrier_zh", "VARCHAR"), ("unit", "VARCHAR"), ("tce_per_unit", "DOUBLE"),
        ("tco2_per_unit", "DOUBLE"), ("source", "VARCHAR"), ("valid_from_year", "INTEGER"),
        ("valid_to_year", "INTEGER"),
    ),
    "grid_emission_factors": (
        ("year", "INTEGER"), ("tco2_per_mwh", "DOUBLE"), ("source", "VARCHAR"),
    ),
    "evaluation_thresholds": (
        ("edition_id", "VARCHAR"), ("threshold_id", "VARCHAR"), ("value", "DOUBLE"), ("unit", "VARCHAR"), ("description_zh", "VARCHAR"),
        ("source", "VARCHAR"),
    ),
    "disclosure_rules": (
        ("table_name", "VARCHAR"), ("sensitivity", "VARCHAR"), ("group_columns", "VARCHAR"),
        ("class_column", "VARCHAR"), ("cell_column", "VARCHAR"), ("share_column", "VARCHAR"),
        ("total_column", "VARCHAR"), ("threshold_id", "VARCHAR"), ("description_zh", "VARCHAR"),
    ),
    "mujun_weights": (
        ("mujun_indicator_code", "VARCHAR"), ("mujun_indicator_name", "VARCHAR"), ("formula_text", "VARCHAR"),
        ("unit", "VARCHAR"), ("weight", "DOUBLE"), ("source", "VARCHAR"),
    ),
    "mujun_class_cutoffs": (
        ("mujun_class", "VARCHAR"), ("class_name", "VARCHAR"), ("lower_percentile", "DOUBLE"),
        ("upper_percentile", "DOUBLE"), ("source", "VARCHAR"),
    ),
    "fct_enterprise_mujun": (
        ("uscc", "VARCHAR"), ("year", "INTEGER"), ("enterprise_name", "VARCHAR"), ("park_code", "VARCHAR"),
        ("city_code", "VARCHAR"), ("industry_code", "VARCHAR"), ("industry_division", "VARCHAR"),
        ("latest_quarter", "INTEGER"), ("quarters_reported", "BIGINT"), ("land_mu", "DOUBLE"),
        ("employees_persons", "BIGINT"), ("value_added_wan_yuan", "DOUBLE"), ("tax_wan_yuan", "DOUBLE"),
        ("revenue_wan_yuan", "DOUBLE"), ("rd_expense_wan_yuan", "DOUBLE"), ("energy_tce", "DOUBLE"),
        ("pollutant_emissions_t", "DOUBLE"), ("tax_per_mu", "DOUBLE"), ("tax_per_mu_benchmark", "DOUBLE"),
        ("value_added_per_mu", "DOUBLE"), ("value_added_per_mu_benchmark", "DOUBLE"),
        ("value_added_per_tce", "DOUBLE"), ("value_added_per_tce_benchmark", "DOUBLE"),
        ("value_added_per_t_pollutant", "DOUBLE"), ("value_added_per_t_pollutant_benchmark", "DOUBLE"),
        ("rd_share", "DOUBLE"), ("rd_share_benchmark", "DOUBLE"), ("value_added_per_employee", "DOUBLE"),
        ("value_added_per_employee_benchmark", "DOUBLE"), ("benchmark_is_division", "BOOLEAN"),
        ("mujun_score", "DOUBLE"), ("mujun_class", "VARCHAR"), ("source_version_ids", "VARCHAR"),
    ),
}

YEARS = (2024, 2025)
DATA_PARKS = ("3301-01", "3301-02", "3301-03", "3301-51", "3302-01", "3302-02")
HOSTILE_PARK_CODE = "3301-51"
HOSTILE_PARK_NAME = "=示例园区51<script>alert('x')</script>&|*"
ENTERPRISE_NAMES = ("示例保密企业甲有限公司", "示例保密企业乙股份有限公司", "示例保密企业丙制造厂")

DIMENSIONS = (
    ("EG", "能源利用绿色化", 20),
    ("RG", "资源利用绿色化", 20),
    ("IG", "基础设施绿色化", 15),
    ("CG", "产业技术绿色化", 15),
    ("HG", "生态环境绿色化", 20),
    ("MG", "运行管理绿色化", 10),
)

# id, name, unit, formula, direction, baseline, leading, weight (indicators.md)
INDICATORS = (
    ("EG01", "单位工业增加值综合能耗", "tce/万元", "energy_tce / value_added", "lower", 0.50, 0.20, 6),
    ("EG02", "单位工业增加值二氧化碳排放量", "tCO2/万元", "co2 / value_added", "lower", 1.20, 0.50, 6),
    ("EG03", "可再生能源电力占比", "%", "renewable_electricity / electricity", "higher", 5, 20, 4),
    ("EG04", "余热余压回收利用量占综合能耗比例", "%", "waste_heat_recovered × 0.03412 / energy_tce", "higher", 2, 10, 2),
    ("EG05", "重点企业节能诊断覆盖率", "%", "energy_diagnosed / key_enterprises", "higher", 50, 100, 2),
    ("RG01", "单位工业增加值新鲜水耗", "m³/万元", "fresh_water × 10⁴ / value_added", "lower", 8, 4, 4),
    ("RG02", "工业用水重复利用率", "%", "reused / (reused + fresh)", "higher", 85, 95, 3),
    ("RG03", "中水回用率", "%", "reclaimed / (reclaimed + wastewater)", "higher", 10, 30, 2),
    ("RG04", "水资源产出率", "元/m³", "value_added / fresh_water", "higher", 1250, 2500, 2),
    ("RG05", "亩均工业增加值", "万元/亩", "value_added / land_mu", "higher", 100, 300, 3),
    ("RG06", "亩均税收", "万元/亩", "tax / land_mu", "higher", 20, 60, 2),
    ("RG07", "一般工业固体废物综合利用率", "%", "min(utilised / generated, 1)", "higher", 90, 98, 2),
    ("RG08", "单位工业增加值固体废物产生量", "t/万元", "solid_waste / value_added", "lower", 0.10, 0.03, 2),
    ("IG01", "污水集中处理设施", "是/否", "", None, None, None, 3),
    ("IG02", "污水零直排区建成", "是/否", "", None, None, None, 3),
    ("IG03", "新建建筑中绿色建筑比例", "%", "green_building_area / new_building_area", "higher", 30, 100, 4),
    ("IG04", "节能与新能源公交车比例", "%", "nev_buses / buses", "higher", 50, 100, 3),
    ("IG05", "单位面积光伏装机容量", "MW/km²", "pv_capacity_mw / (area_ha / 100)", "higher", 1, 5, 2),
    ("CG01", "高新技术产业产值占比", "%", "hightech_output / gross_output", "higher", 40, 70, 6),
    ("CG02", "绿色产业产值占比", "%", "green_output / gross_output", "higher", 10, 30, 5),
    ("CG03", "人均工业增加值", "万元/人", "value_added / employees", "higher", 20, 50, 4),
    ("HG01", "单位工业增加值化学需氧量排放量", "kg/万元", "cod × 1000 / value_added", "lower", 0.50, 0.10, 3),
    ("HG02", "单位工业增加值氨氮排放量", "kg/万元", "nh3n × 1000 / value_added", "lower", 0.05, 0.01, 2),
    ("HG03", "单位工业增加值二氧化硫排放量", "kg/万元", "so2 × 1000 / value_added", "lower", 0.50, 0.10, 2),
    ("HG04", "单位工业增加值氮氧化物排放量", "kg/万元", "nox × 1000 / value_added", "lower", 0.50, 0.10, 2),
    ("HG05", "危险废物利用处置率", "%", "min(treated / generated, 1)", "higher", 95, 100, 3),
    ("HG06", "重点企业清洁生产审核实施率", "%", "clean_production_audited / key_enterprises", "higher", 60, 100, 3),
    ("HG07", "绿化覆盖率", "%", "green_area_ha / area_ha", "higher", 15, 30, 3),
    ("HG08", "环境质量监测覆盖", "项", "count of air/soil/groundwater monitoring", "higher", 1, 3, 2),
    ("MG01", "能耗在线监测平台", "是/否", "", None, None, None, 2),
    ("MG02", "环境监测管理平台", "是/否", "", None, None, None, 2),
    ("MG03", "五年内编制发展规划", "是/否", "year − plan_year ≤ 5", None, None, None, 2),
    ("MG04", "绿色低碳标准体系", "是/否", "", None, None, None, 1),
    ("MG05", "发布年度绿色低碳发展报告", "是/否", "", None, None, None, 2),
    ("MG06", "局域网定期发布信息", "是/否", "", None, None, None, 1),
)

_GB = "GB/T 2589-2020 附录; 省级温室气体清单编制指南"
ENERGY_FACTORS = (
    ("raw_coal", "原煤", "t", 0.7143, 1.9003, _GB, 2020, None),
    ("natural_gas", "天然气", "万m³", 12.143, 21.650, _GB, 2020, None),
    ("fuel_oil", "燃料油", "t", 1.4286, 3.1705, _GB, 2020, None),
    ("diesel", "柴油", "t", 1.4571, 3.0959, _GB, 2020, None),
    ("gasoline", "汽油", "t", 1.4714, 2.9251, _GB, 2020, None),
    ("lpg", "液化石油气", "t", 1.7143, 3.1013, _GB, 2020, None),
    ("heat", "热力", "GJ", 0.03412, 0.11, _GB, 2020, None),
    ("electricity", "电力", "万kWh", 1.229, None, "当量值; 排放因子见电网排放因子表", 2020, None),
)
GRID_FACTORS = ((2022, 0.5366, "生态环境部公告 2022"), (2023, 0.5306, "生态环境部公告 2023"))
# park -> (batch year, revoked year) as dim_park states it today; 3301-02 was revoked in 2024 and
# restored in 2025 (RECORDED_DECISIONS), so today it reads designated since its 2023 batch.
DESIGNATIONS = {"3301-01": (2022, None), "3301-02": (2023, None), "3302-01": (2022, 2025), "3302-02": (2025, None)}
RECORDED_DECISIONS = (  # park, type, type_zh, date, document, reason category, reason
    ("3301-02", "revocation", "撤销认定", "2024-06-01", "示例〔2024〕5 号", "环境污染", "示例:发生突发环境污染事件"),
    ("3301-02", "restoration", "恢复认定", "2025-03-01", "示例〔2025〕6 号", None, "示例:整改完成"),
)


def _score(value, baseline, leading, weight, is_boolean):
    if value is None:
        return 0.0
    if is_boolean:
        return float(weight) if value >= 1 else 0.0
    frac = (value - baseline) / (leading - baseline)
    return round(weight * min(max(frac, 0.0), 1.0), 4)


def _quarter_facts(rng: random.Random, code: str, year: int) -> list[dict]:
    size = 1 + (int(code[-2:]) % 5)
    rows = []
    for q in range(1, 5):
        va = round(size * rng.uniform(180_000, 260_000) * (1.04 if year == 2025 else 1.0), 1)
        energy = round(va * rng.uniform(0.22, 0.45), 1)
        co2 = round(energy * rng.uniform(2.1, 2.6), 1)
        water = round(va * rng.uniform(4.5, 8.5) / 1e4, 3)
        waste = round(va * rng.uniform(0.03, 0.09), 1)
        rows.append(dict(quarter=q, value_added_wan_yuan=va, energy_tce=energy, co2_t=co2,
                         fresh_water_wan_m3=water, solid_waste_t=waste))
    return rows


def _with_intensities(df: pd.DataFrame) -> pd.DataFrame:
    df = df.copy()
    va = df["value_added_wan_yuan"]
    df["energy_intensity_tce_per_wan_yuan"] = df["energy_tce"] / va
    df["co2_intensity_t_per_wan_yuan"] = df["co2_t"] / va
    df["water_intensity_m3_per_wan_yuan"] = df["fresh_water_wan_m3"] * 1e4 / va
    df["solid_waste_intensity_t_per_wan_yuan"] = df["solid_waste_t"] / va
    return df


def _dim_park() -> pd.DataFrame:
    parks = pd.read_csv(REPO_ROOT / "dbt_project" / "seeds" / "park_registry.csv", dtype=str)
    hostile = {"park_code": HOSTILE_PARK_CODE, "park_name": HOSTILE_PARK_NAME, "city_code": "330100",
               "city_name": "杭州市", "level": "省级", "park_type": "经济开发区"}
    parks = pd.concat([parks, pd.DataFrame([hostile])], ignore_index=True).sort_values("park_code")
    parks["is_generated"] = parks.park_code == HOSTILE_PARK_CODE
    batch = {k: v[0] for k, v in DESIGNATIONS.items()}
    revoked = {k: v[1] for k, v in DESIGNATIONS.items()}
    parks["designation_batch_year"] = parks.park_code.map(batch).astype("Int64")
    parks["revoked_year"] = parks.park_code.map(revoked).astype("Int64")
    parks["designation_status"] = [
        "已撤销" if pd.notna(r) else ("已认定" if pd.notna(b) else "未认定")
        for b, r in zip(parks.designation_batch_year, parks.revoked_year)
    ]
    return parks.reset_index(drop=True)


SEEDS = REPO_ROOT / "dbt_project" / "seeds"
# The catalogue's formulas in words, as dim_indicator carries them from the seed.
FORMULAS = dict(pd.read_csv(SEEDS / "indicator_catalogue.csv")[["indicator_id", "formula_text"]].values)


def _decisions(parks: pd.DataFrame) -> pd.DataFrame:
    """fct_park_decisions as dbt builds it: the initial load of DESIGNATIONS (a revocation the
    recorded decisions restore is not in it) and RECORDED_DECISIONS."""
    rows = []
    for code, (batch, revoked) in DESIGNATIONS.items():
        rows.append(dict(park_code=code, decision_key=f"initial-designation-{code}", decision_type="designation",
                         decision_type_zh="认定", effective_year=batch, batch_year=batch, is_initial_load=True))
        if revoked is not None:
            rows.append(dict(park_code=code, decision_key=f"initial-revocation-{code}", decision_type="revocation",
                             decision_type_zh="撤销认定", effective_year=revoked, is_initial_load=True,
                             reason_text="初始名单未记录撤销原因与日期"))
    for n, (code, kind, kind_zh, date, doc, category, reason) in enumerate(RECORDED_DECISIONS, start=1):
        rows.append(dict(park_code=code, decision_key=f"D{n:06d}", decision_type=kind, decision_type_zh=kind_zh,
                         decision_date=pd.Timestamp(date).date(), effective_year=int(date[:4]), document_no=doc,
                         reason_category=category, reason_text=reason, is_initial_load=False))
    frame = pd.DataFrame(rows).assign(is_correction=False)
    return frame.merge(parks[["park_code", "park_name", "city_code", "city_name"]], on="park_code", how="left")


def build_fixture_warehouse(path: Path) -> Path:
    """Write the fixture DuckDB file at `path` (replacing it) and return the path."""
    rng = random.Random(20250601)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.unlink(missing_ok=True)
    parks = _dim_park()
    city_of = dict(zip(parks.park_code, parks.city_code))
    level_of = dict(zip(parks.park_code, parks.level))

    dim_indicator = pd.DataFrame(
        [
            dict(indicator_id=i, indicator_name=n, dimension_code=i[:2],
                 dimension_name=dict((d[0], d[1]) for d in DIMENSIONS)[i[:2]],
                 dimension_max_points=float(dict((d[0], d[2]) for d in DIMENSIONS)[i[:2]]), unit=u,
                 formula_text=FORMULAS.get(i), direction=d, baseline=b, leading=lv, weight=float(w),
                 is_boolean=(u == "是/否"), wide_column=i.lower(), sort_order=k, source="示例")
            for k, (i, n, u, f, d, b, lv, w) in enumerate(INDICATORS, start=1)
        ]
    )

    quarter_rows, indicator_rows, eval_rows, mujun_rows = [], [], [], []
    for year in YEARS:
        for code in DATA_PARKS:
            city = city_of[code]
            quarters = _quarter_facts(rng, code, year)
            n_quarters = 3 if (code == HOSTILE_PARK_CODE and year == 2025) else 4
            versions = []
            for q in quarters[:n_quarters]:
                vno = 2 if (q["quarter"] == 2 and year == 2025) else 1
                vid = f"{city}-{year}Q{q['quarter']}-v{vno}"
                versions.append(vid)
                quarter_rows.append(dict(park_code=code, year=year, city_code=city, version_id=vid, **q))
            version_ids = ",".join(sorted(versions))
            quality = 0.66 + 0.08 * (DATA_PARKS.index(code) % 4) + (0.05 if year == 2025 else 0.0)
            for ind in INDICATORS:
                iid, _, unit, _, _direction, baseline, leading, weight = ind
                is_bool = unit == "是/否"
                if code == "3302-02" and iid in ("RG03", "IG05"):
                    value = None  # 缺报
                elif is_bool:
                    value = 1.0 if rng.random() < 0.85 else 0.0
                elif iid == "HG06":
                    value = 100.0 if rng.random() < 0.7 else round(rng.uniform(70, 95), 1)
                else:  # achievement between baseline (0) and leading (1), better parks reach further
                    frac = rng.uniform(quality - 0.35, quality + 0.35)
                    value = max(round(baseline + frac * (leading - baseline), 4), 0.0)
                    if unit == "%":
                        value = min(value, 100.0)
                indicator_rows.append(dict(
                    park_code=code, year=year, indicator_id=iid, dimension_code=iid[:2], value=value, unit=unit,
                    score_points=_score(value, baseline, leading, weight, is_bool), weight=float(weight),
                    baseline=baseline, leading=leading, is_missing=value is None,
                    missing_note_zh="缺报" if value is None else None, source_version_ids=version_ids))
            mujun_counts = {"A": rng.randint(0, 9), "B": rng.randint(5, 30), "C": rng.randint(2, 12), "D": rng.randint(0, 4)}
            total = sum(mujun_counts.values())
            for cls, n in mujun_counts.items():
                suppressed = n < 3
                mujun_rows.append(dict(park_code=code, year=year, mujun_class=cls,
                                       n_enterprises=None if suppressed else n,
                                       share_pct=None if suppressed else round(100 * n / total, 1),
                                       is_suppressed=suppressed, n_enterprises_total=total))
            eval_rows.append(dict(park_code=code, year=year, quarters_accepted=n_quarters,
                                  source_version_ids=version_ids, city_code=city))

    ind = pd.DataFrame(indicator_rows)
    medians = ind.groupby(["year", "indicator_id"])["value"].median().rename("peer_median_value")
    ind = ind.join(medians, on=["year", "indicator_id"])

    dim_scores = ind.assign(dim=ind.indicator_id.str[:2]).pivot_table(
        index=["park_code", "year"], columns="dim", values="score_points", aggfunc="sum")
    evaluation = []
    for row in eval_rows:
        key = (row["park_code"], row["year"])
        scores = {f"score_{d.lower()}": round(float(dim_scores.loc[key, d]), 2) for d, _, _ in DIMENSIONS}
        total = round(sum(scores.values()), 2)
        hg06 = ind[(ind.park_code == key[0]) & (ind.year == key[1]) & (ind.indicator_id == "HG06")].value.iloc[0]
        b1 = level_of[key[0]] in ("国家级", "省级")
        b2 = not (key == ("3302-02", 2025))
        b3 = row["quarters_accepted"] == 4
        b4 = hg06 is not None and hg06 >= 100
        b2_detail = f"{key[1]} 年突发环境污染事件 1 起" if not b2 else f"{key[1] - 2}–{key[1]} 年无"
        failed = [t for ok, t in ((b1, "B1 园区级别不是省级或国家级"), (b2, f"B2 重大安全事故和突发环境污染事件:{b2_detail}"),
                                  (b3, "B3 当年四个季度数据未全部接收"), (b4, "B4 重点企业清洁生产审核实施率未达 100%"))
                  if not ok]
        necessary = not failed
        evaluation.append(dict(
            park_code=key[0], year=key[1], **scores, total_score=total, b1_level_ok=b1, b2_no_incidents=b2, b2_detail_zh=b2_detail,
            b3_four_quarters=b3, b4_clean_production=b4, necessary_conditions_met=necessary,
            failed_conditions_zh=";".join(failed),  # "" when none, as in the mart
            is_compliant=necessary and total >= 80,
            quarters_accepted=row["quarters_accepted"], source_version_ids=row["source_version_ids"],
            city_code=row["city_code"]))
    ev = pd.DataFrame(evaluation)
    ev["rank_in_province"] = ev.groupby("year").total_score.rank(ascending=False, method="min").astype(int)
    ev["rank_in_city"] = ev.groupby(["year", "city_code"]).total_score.rank(ascending=False, method="min").astype(int)

    pq = _with_intensities(pd.DataFrame(quarter_rows))
    # fct_park_year_wide: the annual flows (sums of the quarters) and pollutants, for the open data
    wide = pq.groupby(["park_code", "year", "city_code"], as_index=False).agg(
        quarters_accepted=("quarter", "nunique"), latest_quarter=("quarter", "max"),
        **{f: (f, "sum") for f in ("value_added_wan_yuan", "energy_tce", "co2_t", "fresh_water_wan_m3",
                                    "solid_waste_t")})
    wide["is_complete"] = wide.quarters_accepted == 4
    for col, per_wan_yuan in (("cod_t", 2e-4), ("nh3n_t", 2e-5), ("so2_t", 1.5e-4), ("nox_t", 2e-4),
                              ("vocs_t", 1e-4), ("pm_t", 5e-5), ("hazardous_waste_t", 3e-3)):
        wide[col] = [round(va * per_wan_yuan * rng.uniform(0.6, 1.4), 3) for va in wide.value_added_wan_yuan]
    wide["source_version_ids"] = [next(r["source_version_ids"] for r in eval_rows
                                       if (r["park_code"], r["year"]) == (p, y)) for p, y in zip(wide.park_code, wide.year)]
    flows = ["value_added_wan_yuan", "energy_tce", "co2_t", "fresh_water_wan_m3", "solid_waste_t"]
    with_city = pq.merge(parks[["park_code", "city_name"]], on="park_code")
    city_year = with_city.groupby(["city_code", "city_name", "year"], as_index=False).agg(
        n_parks=("park_code", "nunique"), **{f: (f, "sum") for f in flows})
    city_year = _with_intensities(city_year)
    province_year = _with_intensities(with_city.groupby("year", as_index=False).agg(
        n_parks=("park_code", "nunique"), **{f: (f, "sum") for f in flows}))

    # As the mart: province rows have city_code NULL; intensity targets also have one row per city
    # and no target value (the notice sets none), so target_value and progress_pct are NULL.
    targets = []
    base = YEARS[0]
    for year in YEARS:
        designated = int(((parks.designation_batch_year <= year) &
                          (parks.revoked_year.isna() | (parks.revoked_year > year))).sum())
        targets.append(dict(year=year, target_id="T1_DESIGNATED_PARKS", target_name="建成省级绿色低碳工业园区",
                            city_code=None, actual_value=float(designated), target_value=50.0, unit="个",
                            progress_pct=100 * designated / 50, note_zh="截至当年已认定且未撤销的园区数"))
        targets.append(dict(year=year, target_id="T2_RETROFIT_SHARE", target_name="省级以上园区开展循环化改造比例",
                            city_code=None, actual_value=62.0 + 8 * (year - base), target_value=100.0, unit="%",
                            progress_pct=62.0 + 8 * (year - base), note_zh="循环化改造为实施中或已完成"))
        for scope, frame in [(None, province_year.assign(city_code=None)), *city_year.groupby("city_code")]:
            by_year = frame.set_index("year").energy_intensity_tce_per_wan_yuan
            targets.append(dict(year=year, target_id="T3_ENERGY_INTENSITY", target_name="单位工业增加值综合能耗较基期变化",
                                city_code=scope, actual_value=100 * (by_year[year] / by_year[base] - 1),
                                target_value=None, unit="%", progress_pct=None,
                                note_zh=f"以 {base} 年为基期(负值为下降);通知未给出量化目标"))

    dm = []
    for r in ev.itertuples():
        batch = parks.set_index("park_code").designation_batch_year.get(r.park_code)
        if pd.notna(batch) and r.year == int(batch) + 3:
            dm.append((r.park_code, r.year, "REVIEW_DUE", "复查到期", f"{int(batch)} 年认定,满三年应复查"))
        if r.total_score < 70:
            dm.append((r.park_code, r.year, "WARNING", "预警", f"综合评价得分 {r.total_score:.1f} 分,低于 70 分"))
        if r.total_score < 60 or not r.b2_no_incidents:
            dm.append((r.park_code, r.year, "REVOCATION_SUGGESTED", "建议撤销认定",
                       f"不满足必要条件 B2(重大安全事故和突发环境污染事件:{r.b2_detail_zh})" if not r.b2_no_incidents
                       else f"综合评价得分 {r.total_score:.1f} 分,低于 60 分"))
    dm.append(("3301-03", 2025, "SITE_CHECK_SUGGESTED", "建议现场核查", "EG01 被后续版本修订超过 20%"))
    fct_dm = pd.DataFrame(dm, columns=["park_code", "year", "flag_code", "flag_zh", "reason_zh"])

    revisions = pd.DataFrame([
        dict(park_code="3301-03", year=2025, indicator_id="EG01", old_value=0.31, new_value=0.39,
             old_version_ids="330100-2025Q1-v1,330100-2025Q2-v1,330100-2025Q3-v1,330100-2025Q4-v1",
             new_version_ids="330100-2025Q1-v1,330100-2025Q2-v2,330100-2025Q3-v1,330100-2025Q4-v1", change_pct=25.8,
             city_code="330100", revised_quarter=2, superseded_version_id="330100-2025Q2-v1",
             replacing_version_id="330100-2025Q2-v2"),
        # a revision that rounds to no change, and a smaller one: the report lists changes largest first
        *[dict(park_code="3301-03", year=2025, indicator_id=i, old_value=old, new_value=new,
               old_version_ids="330100-2025Q1-v1,330100-2025Q2-v1,330100-2025Q3-v1,330100-2025Q4-v1",
               new_version_ids="330100-2025Q1-v1,330100-2025Q2-v2,330100-2025Q3-v1,330100-2025Q4-v1", change_pct=pct,
               city_code="330100", revised_quarter=2, superseded_version_id="330100-2025Q2-v1",
               replacing_version_id="330100-2025Q2-v2")
          for i, old, new, pct in (("CG01", 40.0, 40.01, 0.025), ("RG01", 8.0, 7.6, -5.0))],
        dict(park_code="3302-01", year=2025, indicator_id="RG02", old_value=90.2, new_value=91.0,
             old_version_ids="330200-2025Q1-v1,330200-2025Q2-v1,330200-2025Q3-v1,330200-2025Q4-v1",
             new_version_ids="330200-2025Q1-v1,330200-2025Q2-v2,330200-2025Q3-v1,330200-2025Q4-v1", change_pct=0.9,
             city_code="330200", revised_quarter=2, superseded_version_id="330200-2025Q2-v1",
             replacing_version_id="330200-2025Q2-v2"),
    ])

    # Confidential canaries: publishing must never read these.
    ent_rows = []
    for i, name in enumerate(ENTERPRISE_NAMES):
        first17 = f"91330100MA2{i:06d}"[:17]
        ent_rows.append(dict(uscc=first17 + uscc.check_char(first17), enterprise_name=name, park_code="3301-01"))

    con = duckdb.connect(str(path))
    try:
        frames = {
            "dim_park": parks, "dim_indicator": dim_indicator, "fct_park_indicators": ind,
            "fct_park_evaluation": ev.assign(edition_id="2024"), "fct_park_quarter": pq, "fct_park_year_wide": wide,
            "fct_city_year": city_year, "fct_province_year": province_year,
            "fct_targets": pd.DataFrame(targets), "fct_dynamic_management": fct_dm,
            "fct_revisions": revisions, "fct_park_mujun_public": pd.DataFrame(mujun_rows),
            "fct_park_decisions": _decisions(parks),
            "energy_factors": pd.DataFrame(ENERGY_FACTORS, columns=[
                "carrier", "carrier_zh", "unit", "tce_per_unit", "tco2_per_unit", "source",
                "valid_from_year", "valid_to_year"]).astype({"valid_to_year": "Int64"}),
            "grid_emission_factors": pd.DataFrame(GRID_FACTORS, columns=["year", "tco2_per_mwh", "source"]),
            # The real seed: the rules the site states are the ones the dbt project ships.
            "evaluation_thresholds": pd.read_csv(SEEDS / "evaluation_thresholds.csv", dtype={"edition_id": str}),
            "disclosure_rules": pd.read_csv(SEEDS / "disclosure_rules.csv", dtype=str),
            "mujun_weights": pd.read_csv(SEEDS / "mujun_weights.csv"),
            "mujun_class_cutoffs": pd.read_csv(SEEDS / "mujun_class_cutoffs.csv"),
            "dimensions": pd.DataFrame(DIMENSIONS, columns=["dimension_code", "dimension_name", "max_points"]).assign(
                source="示例"),
            "dim_evaluation_edition": pd.read_csv(SEEDS / "evaluation_editions.csv", dtype={"edition_id": str}
                                                  ).astype({"valid_to_year": "Int64"}).assign(
                previous_edition_id=lambda e: e.edition_id.shift(1)),
            "fct_enterprise_mujun": pd.DataFrame([dict(uscc=e["uscc"], enterprise_name=e["enterprise_name"],
                                                       park_code=e["park_code"], year=2025, mujun_class="A")
                                                  for e in ent_rows]),
        }
        assert frames.keys() == SCHEMA.keys()
        for name, frame in frames.items():
            columns = [c for c, _ in SCHEMA[name]]
            unknown = sorted(set(frame.columns) - set(columns))
            assert not unknown, f"{name}: columns not in the real mart: {unknown}"
            # quoted: `leading` is a reserved word in DuckDB
            con.execute(f'CREATE TABLE "{name}" (' + ", ".join(f'"{c}" {t}' for c, t in SCHEMA[name]) + ")")
            con.register("frame", frame)
            con.execute(f'INSERT INTO "{name}" BY NAME SELECT * FROM frame')
            con.unregister("frame")
        con.execute(contract.raw_table_ddl(contract.ENTERPRISE_QUARTER))
        for e in ent_rows:
            con.execute("INSERT INTO raw_enterprise_quarter (version_id, city_code, year, quarter, source_row, uscc, "
                        "enterprise_name, park_code) VALUES ('330100-2025Q1-v1', '330100', 2025, 1, 5, ?, ?, ?)",
                        [e["uscc"], e["enterprise_name"], e["park_code"]])
    finally:
        con.close()
    return path


def confidential_strings(path: Path) -> set[str]:
    """Every enterprise name and USCC held in the warehouse's confidential tables."""
    con = duckdb.connect(str(path), read_only=True)
    try:
        rows = con.execute("SELECT uscc, enterprise_name FROM raw_enterprise_quarter "
                           "UNION SELECT uscc, enterprise_name FROM fct_enterprise_mujun").fetchall()
    finally:
        con.close()
    return {v for row in rows for v in row if v}


if __name__ == "__main__":  # manual use: python tests/unit/publish_fixtures.py OUT.duckdb
    import sys

    print(build_fixture_warehouse(Path(sys.argv[1])))
