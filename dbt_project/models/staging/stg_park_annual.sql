-- One row per park-year: of the versions in force, the annual row of the latest quarter wins
-- (the sheet is required in Q4 and optional earlier).
with versions_in_force as (
    select version_id
    from {{ source('intake', 'submission_versions') }}
    where in_force
),

park_annual as (
    select
        {{ staged_columns(park_annual_measures(), 'raw') }}
    from {{ source('intake', 'raw_park_annual') }} as raw
    inner join versions_in_force using (version_id)
),

latest_quarter_wins as (
    select *
    from park_annual
    qualify row_number() over (
        partition by park_code, year
        order by quarter desc, version_id desc, source_row
    ) = 1
)

select * from latest_quarter_wins
