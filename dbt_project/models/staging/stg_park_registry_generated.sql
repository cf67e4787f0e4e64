-- Parks the demo generator adds for benchmark sizes (may be empty), as the intake wrote them.
with source as (
    select * from {{ source('intake', 'raw_park_registry_generated') }}
),

renamed as (
    select
        park_code,
        park_name,
        city_code,
        city_name,
        level,
        park_type
    from source
)

select * from renamed
