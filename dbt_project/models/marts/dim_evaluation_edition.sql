-- The editions of the 评价导则 (示例) and the years each is in force, with what changed against
-- the previous edition: the methodology page states which edition scored which year.
select
    edition_id,
    edition_name,
    valid_from_year,
    valid_to_year,
    is_example,
    changes_zh,
    lag(edition_id) over (order by valid_from_year) as previous_edition_id,
    source
from {{ ref('evaluation_editions') }}
