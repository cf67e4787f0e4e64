-- One row per park-quarter from the version in force of each city-quarter.
with versions_in_force as (
    select version_id
    from {{ source('intake', 'submission_versions') }}
    where in_force
),

park_quarter as (
    select
        {{ staged_columns(park_quarter_measures(), 'raw', text_columns=['park_name']) }}
    from {{ source('intake', 'raw_park_quarter') }} as raw
    inner join versions_in_force using (version_id)
)

select * from park_quarter
