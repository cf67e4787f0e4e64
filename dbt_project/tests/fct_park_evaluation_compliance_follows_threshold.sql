-- 达标, recomputed from what the mart is built from rather than from its own columns: the
-- indicator scores (fct_park_indicators), the threshold and edition seeds read directly (the
-- threshold of the 评价导则 edition in force for each year), the park level
-- (dim_park), the quarters accepted and the incidents over three years (int_park_year_facts) and
-- the clean-production indicator HG06. A wrong total, a wrong 必要条件 or a wrong comparison in
-- fct_park_evaluation shows up here as a row.
with min_score as (
    select
        y.year,
        t.value
    from (select distinct year from {{ ref('int_park_year_facts') }}) as y
    inner join {{ ref('evaluation_editions') }} as ed
        on y.year >= ed.valid_from_year and (ed.valid_to_year is null or y.year <= ed.valid_to_year)
    inner join {{ ref('evaluation_thresholds') }} as t
        on ed.edition_id = t.edition_id and t.threshold_id = 'compliant_min_score'
),

facts as (
    select * from {{ ref('int_park_year_facts') }}
    where version_set_id = 'current'
),

scores as (
    select
        park_code,
        year,
        sum(score_points) as total,
        max(case when indicator_id = 'HG06' then value end) as clean_production_pct
    from {{ ref('fct_park_indicators') }}
    group by park_code, year
),

expected as (
    select
        f.park_code,
        f.year,
        s.total,
        s.total >= (
            select m.value from min_score as m
            where m.year = f.year
        )
        and coalesce(
            (
                select p.level from {{ ref('dim_park') }} as p
                where p.park_code = f.park_code
            )
            in ('省级', '国家级'), false
        )
        and f.major_accidents_count is not null
        and f.pollution_incidents_count is not null
        and not exists (
            select 1 from facts as w
            where w.park_code = f.park_code
                and w.year between f.year - 2 and f.year
                and (w.major_accidents_count > 0 or w.pollution_incidents_count > 0)
        )
        and f.quarters_accepted = 4
        and coalesce(s.clean_production_pct >= 100, false) as is_compliant
    from facts as f
    inner join scores as s using (park_code, year)
)

select
    e.park_code,
    e.year,
    e.is_compliant,
    x.is_compliant as expected_compliant,
    x.total
from {{ ref('fct_park_evaluation') }} as e
full outer join expected as x using (park_code, year)
where e.is_compliant is distinct from x.is_compliant
    -- a total within rounding of the threshold may fall either way (sums in another order)
    and coalesce(abs(x.total - (
        select m.value from min_score as m
        where m.year = x.year
    )) > 1e-9, true)
