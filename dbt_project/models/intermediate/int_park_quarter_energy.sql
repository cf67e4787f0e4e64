-- Energy (tce) and CO2 (t) per park-quarter and version set.
-- Fuel, heat and electricity coefficients come from the energy_factors seed (valid for the year);
-- electricity CO2 uses the grid factor of the year, else the latest earlier year, else the
-- earliest later year, flagged by grid_factor_is_fallback.
with park_quarter as (
    select * from {{ ref('int_park_quarter_version_sets') }}
),

data_years as (
    select distinct year from park_quarter
),

energy_factors as (
    select * from {{ ref('energy_factors') }}
),

factors_by_year as (
    select
        y.year,
        {%- for carrier in ['raw_coal', 'natural_gas', 'fuel_oil', 'diesel', 'gasoline', 'lpg', 'heat',
                            'electricity'] %}
        max(case when f.carrier = '{{ carrier }}' then f.tce_per_unit end) as {{ carrier }}_tce_per_unit,
        {%- if carrier != 'electricity' %}
        max(case when f.carrier = '{{ carrier }}' then f.tco2_per_unit end) as {{ carrier }}_tco2_per_unit,
        {%- endif %}
        {%- endfor %}
        count(*) as n_factor_rows
    from data_years as y
    inner join energy_factors as f
        on y.year >= coalesce(f.valid_from_year, y.year)
        and y.year <= coalesce(f.valid_to_year, y.year)
    group by y.year
),

grid_candidates as (
    select
        y.year,
        g.year as grid_factor_year,
        g.tco2_per_mwh,
        row_number() over (
            partition by y.year
            order by
                case when g.year <= y.year then 0 else 1 end,
                case when g.year <= y.year then -g.year else g.year end
        ) as preference
    from data_years as y
    cross join {{ ref('grid_emission_factors') }} as g
),

grid_factor as (
    select
        year,
        grid_factor_year,
        tco2_per_mwh as grid_tco2_per_mwh,
        grid_factor_year <> year as grid_factor_is_fallback
    from grid_candidates
    where preference = 1
),

converted as (
    select
        q.*,
        q.raw_coal_t * f.raw_coal_tce_per_unit
        + q.natural_gas_wan_m3 * f.natural_gas_tce_per_unit
        + q.fuel_oil_t * f.fuel_oil_tce_per_unit
        + q.diesel_t * f.diesel_tce_per_unit
        + q.gasoline_t * f.gasoline_tce_per_unit
        + q.lpg_t * f.lpg_tce_per_unit
        + q.purchased_heat_gj * f.heat_tce_per_unit
        + q.electricity_wan_kwh * f.electricity_tce_per_unit
            as energy_tce,
        q.raw_coal_t * f.raw_coal_tco2_per_unit
        + q.natural_gas_wan_m3 * f.natural_gas_tco2_per_unit
        + q.fuel_oil_t * f.fuel_oil_tco2_per_unit
        + q.diesel_t * f.diesel_tco2_per_unit
        + q.gasoline_t * f.gasoline_tco2_per_unit
        + q.lpg_t * f.lpg_tco2_per_unit
        + q.purchased_heat_gj * f.heat_tco2_per_unit
            as co2_fuel_heat_t,
        -- 1 万kWh = 10 MWh; self-consumed renewable electricity carries no grid emissions.
        (q.electricity_wan_kwh - q.renewable_electricity_wan_kwh) * g.grid_tco2_per_mwh * 10
            as co2_electricity_t,
        q.waste_heat_recovered_gj * f.heat_tce_per_unit as waste_heat_recovered_tce,
        g.grid_tco2_per_mwh,
        g.grid_factor_year,
        g.grid_factor_is_fallback
    from park_quarter as q
    left join factors_by_year as f using (year)
    left join grid_factor as g using (year)
)

select
    *,
    co2_fuel_heat_t + co2_electricity_t as co2_t
from converted
