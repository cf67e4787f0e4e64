{#-
  GENERATED from the contract (greenpark.submission.contract) by `python -m greenpark.dbt_macros`. Do not edit by hand:
  change the contract, rerun the command and commit both (a unit test fails when they differ).

  Raw contract column -> staged column with its unit suffix, SQL type and roll-up kind.
  One list per sheet, so staging, the superseded-version staging and the annual roll-ups
  share one spelling. `kind`: flow (当季, summed over quarters), stock (季末, latest quarter wins)
  or attr (the annual sheet, carried as is).
-#}

{% macro park_quarter_measures() %}
  {{ return([
    {"raw": "gross_output", "name": "gross_output_wan_yuan", "type": "double", "kind": "flow"},
    {"raw": "value_added", "name": "value_added_wan_yuan", "type": "double", "kind": "flow"},
    {"raw": "tax", "name": "tax_wan_yuan", "type": "double", "kind": "flow"},
    {"raw": "hightech_output", "name": "hightech_output_wan_yuan", "type": "double", "kind": "flow"},
    {"raw": "green_output", "name": "green_output_wan_yuan", "type": "double", "kind": "flow"},
    {"raw": "land_mu", "name": "land_mu", "type": "double", "kind": "stock"},
    {"raw": "employees", "name": "employees_persons", "type": "bigint", "kind": "stock"},
    {"raw": "electricity", "name": "electricity_wan_kwh", "type": "double", "kind": "flow"},
    {"raw": "renewable_electricity", "name": "renewable_electricity_wan_kwh", "type": "double", "kind": "flow"},
    {"raw": "raw_coal", "name": "raw_coal_t", "type": "double", "kind": "flow"},
    {"raw": "natural_gas", "name": "natural_gas_wan_m3", "type": "double", "kind": "flow"},
    {"raw": "fuel_oil", "name": "fuel_oil_t", "type": "double", "kind": "flow"},
    {"raw": "diesel", "name": "diesel_t", "type": "double", "kind": "flow"},
    {"raw": "gasoline", "name": "gasoline_t", "type": "double", "kind": "flow"},
    {"raw": "lpg", "name": "lpg_t", "type": "double", "kind": "flow"},
    {"raw": "purchased_heat", "name": "purchased_heat_gj", "type": "double", "kind": "flow"},
    {"raw": "waste_heat_recovered", "name": "waste_heat_recovered_gj", "type": "double", "kind": "flow"},
    {"raw": "fresh_water", "name": "fresh_water_wan_m3", "type": "double", "kind": "flow"},
    {"raw": "reused_water", "name": "reused_water_wan_m3", "type": "double", "kind": "flow"},
    {"raw": "reclaimed_water", "name": "reclaimed_water_wan_m3", "type": "double", "kind": "flow"},
    {"raw": "wastewater", "name": "wastewater_wan_m3", "type": "double", "kind": "flow"},
    {"raw": "cod", "name": "cod_t", "type": "double", "kind": "flow"},
    {"raw": "nh3n", "name": "nh3n_t", "type": "double", "kind": "flow"},
    {"raw": "so2", "name": "so2_t", "type": "double", "kind": "flow"},
    {"raw": "nox", "name": "nox_t", "type": "double", "kind": "flow"},
    {"raw": "vocs", "name": "vocs_t", "type": "double", "kind": "flow"},
    {"raw": "pm", "name": "pm_t", "type": "double", "kind": "flow"},
    {"raw": "solid_waste", "name": "solid_waste_t", "type": "double", "kind": "flow"},
    {"raw": "solid_waste_utilised", "name": "solid_waste_utilised_t", "type": "double", "kind": "flow"},
    {"raw": "hazardous_waste", "name": "hazardous_waste_t", "type": "double", "kind": "flow"},
    {"raw": "hazardous_waste_treated", "name": "hazardous_waste_treated_t", "type": "double", "kind": "flow"},
  ]) }}
{% endmacro %}

{% macro park_annual_measures() %}
  {{ return([
    {"raw": "area_ha", "name": "area_ha", "type": "double", "kind": "attr"},
    {"raw": "green_area_ha", "name": "green_area_ha", "type": "double", "kind": "attr"},
    {"raw": "pv_capacity_mw", "name": "pv_capacity_mw", "type": "double", "kind": "attr"},
    {"raw": "new_building_area", "name": "new_building_area_wan_m2", "type": "double", "kind": "attr"},
    {"raw": "green_building_area", "name": "green_building_area_wan_m2", "type": "double", "kind": "attr"},
    {"raw": "buses", "name": "buses_count", "type": "bigint", "kind": "attr"},
    {"raw": "nev_buses", "name": "nev_buses_count", "type": "bigint", "kind": "attr"},
    {"raw": "key_enterprises", "name": "key_enterprises_count", "type": "bigint", "kind": "attr"},
    {"raw": "energy_diagnosed", "name": "energy_diagnosed_count", "type": "bigint", "kind": "attr"},
    {"raw": "clean_production_audited", "name": "clean_production_audited_count", "type": "bigint", "kind": "attr"},
    {"raw": "has_wastewater_plant", "name": "has_wastewater_plant", "type": "boolean", "kind": "attr"},
    {"raw": "zero_discharge_zone", "name": "zero_discharge_zone", "type": "boolean", "kind": "attr"},
    {"raw": "energy_monitoring_platform", "name": "energy_monitoring_platform", "type": "boolean", "kind": "attr"},
    {"raw": "environment_monitoring_platform", "name": "environment_monitoring_platform", "type": "boolean", "kind": "attr"},
    {"raw": "air_monitoring", "name": "air_monitoring", "type": "boolean", "kind": "attr"},
    {"raw": "soil_monitoring", "name": "soil_monitoring", "type": "boolean", "kind": "attr"},
    {"raw": "groundwater_monitoring", "name": "groundwater_monitoring", "type": "boolean", "kind": "attr"},
    {"raw": "plan_year", "name": "plan_year", "type": "integer", "kind": "attr"},
    {"raw": "has_standard_system", "name": "has_standard_system", "type": "boolean", "kind": "attr"},
    {"raw": "publishes_annual_report", "name": "publishes_annual_report", "type": "boolean", "kind": "attr"},
    {"raw": "lan_publishing", "name": "lan_publishing", "type": "boolean", "kind": "attr"},
    {"raw": "retrofit_status", "name": "retrofit_status", "type": "varchar", "kind": "attr"},
    {"raw": "major_accidents", "name": "major_accidents_count", "type": "bigint", "kind": "attr"},
    {"raw": "pollution_incidents", "name": "pollution_incidents_count", "type": "bigint", "kind": "attr"},
  ]) }}
{% endmacro %}

{% macro enterprise_quarter_measures() %}
  {{ return([
    {"raw": "value_added", "name": "value_added_wan_yuan", "type": "double", "kind": "flow"},
    {"raw": "tax", "name": "tax_wan_yuan", "type": "double", "kind": "flow"},
    {"raw": "revenue", "name": "revenue_wan_yuan", "type": "double", "kind": "flow"},
    {"raw": "rd_expense", "name": "rd_expense_wan_yuan", "type": "double", "kind": "flow"},
    {"raw": "land_mu", "name": "land_mu", "type": "double", "kind": "stock"},
    {"raw": "energy_tce", "name": "energy_tce", "type": "double", "kind": "flow"},
    {"raw": "pollutant_emissions", "name": "pollutant_emissions_t", "type": "double", "kind": "flow"},
    {"raw": "employees", "name": "employees_persons", "type": "bigint", "kind": "stock"},
  ]) }}
{% endmacro %}
