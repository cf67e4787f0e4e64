-- One row per park-quarter from the version in force of each city-quarter: the rows every
-- current figure is computed from.
{{ config(materialized='view') }}

with park_quarter as (
    select * from {{ ref('stg_park_quarter') }}
),

versions_in_force as (
    select version_id
    from {{ ref('stg_submission_versions') }}
    where in_force
)

select park_quarter.*
from park_quarter
inner join versions_in_force using (version_id)
