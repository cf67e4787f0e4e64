-- One row per park-year and version set: flows summed over the quarters present, stocks at the
-- latest quarter present (Q4 when the year is complete), the annual sheet, and provenance.
{%- set flow_columns = park_year_flow_columns()
    + ['co2_fuel_heat_t', 'co2_electricity_t', 'waste_heat_recovered_tce'] %}
{%- set stock_columns = [] %}
{%- for m in park_quarter_measures() if m.kind == 'stock' %}{% do stock_columns.append(m.name) %}{% endfor %}
with park_quarter as (
    select * from {{ ref('int_park_quarter_energy') }}
),

flows as (
    select
        version_set_id,
        park_code,
        year,
        {%- for col in flow_columns %}
        sum({{ col }}) as {{ col }},
        {%- endfor %}
        count(distinct quarter) as quarters_accepted,
        max(quarter) as latest_quarter,
        bool_or(grid_factor_is_fallback) as grid_factor_is_fallback,
        max(grid_factor_year) as grid_factor_year
    from park_quarter
    group by version_set_id, park_code, year
),

stocks_at_latest_quarter as (
    select
        version_set_id,
        park_code,
        year,
        {%- for col in stock_columns %}
        {{ col }},
        {%- endfor %}
        city_code,
        park_name
    from park_quarter
    qualify row_number() over (
            partition by version_set_id, park_code, year
            order by quarter desc
        ) = 1
),

annual as (
    select * from {{ ref('int_park_annual_version_sets') }}
),

source_versions as (
    select
        version_set_id,
        park_code,
        year,
        string_agg(distinct version_id, ',' order by version_id) as source_version_ids
    from (
        select
            version_set_id,
            park_code,
            year,
            version_id
        from park_quarter
        union all
        select
            version_set_id,
            park_code,
            year,
            version_id
        from annual
    ) as version_rows
    group by version_set_id, park_code, year
)

select
    flows.version_set_id,
    flows.park_code,
    flows.year,
    stocks_at_latest_quarter.city_code,
    stocks_at_latest_quarter.park_name,
    flows.quarters_accepted,
    flows.quarters_accepted = 4 as is_complete,
    flows.latest_quarter,
    flows.grid_factor_is_fallback,
    flows.grid_factor_year,
    {%- for col in flow_columns %}
    flows.{{ col }},
    {%- endfor %}
    {%- for col in stock_columns %}
    stocks_at_latest_quarter.{{ col }},
    {%- endfor %}
    annual.quarter as annual_info_quarter,
    annual.version_id as annual_info_version_id,
    {%- for m in park_annual_measures() %}
    annual.{{ m.name }},
    {%- endfor %}
    source_versions.source_version_ids
from flows
inner join stocks_at_latest_quarter using (version_set_id, park_code, year)
left join annual using (version_set_id, park_code, year)
left join source_versions using (version_set_id, park_code, year)
