-- City totals per year: flows summed over the city's parks, then intensities as ratios of sums.
with facts as (
    select * from {{ ref('int_park_year_facts') }}
    where version_set_id = 'current'
),

parks as (
    select
        park_code,
        city_code,
        city_name
    from {{ ref('dim_park') }}
),

city_totals as (
    select
        coalesce(parks.city_code, facts.city_code) as city_code,
        max(parks.city_name) as city_name,
        facts.year,
        {%- for col in park_year_flow_columns() %}
        sum(facts.{{ col }}) as {{ col }},
        {%- endfor %}
        count(distinct facts.park_code) as n_parks
    from facts
    left join parks using (park_code)
    group by 1, 3
)

select
    city_code,
    city_name,
    year,
    n_parks,
    {%- for col in park_year_flow_columns() %}
    {{ col }},
    {%- endfor %}
    {{ ratio('energy_tce', 'value_added_wan_yuan') }} as energy_intensity_tce_per_wan_yuan,
    {{ ratio('co2_t', 'value_added_wan_yuan') }} as co2_intensity_t_per_wan_yuan,
    {{ ratio('fresh_water_wan_m3 * 10000', 'value_added_wan_yuan') }} as water_intensity_m3_per_wan_yuan,
    {{ ratio('solid_waste_t', 'value_added_wan_yuan') }} as solid_waste_intensity_t_per_wan_yuan
from city_totals
