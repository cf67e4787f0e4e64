-- Editions of the 评价导则 never overlap and leave no gap: every year from the first edition on is
-- scored under exactly one edition.
with editions as (
    select
        edition_id,
        valid_from_year,
        valid_to_year,
        lead(valid_from_year) over (order by valid_from_year) as next_from_year
    from {{ ref('evaluation_editions') }}
)

select *
from editions
where (next_from_year is not null and valid_to_year is distinct from next_from_year - 1)
    or valid_to_year < valid_from_year
