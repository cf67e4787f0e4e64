-- The indicator catalogue of the current edition of the 评价导则 (示例): one row per indicator,
-- as the site has always read it. "Current" is the edition in force for the latest year with
-- data (the latest edition before any data), so an edition announced for future years changes
-- nothing the site shows for published years. Every edition: dim_indicator_edition.
with editions as (
    select * from {{ ref('dim_indicator_edition') }}
),

latest_year as (
    select max(year) as year from {{ ref('int_park_year_facts') }}
    where version_set_id = 'current'
),

current_edition as (
    select arg_max(editions.edition_id, editions.valid_from_year) as edition_id
    from {{ ref('evaluation_editions') }} as editions
    cross join latest_year
    where editions.valid_from_year <= coalesce(latest_year.year, 9999)
)

select
    editions.indicator_id,
    editions.indicator_name,
    editions.dimension_code,
    editions.dimension_name,
    editions.dimension_max_points,
    editions.unit,
    editions.formula_text,
    editions.direction,
    editions.baseline,
    editions."leading",
    editions.weight,
    editions.is_boolean,
    editions.wide_column,
    editions.sort_order,
    editions.source,
    editions.edition_id,
    editions.edition_name,
    editions.valid_from_year,
    editions.valid_to_year,
    editions.is_example
from editions
inner join current_edition using (edition_id)
