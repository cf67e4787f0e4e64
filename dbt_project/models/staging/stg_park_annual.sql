-- 园区年度信息 rows of every accepted version (any quarter's file may carry them): contract
-- columns renamed with their unit suffixes and typed, nothing filtered.
with source as (
    select * from {{ source('intake', 'raw_park_annual') }}
),

renamed as (
    select
        {{ staged_columns(park_annual_measures(), 'source') }}
    from source
)

select * from renamed
