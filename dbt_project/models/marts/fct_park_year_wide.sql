-- depends_on: {{ ref('indicator_catalogue') }}
-- One row per park-year: annual facts (unit suffixes), one column per indicator, total and 达标.
-- Indicator columns are named by indicator_catalogue.wide_column (e.g. eg01_tce_per_wan_yuan).
with facts as (
    select * from {{ ref('int_park_year_facts') }}
    where version_set_id = 'current'
),

indicators as (
    select
        park_code,
        year,
        indicator_id,
        value
    from {{ ref('fct_park_indicators') }}
),

pivoted as (
    select
        park_code,
        year,
        {%- for indicator_id, wide_column in indicator_wide_columns() %}
        max(case when indicator_id = '{{ indicator_id }}' then value end) as {{ wide_column }},
        {%- endfor %}
        count(*) as n_indicators
    from indicators
    group by park_code, year
),

evaluation as (
    select
        park_code,
        year,
        total_score,
        is_compliant
    from {{ ref('fct_park_evaluation') }}
)

select
    -- EXCLUDE takes the bare names of the star's own columns
    facts.* exclude (version_set_id),  -- noqa: RF02
    pivoted.* exclude (park_code, year),
    evaluation.total_score,
    evaluation.is_compliant
from facts
left join pivoted using (park_code, year)
left join evaluation using (park_code, year)
