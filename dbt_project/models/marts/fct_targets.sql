-- Progress towards the notice's 2025 targets, per year present in the data.
-- T1 designated parks vs 50; T2 share of provincial-or-higher reporting parks whose 循环化改造 is
-- 实施中/已完成 vs 100 %; T3–T6 intensity change vs 2021 (or the earliest year present) for the
-- province (city_code NULL) and each city. The notice sets no number for T3–T6 (大幅降低).
with years as (
    select distinct year from {{ ref('int_park_year_facts') }}
    where version_set_id = 'current'
),

parks as (
    select * from {{ ref('dim_park') }}
),

facts as (
    select * from {{ ref('int_park_year_facts') }}
    where version_set_id = 'current'
),

designated as (
    select
        years.year,
        count(parks.park_code) as n_designated
    from years
    left join parks
        on years.year >= parks.designation_batch_year
        and (parks.revoked_year is null or years.year < parks.revoked_year)
    group by years.year
),

retrofit as (
    select
        facts.year,
        count(*) as n_parks,
        count(*) filter (where facts.retrofit_status in ('实施中', '已完成')) as n_retrofitting
    from facts
    inner join parks using (park_code)
    where parks.level in ('省级', '国家级')
    group by facts.year
),

base_year as (
    select coalesce(max(year) filter (where year = 2021), min(year)) as base_year from years
),

intensities as (
    select
        cast(null as varchar) as city_code,
        year,
        energy_intensity_tce_per_wan_yuan,
        co2_intensity_t_per_wan_yuan,
        water_intensity_m3_per_wan_yuan,
        solid_waste_intensity_t_per_wan_yuan
    from {{ ref('fct_province_year') }}
    union all
    select
        city_code,
        year,
        energy_intensity_tce_per_wan_yuan,
        co2_intensity_t_per_wan_yuan,
        water_intensity_m3_per_wan_yuan,
        solid_waste_intensity_t_per_wan_yuan
    from {{ ref('fct_city_year') }}
),

intensity_long as (
    select *
    from intensities
    unpivot include nulls (intensity for measure in (
        energy_intensity_tce_per_wan_yuan, co2_intensity_t_per_wan_yuan,
        water_intensity_m3_per_wan_yuan, solid_waste_intensity_t_per_wan_yuan
    ))
),

intensity_targets as (
    select * from (
        values
        ('energy_intensity_tce_per_wan_yuan', 'T3_ENERGY_INTENSITY', '单位工业增加值综合能耗较基期变化'),
        ('co2_intensity_t_per_wan_yuan', 'T4_CO2_INTENSITY', '单位工业增加值二氧化碳排放量较基期变化'),
        ('water_intensity_m3_per_wan_yuan', 'T5_WATER_INTENSITY', '单位工业增加值新鲜水耗较基期变化'),
        ('solid_waste_intensity_t_per_wan_yuan', 'T6_SOLID_WASTE_INTENSITY', '单位工业增加值固体废物产生量较基期变化')
    -- the alias names the VALUES columns (sqlfluff takes it for an unused table alias)
    ) as intensity_target (measure, target_id, target_name)  -- noqa: AL05
),

intensity_change as (
    select
        cur.year,
        t.target_id,
        t.target_name,
        cur.city_code,
        100 * (cur.intensity / nullif(base.intensity, 0) - 1) as actual_value,
        cast(null as double) as target_value,
        '%' as unit,
        cast(null as double) as progress_pct,
        case
            when b.base_year = 2021 then '较 2021 年变化(负值为下降);通知要求大幅降低,未给出量化目标'
            else '数据中无 2021 年,以最早年份 ' || b.base_year || ' 年为基期(负值为下降);通知要求大幅降低,未给出量化目标'
        end as note_zh
    from intensity_long as cur
    cross join base_year as b
    inner join intensity_targets as t using (measure)
    left join intensity_long as base
        on cur.measure = base.measure
        and base.city_code is not distinct from cur.city_code
        and b.base_year = base.year
),

designated_target as (
    select
        year,
        'T1_DESIGNATED_PARKS' as target_id,
        '建成省级绿色低碳工业园区' as target_name,
        cast(null as varchar) as city_code,
        cast(n_designated as double) as actual_value,
        50.0 as target_value,
        '个' as unit,
        100.0 * n_designated / 50 as progress_pct,
        '截至当年已认定且未撤销的园区数(认定名单为示例数据)' as note_zh
    from designated
),

retrofit_target as (
    select
        years.year,
        'T2_RETROFIT_SHARE' as target_id,
        '省级以上园区开展循环化改造比例' as target_name,
        cast(null as varchar) as city_code,
        100.0 * retrofit.n_retrofitting / nullif(retrofit.n_parks, 0) as actual_value,
        100.0 as target_value,
        '%' as unit,
        100.0 * retrofit.n_retrofitting / nullif(retrofit.n_parks, 0) as progress_pct,
        '分母为当年有报送数据的省级以上园区 ' || coalesce(retrofit.n_parks, 0) || ' 个;循环化改造为实施中或已完成' as note_zh
    from years
    left join retrofit using (year)
)

{%- set parts = ['designated_target', 'retrofit_target', 'intensity_change'] %}
{%- for part in parts %}
select
    year,
    target_id,
    target_name,
    city_code,
    actual_value,
    target_value,
    unit,
    progress_pct,
    note_zh
from {{ part }}
{% if not loop.last %}union all{% endif %}
{%- endfor %}
