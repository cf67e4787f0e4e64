-- 动态管理 flags per park-year, each with its reason in Chinese (the recorded decisions themselves:
-- fct_park_decisions).
-- 复查到期 (every review cycle after designation) / 预警 / 建议撤销认定 concern parks designated (and not revoked) by that year;
-- 建议现场核查 concerns every park.
with parks as (
    select * from {{ ref('dim_park') }}
),

years as (
    select distinct year from {{ ref('int_park_year_facts') }}
    where version_set_id = 'current'
),

designated as (
    -- the years a designation spell covers (revoked in year R: not designated from R on;
    -- restored in year S: designated again from S on)
    select
        spells.park_code,
        spells.designation_batch_year,
        years.year
    from {{ ref('int_park_designation_spells') }} as spells
    inner join years
        on spells.from_year <= years.year
        and (spells.to_year_exclusive is null or spells.to_year_exclusive > years.year)
),

evaluation as (
    select * from {{ ref('fct_park_evaluation') }}
),

reviews as (
    -- 复查 recorded with `greenpark designations review`, latest per park-year (one whole row, so
    -- its date and outcome come from the same review)
    select
        park_code,
        year(decision_date) as year,
        decision_date as review_date,
        outcome as review_outcome
    from {{ ref('int_park_decisions') }}
    where decision_type = 'review'
    qualify row_number() over (
            partition by park_code, year(decision_date) order by decision_date desc, decision_id desc nulls last
        ) = 1
),

review_due as (
    select
        designated.park_code,
        designated.year,
        'REVIEW_DUE' as flag_code,
        '复查到期' as flag_zh,
        designated.designation_batch_year || ' 年认定,' || designated.year || ' 年满 '
        || (designated.year - designated.designation_batch_year)
        || ' 年(每 ' || {{ threshold_text('review_after_years', 'designated.year') }} || ' 年一次),应开展复查'
        || coalesce(';已于 ' || strftime(reviews.review_date, '%Y-%m-%d') || ' 复查,结论:' || reviews.review_outcome, '')
            as reason_zh
    from designated
    left join reviews
        on designated.park_code = reviews.park_code
        and designated.year = reviews.year
    -- every review cycle (3, 6, 9 … years after designation), not only the first
    where designated.year > designated.designation_batch_year
        and (designated.year - designated.designation_batch_year)
        % {{ threshold('review_after_years', 'designated.year') }} = 0
),

warning as (
    select
        e.park_code,
        e.year,
        'WARNING' as flag_code,
        '预警' as flag_zh,
        '综合评价得分 ' || printf('%.1f', e.total_score) || ' 分,低于 '
        || {{ threshold_text('warning_below_score', 'e.year') }} || ' 分' as reason_zh
    from evaluation as e
    inner join designated using (park_code, year)
    where e.total_score < {{ threshold('warning_below_score', 'e.year') }}
),

revocation as (
    select
        e.park_code,
        e.year,
        'REVOCATION_SUGGESTED' as flag_code,
        '建议撤销认定' as flag_zh,
        concat_ws(
            ';',
            case when e.total_score < {{ threshold('revoke_below_score', 'e.year') }}
                then '综合评价得分 ' || printf('%.1f', e.total_score) || ' 分,低于 '
                    || {{ threshold_text('revoke_below_score', 'e.year') }} || ' 分'
            end,
            case when not e.b2_no_incidents
                then '不满足必要条件 B2(重大安全事故和突发环境污染事件:' || e.b2_detail_zh || ')'
            end
        ) as reason_zh
    from evaluation as e
    inner join designated using (park_code, year)
    where e.total_score < {{ threshold('revoke_below_score', 'e.year') }} or not e.b2_no_incidents
),

large_revisions as (
    select
        park_code,
        year,
        string_agg(
            indicator_id || ' 修订 ' || printf('%+.1f', change_pct) || '%(' || superseded_version_id
            || ' → ' || replacing_version_id || ')',
            ';' order by indicator_id, superseded_version_id
        ) as detail
    from {{ ref('fct_revisions') }}
    where abs(change_pct) > {{ threshold('revision_site_check_pct', 'year') }}
    group by park_code, year
),

versions as (
    select
        *,
        lag(is_rejected) over (
            partition by city_code, year, quarter order by version_no
        ) as previous_is_rejected
    from {{ ref('stg_submission_versions') }}
),

repeated_rejections as (
    select
        parks.park_code,
        v.year,
        string_agg(distinct v.year || 'Q' || v.quarter, '、' order by v.year || 'Q' || v.quarter)
            as quarters
    from versions as v
    inner join parks on v.city_code = parks.city_code
    where v.is_rejected and v.previous_is_rejected
    group by parks.park_code, v.year
),

site_check as (
    select
        park_code,
        year,
        'SITE_CHECK_SUGGESTED' as flag_code,
        '建议现场核查' as flag_zh,
        concat_ws(
            ';',
            case when large_revisions.detail is not null
                then '已发布指标被后续版本修订超过 ' || {{ threshold_text('revision_site_check_pct', 'year') }} || '%:'
                    || large_revisions.detail
            end,
            case when repeated_rejections.quarters is not null
                then '所在城市 ' || repeated_rejections.quarters || ' 连续两个版本被退回'
            end
        ) as reason_zh
    from large_revisions
    full outer join repeated_rejections using (park_code, year)
)

select * from review_due
union all
select * from warning
union all
select * from revocation
union all
select * from site_check
