{#-
  Raw contract column -> staged column with its unit suffix.
  One list per sheet, so staging, the superseded-version staging and the annual roll-ups
  share one spelling. `kind`: flow (当季, summed over quarters), stock (季末, latest quarter wins)
  or attr (text/boolean/count carried as is).
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
    {"raw": "area_ha", "name": "area_ha", "type": "double"},
    {"raw": "green_area_ha", "name": "green_area_ha", "type": "double"},
    {"raw": "pv_capacity_mw", "name": "pv_capacity_mw", "type": "double"},
    {"raw": "new_building_area", "name": "new_building_area_wan_m2", "type": "double"},
    {"raw": "green_building_area", "name": "green_building_area_wan_m2", "type": "double"},
    {"raw": "buses", "name": "buses_count", "type": "bigint"},
    {"raw": "nev_buses", "name": "nev_buses_count", "type": "bigint"},
    {"raw": "key_enterprises", "name": "key_enterprises_count", "type": "bigint"},
    {"raw": "energy_diagnosed", "name": "energy_diagnosed_count", "type": "bigint"},
    {"raw": "clean_production_audited", "name": "clean_production_audited_count", "type": "bigint"},
    {"raw": "has_wastewater_plant", "name": "has_wastewater_plant", "type": "boolean"},
    {"raw": "zero_discharge_zone", "name": "zero_discharge_zone", "type": "boolean"},
    {"raw": "energy_monitoring_platform", "name": "energy_monitoring_platform", "type": "boolean"},
    {"raw": "environment_monitoring_platform", "name": "environment_monitoring_platform", "type": "boolean"},
    {"raw": "air_monitoring", "name": "air_monitoring", "type": "boolean"},
    {"raw": "soil_monitoring", "name": "soil_monitoring", "type": "boolean"},
    {"raw": "groundwater_monitoring", "name": "groundwater_monitoring", "type": "boolean"},
    {"raw": "plan_year", "name": "plan_year", "type": "integer"},
    {"raw": "has_standard_system", "name": "has_standard_system", "type": "boolean"},
    {"raw": "publishes_annual_report", "name": "publishes_annual_report", "type": "boolean"},
    {"raw": "lan_publishing", "name": "lan_publishing", "type": "boolean"},
    {"raw": "retrofit_status", "name": "retrofit_status", "type": "varchar"},
    {"raw": "major_accidents", "name": "major_accidents_count", "type": "bigint"},
    {"raw": "pollution_incidents", "name": "pollution_incidents_count", "type": "bigint"},
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

{#- Flow columns of a park-year that the city and province roll-ups sum (conversions included). -#}
{% macro park_year_flow_columns() %}
  {% set names = [] %}
  {% for m in park_quarter_measures() if m.kind == "flow" %}
    {% do names.append(m.name) %}
  {% endfor %}
  {% do names.extend(["energy_tce", "co2_t"]) %}
  {{ return(names) }}
{% endmacro %}

{#- Typed, renamed select list for one raw sheet (provenance columns first). -#}
{% macro staged_columns(measures, alias, code_columns=["park_code"], text_columns=[]) %}
    {{ alias }}.version_id,
    {{ alias }}.city_code,
    cast({{ alias }}.year as integer) as year,
    cast({{ alias }}.quarter as integer) as quarter,
    {{ alias }}.source_row,
  {%- for c in code_columns %}
    upper(trim({{ alias }}.{{ c }})) as {{ c }},
  {%- endfor %}
  {%- for c in text_columns %}
    trim({{ alias }}.{{ c }}) as {{ c }},
  {%- endfor %}
  {%- for m in measures %}
    cast({{ alias }}.{{ m.raw }} as {{ m.type }}) as {{ m.name }}{{ "," if not loop.last }}
  {%- endfor %}
{% endmacro %}
