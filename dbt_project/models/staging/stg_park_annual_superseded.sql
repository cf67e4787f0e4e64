-- Annual rows of accepted versions that a later version replaced (all of them, not deduplicated:
-- the revision comparison picks the winning quarter within each version set).
with superseded_versions as (
    select version_id
    from {{ source('intake', 'submission_versions') }}
    where status in ('已接收', '已接收但有警告')
      and not coalesce(in_force, false)
),

park_annual as (
    select
        {{ staged_columns(park_annual_measures(), 'raw') }}
    from {{ source('intake', 'raw_park_annual') }} as raw
    inner join superseded_versions using (version_id)
)

select * from park_annual
