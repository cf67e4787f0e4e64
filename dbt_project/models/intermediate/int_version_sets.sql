-- Which submission version stands for each city-quarter in each "version set".
-- 'current' is every version in force. Each superseded accepted version v also gets a set of its
-- own: v for its city-quarter plus the versions in force for the other quarters of that city-year,
-- i.e. the figures as they stood with v (used to measure what a later version revised).
with versions as (
    select * from {{ ref('stg_submission_versions') }}
),

in_force as (
    select
        city_code,
        year,
        quarter,
        version_id
    from versions
    where in_force
),

superseded as (
    select
        city_code,
        year,
        quarter,
        version_id
    from versions
    where is_accepted and not in_force
),

current_set as (
    select
        'current' as version_set_id,
        city_code,
        year,
        quarter,
        version_id
    from in_force
),

superseded_own_quarter as (
    select
        version_id as version_set_id,
        city_code,
        year,
        quarter,
        version_id
    from superseded
),

superseded_other_quarters as (
    select
        s.version_id as version_set_id,
        f.city_code,
        f.year,
        f.quarter,
        f.version_id
    from superseded as s
    inner join in_force as f
        on s.city_code = f.city_code
        and s.year = f.year
        and s.quarter <> f.quarter
)

select * from current_set
union all
select * from superseded_own_quarter
union all
select * from superseded_other_quarters
