-- One row per park-year: of the versions in force, the annual row of the latest quarter wins
-- (the sheet is required in Q4 and optional earlier).
{{ config(materialized='view') }}

with in_force as (
    {{ rows_of_versions('stg_park_annual', 'in_force') }}
)

select *
from in_force
qualify row_number() over (
        partition by park_code, year
        order by quarter desc, version_id desc, source_row asc
    ) = 1
