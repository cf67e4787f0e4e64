-- The indicator catalogue of the current edition of the 评价导则 (示例): one row per indicator,
-- as the site has always read it. "Current" is the edition in force for the latest year with
-- data (valid_from_year <= year <= valid_to_year, open-ended when empty; before any data, the
-- latest edition), so an edition announced for future years changes nothing the site shows for
-- published years, and neither does a closed edition. Every edition: dim_indicator_edition.
with editions as (
    select * from {{ ref('dim_indicator_edition') }}
),

latest_year as (
    select max(year) as year from {{ ref('int_park_year_facts') }}
    where version_set_id = 'current'
),

all_editions as (
    select * from {{ ref('evaluation_editions') }}
),

-- The latest year with data; before any data, the first year of the latest edition.
reference_year as (
    select coalesce(max(latest_year.year), max(all_editions.valid_from_year)) as year
    from latest_year
    cross join all_editions
),

current_edition as (
    select all_editions.edition_id
    from all_editions
    cross join reference_year
    where
        all_editions.valid_from_year <= reference_year.year
        and reference_year.year <= coalesce(all_editions.valid_to_year, 9999)
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
