-- The indicator catalogue (示例 baselines, leading values and weights) with its dimension.
with catalogue as (
    select * from {{ ref('indicator_catalogue') }}
),

dimensions as (
    select * from {{ ref('dimensions') }}
)

select
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
left join dimensions using (dimension_code)
