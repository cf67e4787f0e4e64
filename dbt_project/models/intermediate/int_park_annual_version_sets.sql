-- Annual rows per version set, latest quarter of the set wins ('current' = int_park_annual_in_force).
-- In-force candidates come from int_park_annual_in_force, already reduced to their winner: a superseded
-- version that lacks a park's annual row while the in-force version of the same quarter had it
-- then leaves that park's annual facts empty in the superseded set (simplification, rare).
with version_sets as (
    select
        version_set_id,
        version_id
    from {{ ref('int_version_sets') }}
),

candidates as (
    select * from {{ ref('int_park_annual_in_force') }}
    union all
    select * from {{ ref('int_park_annual_superseded') }}
),

per_set as (
    select
        version_sets.version_set_id,
        candidates.*
    from version_sets
    inner join candidates using (version_id)
)

select *
from per_set
qualify row_number() over (
        partition by version_set_id, park_code, year
        order by quarter desc, version_id desc, source_row asc
    ) = 1
