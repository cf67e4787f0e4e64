-- One row per enterprise-quarter (confidential) from the version in force of each city-quarter.
{{ config(materialized='view') }}

with enterprise_quarter as (
    select * from {{ ref('stg_enterprise_quarter') }}
),

versions_in_force as (
    select version_id
    from {{ ref('stg_submission_versions') }}
    where in_force
)

select enterprise_quarter.*
from enterprise_quarter
inner join versions_in_force using (version_id)
