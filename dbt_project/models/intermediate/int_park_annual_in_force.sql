-- One row per park-year: of the versions in force, the annual row of the latest quarter wins
-- (the sheet is required in Q4 and optional earlier).
{{ config(materialized='view') }}

with park_annual as (
    select * from {{ ref('stg_park_annual') }}
),

versions_in_force as (
    select version_id
    from {{ ref('stg_submission_versions') }}
    where in_force
),

in_force as (
    select park_annual.*
    from park_annual
    inner join versions_in_force using (version_id)
)

select *
from in_force
qualify row_number() over (
        partition by park_code, year
        order by quarter desc, version_id desc, source_row asc
    ) = 1
