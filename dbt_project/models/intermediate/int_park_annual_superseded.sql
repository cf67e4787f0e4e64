-- Annual rows of accepted versions that a later version replaced (all of them, not deduplicated:
-- the revision comparison picks the winning quarter within each version set).
{{ config(materialized='view') }}

with park_annual as (
    select * from {{ ref('stg_park_annual') }}
),

superseded_versions as (
    select version_id
    from {{ ref('stg_submission_versions') }}
    where is_accepted and not in_force
)

select park_annual.*
from park_annual
inner join superseded_versions using (version_id)
