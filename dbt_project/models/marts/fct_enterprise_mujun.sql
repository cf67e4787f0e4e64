-- 亩均论英雄 (INTERNAL, confidential): one row per enterprise-year with land_mu ≥ the seed's
-- mujun_min_land_mu (3 亩).
-- Annual figures: flows summed over the quarters present, stocks (land, employees) and
-- park/industry at the latest quarter. Indicator score = weight × min(value / benchmark, cap), the
-- benchmark being the median of the same GB/T 4754 division (first 2 digits) in the province-year
-- when it has enough enterprises, else of all enterprises (cap and count: evaluation_thresholds).
-- Classes by score percentile (seed).
with enterprise_quarter as (
    select * from {{ ref('int_enterprise_quarter_in_force') }}
),

-- The seed's 亩均 numbers of each year's 评价导则 edition, read once per year.
year_thresholds as (
    select
        years.year,
        {{ threshold('mujun_min_land_mu', 'years.year') }} as min_land_mu,
        {{ threshold('mujun_division_min_enterprises', 'years.year') }} as division_min_enterprises,
        {{ threshold('mujun_ratio_cap', 'years.year') }} as ratio_cap
    from (select distinct enterprise_quarter.year from enterprise_quarter) as years
),

latest as (
    select
        uscc,
        year,
        enterprise_name,
        park_code,
        city_code,
        industry_code,
        land_mu,
        employees_persons,
        quarter as latest_quarter
    from enterprise_quarter
    qualify row_number() over (partition by uscc, year order by quarter desc, version_id desc) = 1
),

flows as (
    select
        uscc,
        year,
        count(distinct quarter) as quarters_reported,
        sum(value_added_wan_yuan) as value_added_wan_yuan,
        sum(tax_wan_yuan) as tax_wan_yuan,
        sum(revenue_wan_yuan) as revenue_wan_yuan,
        sum(rd_expense_wan_yuan) as rd_expense_wan_yuan,
        sum(energy_tce) as energy_tce,
        sum(pollutant_emissions_t) as pollutant_emissions_t,
        string_agg(distinct version_id, ',' order by version_id) as source_version_ids
    from enterprise_quarter
    group by uscc, year
),

enterprises as (
    select
        latest.*,
        left(latest.industry_code, 2) as industry_division,
        flows.* exclude (uscc, year)
    from latest
    inner join flows using (uscc, year)
    inner join year_thresholds using (year)
    where latest.land_mu >= year_thresholds.min_land_mu
),

indicator_values as (
    select
        uscc,
        year,
        industry_division,
        {{ ratio('tax_wan_yuan', 'land_mu') }} as tax_per_mu,
        {{ ratio('value_added_wan_yuan', 'land_mu') }} as value_added_per_mu,
        {{ ratio('value_added_wan_yuan', 'energy_tce') }} as value_added_per_tce,
        {{ ratio('value_added_wan_yuan', 'pollutant_emissions_t') }} as value_added_per_t_pollutant,
        100 * {{ ratio('rd_expense_wan_yuan', 'revenue_wan_yuan') }} as rd_share,
        {{ ratio('value_added_wan_yuan', 'employees_persons') }} as value_added_per_employee
    from enterprises
),

indicator_long as (
    select *
    from indicator_values
    unpivot include nulls (value for mujun_indicator_code in (
        tax_per_mu, value_added_per_mu, value_added_per_tce, value_added_per_t_pollutant,
        rd_share, value_added_per_employee
    ))
),

benchmarked as (
    select
        l.*,
        w.weight,
        t.division_min_enterprises,
        t.ratio_cap,
        count(*) over (partition by l.year, l.industry_division, l.mujun_indicator_code) as n_in_division,
        median(l.value) over (partition by l.year, l.industry_division, l.mujun_indicator_code)
            as division_median,
        median(l.value) over (partition by l.year, l.mujun_indicator_code) as province_median
    from indicator_long as l
    inner join {{ ref('mujun_weights') }} as w using (mujun_indicator_code)
    inner join year_thresholds as t using (year)
),

indicator_scores as (
    select
        *,
        case when n_in_division >= division_min_enterprises then division_median else province_median end
            as benchmark,
        n_in_division >= division_min_enterprises as benchmark_is_division
    from benchmarked
),

enterprise_scores as (
    select
        uscc,
        year,
        {%- for code in ['tax_per_mu', 'value_added_per_mu', 'value_added_per_tce', 'value_added_per_t_pollutant',
                         'rd_share', 'value_added_per_employee'] %}
        max(case when mujun_indicator_code = '{{ code }}' then value end) as {{ code }},
        max(case when mujun_indicator_code = '{{ code }}' then benchmark end) as {{ code }}_benchmark,
        {%- endfor %}
        bool_and(benchmark_is_division) as benchmark_is_division,
        -- An indicator that cannot be computed (zero denominator) scores 0.
        sum(case
            when value is null or benchmark is null or benchmark <= 0 then 0.0
            else weight * least(value / benchmark, ratio_cap)
        end) as mujun_score
    from indicator_scores
    group by uscc, year
),

ranked as (
    select
        year,
        mujun_score,
        row_number() over (partition by year order by mujun_score) - 1 as position,
        count(*) over (partition by year) as n_enterprises
    from enterprise_scores
),

cutoff_positions as (
    -- Linear-interpolated percentile (as quantile_cont / numpy's default) of the score.
    select
        r.year,
        c.mujun_class,
        c.lower_percentile,
        (max(r.n_enterprises) - 1) * c.lower_percentile / 100.0 as h
    from ranked as r
    cross join {{ ref('mujun_class_cutoffs') }} as c
    where c.lower_percentile is not null
    group by r.year, c.mujun_class, c.lower_percentile
),

thresholds as (
    select
        p.year,
        p.mujun_class,
        p.lower_percentile,
        lo.mujun_score + (p.h - floor(p.h)) * (coalesce(hi.mujun_score, lo.mujun_score) - lo.mujun_score)
            as threshold_score
    from cutoff_positions as p
    inner join ranked as lo on p.year = lo.year and lo.position = floor(p.h)
    left join ranked as hi on p.year = hi.year and hi.position = floor(p.h) + 1
),

classified as (
    select
        s.uscc,
        s.year,
        coalesce(
            arg_max(t.mujun_class, t.lower_percentile) filter (where s.mujun_score >= t.threshold_score),
            (
                select cutoffs.mujun_class from {{ ref('mujun_class_cutoffs') }} as cutoffs
                where cutoffs.lower_percentile is null
            )
        ) as mujun_class
    from enterprise_scores as s
    left join thresholds as t using (year)
    group by s.uscc, s.year
)

select
    e.uscc,
    e.year,
    e.enterprise_name,
    e.park_code,
    e.city_code,
    e.industry_code,
    e.industry_division,
    e.latest_quarter,
    e.quarters_reported,
    e.land_mu,
    e.employees_persons,
    e.value_added_wan_yuan,
    e.tax_wan_yuan,
    e.revenue_wan_yuan,
    e.rd_expense_wan_yuan,
    e.energy_tce,
    e.pollutant_emissions_t,
    -- EXCLUDE takes the bare names of the star's own columns
    s.* exclude (uscc, year, mujun_score),  -- noqa: RF02
    s.mujun_score,
    c.mujun_class,
    e.source_version_ids
from enterprises as e
inner join enterprise_scores as s using (uscc, year)
inner join classified as c using (uscc, year)
