-- The 35 indicator values of indicators.md per park-year and version set (long format, NULL =
-- not computable: not reported, or a zero denominator). Units are those of indicator_catalogue.
with facts as (
    select * from {{ ref('int_park_year_facts') }}
),

wide as (
    select
        version_set_id,
        park_code,
        city_code,
        year,
        source_version_ids,
        -- EG 能源利用绿色化
        {{ ratio('energy_tce', 'value_added_wan_yuan') }} as eg01,
        {{ ratio('co2_t', 'value_added_wan_yuan') }} as eg02,
        100 * {{ ratio('renewable_electricity_wan_kwh', 'electricity_wan_kwh') }} as eg03,
        100 * {{ ratio('waste_heat_recovered_tce', 'energy_tce') }} as eg04,
        100 * {{ ratio('energy_diagnosed_count', 'key_enterprises_count') }} as eg05,
        -- RG 资源利用绿色化 (fresh water 万m³ × 10⁴ = m³)
        {{ ratio('fresh_water_wan_m3 * 10000', 'value_added_wan_yuan') }} as rg01,
        100 * {{ ratio('reused_water_wan_m3', 'reused_water_wan_m3 + fresh_water_wan_m3') }} as rg02,
        100 * {{ ratio('reclaimed_water_wan_m3', 'reclaimed_water_wan_m3 + wastewater_wan_m3') }} as rg03,
        -- 万元 / 万m³ = 元 / m³
        {{ ratio('value_added_wan_yuan', 'fresh_water_wan_m3') }} as rg04,
        {{ ratio('value_added_wan_yuan', 'land_mu') }} as rg05,
        {{ ratio('tax_wan_yuan', 'land_mu') }} as rg06,
        100 * least({{ ratio('solid_waste_utilised_t', 'solid_waste_t') }}, 1.0) as rg07,
        {{ ratio('solid_waste_t', 'value_added_wan_yuan') }} as rg08,
        -- IG 基础设施绿色化
        {{ yes_no_value('has_wastewater_plant') }} as ig01,
        {{ yes_no_value('zero_discharge_zone') }} as ig02,
        100 * {{ ratio('green_building_area_wan_m2', 'new_building_area_wan_m2') }} as ig03,
        100 * {{ ratio('nev_buses_count', 'buses_count') }} as ig04,
        -- 100 ha = 1 km²
        {{ ratio('pv_capacity_mw', 'area_ha / 100') }} as ig05,
        -- CG 产业技术绿色化
        100 * {{ ratio('hightech_output_wan_yuan', 'gross_output_wan_yuan') }} as cg01,
        100 * {{ ratio('green_output_wan_yuan', 'gross_output_wan_yuan') }} as cg02,
        {{ ratio('value_added_wan_yuan', 'employees_persons') }} as cg03,
        -- HG 生态环境绿色化 (t × 1000 = kg)
        {{ ratio('cod_t * 1000', 'value_added_wan_yuan') }} as hg01,
        {{ ratio('nh3n_t * 1000', 'value_added_wan_yuan') }} as hg02,
        {{ ratio('so2_t * 1000', 'value_added_wan_yuan') }} as hg03,
        {{ ratio('nox_t * 1000', 'value_added_wan_yuan') }} as hg04,
        100 * least({{ ratio('hazardous_waste_treated_t', 'hazardous_waste_t') }}, 1.0) as hg05,
        100 * {{ ratio('clean_production_audited_count', 'key_enterprises_count') }} as hg06,
        100 * {{ ratio('green_area_ha', 'area_ha') }} as hg07,
        case
            when air_monitoring is null and soil_monitoring is null and groundwater_monitoring is null
            then null
            else cast(
                    coalesce(cast(air_monitoring as integer), 0)
                    + coalesce(cast(soil_monitoring as integer), 0)
                    + coalesce(cast(groundwater_monitoring as integer), 0) as double
                )
        end as hg08,
        -- MG 运行管理绿色化
        {{ yes_no_value('energy_monitoring_platform') }} as mg01,
        {{ yes_no_value('environment_monitoring_platform') }} as mg02,
        {{ yes_no_value('year - plan_year <= 5') }} as mg03,
        {{ yes_no_value('has_standard_system') }} as mg04,
        {{ yes_no_value('publishes_annual_report') }} as mg05,
        {{ yes_no_value('lan_publishing') }} as mg06
    from facts
),

long as (
    select *
    from wide
    unpivot include nulls (value for indicator_key in (
        eg01, eg02, eg03, eg04, eg05,
        rg01, rg02, rg03, rg04, rg05, rg06, rg07, rg08,
        ig01, ig02, ig03, ig04, ig05,
        cg01, cg02, cg03,
        hg01, hg02, hg03, hg04, hg05, hg06, hg07, hg08,
        mg01, mg02, mg03, mg04, mg05, mg06
    ))
)

select
    version_set_id,
    park_code,
    city_code,
    year,
    upper(indicator_key) as indicator_id,
    cast(value as double) as value,
    source_version_ids
from long
