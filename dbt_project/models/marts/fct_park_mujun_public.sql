-- Public 亩均 summary: enterprises per park-year and class, with counts below the seed's
-- suppress_below_enterprises (3) suppressed (n_enterprises and share_pct NULL), so no published cell
-- describes fewer enterprises than that (primary suppression). n_enterprises_total, the park-year's
-- scored enterprises, lets greenpark.publish.disclosure choose the complementary cells; it is NULL
-- when it is itself below the threshold.
with enterprises as (
    select
        park_code,
        year,
        mujun_class
    from {{ ref('fct_enterprise_mujun') }}
),

classes as (
    select mujun_class from {{ ref('mujun_class_cutoffs') }}
),

park_years as (
    select
        park_code,
        year,
        count(*) as n_total
    from enterprises
    group by park_code, year
),

counts as (
    select
        park_years.park_code,
        park_years.year,
        classes.mujun_class,
        park_years.n_total,
        count(enterprises.mujun_class) as n_enterprises
    from park_years
    cross join classes
    left join enterprises
        on park_years.park_code = enterprises.park_code
        and park_years.year = enterprises.year
        and classes.mujun_class = enterprises.mujun_class
    group by all
),

flagged as (
    select
        *,
        n_enterprises < {{ threshold('suppress_below_enterprises', 'counts.year') }} as is_suppressed
    from counts
)

select
    park_code,
    year,
    mujun_class,
    case when not is_suppressed then n_enterprises end as n_enterprises,
    case when not is_suppressed then 100.0 * n_enterprises / n_total end as share_pct,
    is_suppressed,
    case
        when n_total >= {{ threshold('suppress_below_enterprises', 'flagged.year') }} then n_total
    end as n_enterprises_total
from flagged
