-- Park-quarter rows of accepted versions that a later version replaced. Never used for current
-- figures: they only feed the revision comparison (fct_revisions).
with superseded_versions as (
    select version_id
    from {{ source('intake', 'submission_versions') }}
    where status in ('已接收', '已接收但有警告')
      and not coalesce(in_force, false)
),

park_quarter as (
    select
        {{ staged_columns(park_quarter_measures(), 'raw', text_columns=['park_name']) }}
    from {{ source('intake', 'raw_park_quarter') }} as raw
    inner join superseded_versions using (version_id)
)

select * from park_quarter
