-- 动态管理 flags per park-year, each with its reason in Chinese.
-- 复查到期 / 预警 / 建议撤销认定 concern parks designated (and not revoked) by that year;
-- 建议现场核查 concerns every park.
with parks as (
    select * from {{ ref('dim_park') }}
),

years as (
    select distinct year from {{ ref('int_park_year_facts') }} where version_set_id = 'current'
),

designated as (
    select parks.park_code, parks.designation_batch_year, years.year
    from parks
    inner join years
        on parks.designation_batch_year <= years.year
        and (parks.revoked_year is null or parks.revoked_year > years.year)
),

evaluation as (
    select * from {{ ref('fct_park_evaluation') }}
),

review_due as (
    select
        park_code,
        year,
        'REVIEW_DUE' as flag_code,
        '复查到期' as flag_zh,
        designation_batch_year || ' 年认定,' || year || ' 年满 ' || {{ threshold_text('review_after_years') }}
            || ' 年,应开展复查' as reason_zh
    from designated
    where year - designation_batch_year = {{ threshold('review_after_years') }}
),

warning as (
    select
        e.park_code,
        e.year,
        'WARNING' as flag_code,
        '预警' as flag_zh,
        '综合评价得分 ' || printf('%.1f', e.total_score) || ' 分,低于 '
            || {{ threshold_text('warning_below_score') }} || ' 分' as reason_zh
    from evaluation as e
    inner join designated using (park_code, year)
    where e.total_score < {{ threshold('warning_below_score') }}
),

revocation as (
    select
        e.park_code,
        e.year,
        'REVOCATION_SUGGESTED' as flag_code,
        '建议撤销认定' as flag_zh,
        concat_ws(
            ';',
            case when e.total_score < {{ threshold('revoke_below_score') }}
                then '综合评价得分 ' || printf('%.1f', e.total_score) || ' 分,低于 '
                    || {{ threshold_text('revoke_below_score') }} || ' 分' end,
            case when not e.b2_no_incidents
                then '不满足必要条件 B2(重大安全事故和突发环境污染事件:' || e.b2_detail_zh || ')' end
        ) as reason_zh
    from evaluation as e
    inner join designated using (park_code, year)
    where e.total_score < {{ threshold('revoke_below_score') }} or not e.b2_no_incidents
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
    where abs(change_pct) > {{ threshold('revision_site_check_pct') }}
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
    inner join parks on parks.city_code = v.city_code
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
                then '已发布指标被后续版本修订超过 ' || {{ threshold_text('revision_site_check_pct') }} || '%:'
                    || large_revisions.detail end,
            case when repeated_rejections.quarters is not null
                then '所在城市 ' || repeated_rejections.quarters || ' 连续两个版本被退回' end
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
