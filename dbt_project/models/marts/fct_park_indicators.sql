-- 35 rows per park-year: value, score and the province median of that indicator that year.
-- Each year is scored with the catalogue of the 评价导则 edition in force for that year, so a new
-- edition rescores its own years only. ("leading" is quoted: it is a DuckDB keyword.)
with indicator_values as (
    select * from {{ ref('int_park_indicator_values') }}
    where version_set_id = 'current'
),

indicators as (
    select * from {{ ref('dim_indicator_edition') }}
),

scored as (
    select
        v.park_code,
        v.year,
        v.indicator_id,
        i.dimension_code,
        v.value,
        i.unit,
        i.baseline,
        i."leading",
        i.weight,
        v.value is null as is_missing,
        case
            when v.value is null then 0.0
            when i.is_boolean then case when v.value >= 1 then i.weight else 0.0 end
            else {{ clamped_score('v.value', 'i.baseline', 'i."leading"', 'i.weight') }}
        end as score_points,
        median(v.value) over (partition by v.year, v.indicator_id) as peer_median_value,
        v.source_version_ids,
        i.edition_id
    from indicator_values as v
    inner join indicators as i
        on v.indicator_id = i.indicator_id
        and v.year between i.valid_from_year and coalesce(i.valid_to_year, 9999)
)

select
    park_code,
    year,
    indicator_id,
    dimension_code,
    value,
    unit,
    cast(score_points as double) as score_points,
    weight,
    baseline,
    "leading",
    is_missing,
    case when is_missing then '缺报' end as missing_note_zh,
    peer_median_value,
    source_version_ids,
    edition_id
from scored
