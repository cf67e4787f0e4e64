-- 园区季度指标 rows of every accepted version (the intake loads nothing for a rejected one):
-- contract columns renamed with their unit suffixes and typed, nothing filtered.
with source as (
    select * from {{ source('intake', 'raw_park_quarter') }}
),

renamed as (
    select
        {{ staged_columns(park_quarter_measures(), 'source', text_columns=['park_name']) }}
    from source
)

select * from renamed
