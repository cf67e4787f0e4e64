-- In every edition of the 评价导则 the indicator weights of a dimension add up to the dimension's
-- maximum points (total 100), so no edition silently changes the scale of the total score.
select
    catalogue.edition_id,
    catalogue.dimension_code,
    sum(catalogue.weight) as weights,
    any_value(d.max_points) as max_points
from {{ ref('indicator_catalogue') }} as catalogue
inner join {{ ref('dimensions') }} as d using (dimension_code)
group by catalogue.edition_id, catalogue.dimension_code
having abs(sum(catalogue.weight) - any_value(d.max_points)) > 1e-9
