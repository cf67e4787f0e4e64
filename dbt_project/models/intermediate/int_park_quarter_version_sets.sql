-- Staged park-quarter rows per version set ('current' = exactly int_park_quarter_in_force).
with version_sets as (
    select
        version_set_id,
        version_id
    from {{ ref('int_version_sets') }}
),

accepted_rows as (
    select * from {{ ref('int_park_quarter_in_force') }}
    union all
    select * from {{ ref('int_park_quarter_superseded') }}
)

select
    version_sets.version_set_id,
    accepted_rows.*
from version_sets
inner join accepted_rows using (version_id)
