-- The indicator catalogue of every edition of the 评价导则: one row per indicator per edition,
-- with the years the edition is in force (示例 baselines, leading values and weights). A year is
-- scored with the rows whose edition covers it (fct_park_indicators).
with catalogue as (
    select * from {{ ref('indicator_catalogue') }}
),

editions as (
    select * from {{ ref('evaluation_editions') }}
),

dimensions as (
    select * from {{ ref('dimensions') }}
)

select
    catalogue.edition_id,
    editions.edition_name,
    editions.valid_from_year,
    editions.valid_to_year,
    editions.is_example,
    catalogue.indicator_id,
    catalogue.indicator_name,
    catalogue.dimension_code,
    dimensions.dimension_name,
    dimensions.max_points as dimension_max_points,
    catalogue.unit,
    catalogue.formula_text,
    catalogue.direction,
    catalogue.baseline,
    catalogue."leading",
    catalogue.weight,
    catalogue.is_boolean,
    catalogue.wide_column,
    catalogue.sort_order,
    catalogue.source
from catalogue
inner join editions using (edition_id)
left join dimensions using (dimension_code)
