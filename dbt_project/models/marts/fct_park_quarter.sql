-- Quarterly facts and intensities per park (current versions), for the report's trend charts.
with quarters as (
    select * from {{ ref('int_park_quarter_energy') }}
    where version_set_id = 'current'
)

select
    park_code,
    year,
    quarter,
    city_code,
    version_id,
    value_added_wan_yuan,
    energy_tce,
    co2_t,
    fresh_water_wan_m3,
    solid_waste_t,
    electricity_wan_kwh,
    renewable_electricity_wan_kwh,
    grid_factor_year,
    grid_factor_is_fallback,
    {{ ratio('energy_tce', 'value_added_wan_yuan') }} as energy_intensity_tce_per_wan_yuan,
    {{ ratio('co2_t', 'value_added_wan_yuan') }} as co2_intensity_t_per_wan_yuan,
    {{ ratio('fresh_water_wan_m3 * 10000', 'value_added_wan_yuan') }} as water_intensity_m3_per_wan_yuan,
    {{ ratio('solid_waste_t', 'value_added_wan_yuan') }} as solid_waste_intensity_t_per_wan_yuan
from quarters
