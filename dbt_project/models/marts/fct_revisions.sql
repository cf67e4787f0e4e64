-- Indicator values changed by a later accepted version: for each pair of consecutive accepted
-- versions of a city-quarter, the park-year indicators computed with the earlier version (other
-- quarters as in force) against those computed with the later one. One row per changed value.
with versions as (
    select * from {{ ref('stg_submission_versions') }}
    where is_accepted
),

consecutive as (
    select
        version_id,
        city_code,
        year,
        quarter,
        lead(version_id) over w as next_version_id,
        lead(in_force) over w as next_in_force
    from versions
    window w as (partition by city_code, year, quarter order by version_no)
),

pairs as (
    select
        city_code,
        year,
        quarter,
        version_id as superseded_version_id,
        next_version_id as replacing_version_id,
        version_id as old_set_id,
        case when next_in_force then 'current' else next_version_id end as new_set_id
    from consecutive
    where next_version_id is not null
),

indicator_values as (
    select * from {{ ref('int_park_indicator_values') }}
),

old_side as (
    select
        pairs.*,
        v.park_code,
        v.indicator_id,
        v.value,
        v.source_version_ids
    from pairs
    inner join indicator_values as v
        on pairs.old_set_id = v.version_set_id
        and pairs.city_code = v.city_code
        and pairs.year = v.year
),

new_side as (
    select
        pairs.*,
        v.park_code,
        v.indicator_id,
        v.value,
        v.source_version_ids
    from pairs
    inner join indicator_values as v
        on pairs.new_set_id = v.version_set_id
        and pairs.city_code = v.city_code
        and pairs.year = v.year
),

compared as (
    select
        city_code,
        year,
        quarter,
        superseded_version_id,
        replacing_version_id,
        park_code,
        indicator_id,
        old_side.value as old_value,
        new_side.value as new_value,
        old_side.source_version_ids as old_version_ids,
        new_side.source_version_ids as new_version_ids
    from old_side
    full outer join new_side
        using (city_code, year, quarter, superseded_version_id, replacing_version_id, park_code, indicator_id)
)

select
    park_code,
    year,
    indicator_id,
    old_value,
    new_value,
    old_version_ids,
    new_version_ids,
    100 * (new_value - old_value) / nullif(abs(old_value), 0) as change_pct,
    city_code,
    quarter as revised_quarter,
    superseded_version_id,
    replacing_version_id
from compared
-- The same inputs give bit-identical values, but a changed summand order can move the last bits:
-- changes below 1e-9 relative are not revisions.
where (old_value is null) <> (new_value is null)
    or abs(new_value - old_value) > 1e-9 * greatest(abs(old_value), abs(new_value))
