-- Park-quarter rows of accepted versions that a later version replaced. Never used for current
-- figures: they only feed the revision comparison (fct_revisions).
{{ config(materialized='view') }}

with park_quarter as (
    select * from {{ ref('stg_park_quarter') }}
),

superseded_versions as (
    select version_id
    from {{ ref('stg_submission_versions') }}
    where is_accepted and not in_force
)

select park_quarter.*
from park_quarter
inner join superseded_versions using (version_id)
