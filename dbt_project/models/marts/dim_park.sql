-- Every park: the real registry seed plus parks the demo generator adds for benchmark sizes,
-- with its green-park designation (示例 seed).
with registry as (
    select park_code, park_name, city_code, city_name, level, park_type, false as is_generated
    from {{ ref('park_registry') }}
    union all
    select park_code, park_name, city_code, city_name, level, park_type, true as is_generated
    from {{ source('intake', 'raw_park_registry_generated') }}
),

designations as (
    select park_code, batch_year, revoked_year from {{ ref('park_designations') }}
)

select
    registry.park_code,
    registry.park_name,
    cast(registry.city_code as varchar) as city_code,
    registry.city_name,
    registry.level,
    registry.park_type,
    registry.is_generated,
    designations.batch_year as designation_batch_year,
    designations.revoked_year,
    case
        when designations.revoked_year is not null then '已撤销'
        when designations.batch_year is not null then '已认定'
        else '未认定'
    end as designation_status
from registry
left join designations using (park_code)
