-- 综合评价 per park-year: dimension scores, total, 必要条件 B1–B4, 达标 and ranks.
with indicators as (
    select * from {{ ref('fct_park_indicators') }}
),

facts as (
    select * from {{ ref('int_park_year_facts') }}
    where version_set_id = 'current'
),

parks as (
    select
        park_code,
        city_code,
        level
    from {{ ref('dim_park') }}
),

dimension_scores as (
    select
        park_code,
        year,
        {%- for dim in ['EG', 'RG', 'IG', 'CG', 'HG', 'MG'] %}
        sum(case when dimension_code = '{{ dim }}' then score_points else 0 end) as score_{{ dim | lower }},
        {%- endfor %}
        max(case when indicator_id = 'HG06' then value end) as clean_production_audit_pct,
        any_value(edition_id) as edition_id
    from indicators
    group by park_code, year
),

incidents as (
    -- B2 looks at the year and the two before: any accident or incident reported there fails it.
    -- b2_detail_zh names the case, so a reader can tell an accident from a blank field.
    select
        f.park_code,
        f.year,
        f.major_accidents_count is not null and f.pollution_incidents_count is not null
            as incidents_reported,
        sum(coalesce(w.major_accidents_count, 0) + coalesce(w.pollution_incidents_count, 0))
            as incidents_in_window,
        string_agg(
            concat_ws(
                '、',
                case when w.major_accidents_count > 0
                    then w.year || ' 年重大安全事故 ' || w.major_accidents_count || ' 起'
                end,
                case when w.pollution_incidents_count > 0
                    then w.year || ' 年突发环境污染事件 ' || w.pollution_incidents_count || ' 起'
                end
            ),
            '；' order by w.year
        ) filter (where w.major_accidents_count > 0 or w.pollution_incidents_count > 0) as incidents_zh
    from facts as f
    inner join facts as w
        on f.park_code = w.park_code
        and w.year between f.year - 2 and f.year
    group by f.park_code, f.year, f.major_accidents_count, f.pollution_incidents_count
),

conditions as (
    select
        d.*,
        d.score_eg + d.score_rg + d.score_ig + d.score_cg + d.score_hg + d.score_mg as total_score,
        coalesce(p.level in ('省级', '国家级'), false) as b1_level_ok,
        coalesce(i.incidents_reported and i.incidents_in_window = 0, false) as b2_no_incidents,
        case
            when i.incidents_zh is not null then i.incidents_zh
            when not coalesce(i.incidents_reported, false) then d.year || ' 年未填报'
            else (d.year - 2) || '–' || d.year || ' 年无'
        end as b2_detail_zh,
        f.quarters_accepted = 4 as b3_four_quarters,
        coalesce(d.clean_production_audit_pct >= 100, false) as b4_clean_production,
        f.quarters_accepted,
        f.source_version_ids,
        coalesce(p.city_code, f.city_code) as city_code
    from dimension_scores as d
    inner join facts as f using (park_code, year)
    left join parks as p using (park_code)
    left join incidents as i using (park_code, year)
),

evaluated as (
    select
        *,
        b1_level_ok and b2_no_incidents and b3_four_quarters and b4_clean_production
            as necessary_conditions_met,
        concat_ws(
            ';',
            case when not b1_level_ok then 'B1 园区级别非省级及以上' end,
            case when not b2_no_incidents then 'B2 重大安全事故和突发环境污染事件:' || b2_detail_zh end,
            case when not b3_four_quarters then 'B3 当年四个季度数据未全部接收' end,
            case when not b4_clean_production then 'B4 重点企业清洁生产审核实施率未达 100%' end
        ) as failed_conditions_zh
    from conditions
)

select
    park_code,
    year,
    city_code,
    score_eg,
    score_rg,
    score_ig,
    score_cg,
    score_hg,
    score_mg,
    total_score,
    b1_level_ok,
    b2_no_incidents,
    b2_detail_zh,
    b3_four_quarters,
    b4_clean_production,
    necessary_conditions_met,
    failed_conditions_zh,
    total_score >= {{ threshold('compliant_min_score', 'year') }} and necessary_conditions_met as is_compliant,
    row_number() over (partition by city_code, year order by total_score desc, park_code asc) as rank_in_city,
    row_number() over (partition by year order by total_score desc, park_code asc) as rank_in_province,
    quarters_accepted,
    source_version_ids,
    edition_id
from evaluated
