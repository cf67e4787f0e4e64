-- Every park: the real registry seed plus parks the demo generator adds for benchmark sizes,
-- with its green-park designation as the 动态管理 decisions leave it today (the seed
-- park_designations as initial load, then the recorded decisions; the latest decision wins).
with registry as (
    select park_code, park_name, city_code, city_name, level, park_type, false as is_generated
    from {{ ref('park_registry') }}
    union all
    select park_code, park_name, city_code, city_name, level, park_type, true as is_generated
    from {{ source('intake', 'raw_park_registry_generated') }}
),

latest_spell as (
    select * from {{ ref('int_park_designation_spells') }} where is_latest
),

decisions as (
    select * from {{ ref('int_park_decisions') }}
),

designation_record as (
    select
        park_code,
        arg_max(decision_date, coalesce(decision_date, date '1900-01-01')) as designation_date,
        arg_max(document_no, coalesce(decision_date, date '1900-01-01')) as designation_document_no
    from decisions
    where decision_type = 'designation'
    group by park_code
),

revocation_record as (
    select
        park_code,
        effective_year,
        arg_max(decision_date, coalesce(decision_date, date '1900-01-01')) as revocation_date,
        arg_max(document_no, coalesce(decision_date, date '1900-01-01')) as revocation_document_no,
        arg_max(reason_category, coalesce(decision_date, date '1900-01-01')) as revocation_reason_category,
        arg_max(reason_text, coalesce(decision_date, date '1900-01-01')) as revocation_reason_text
    from decisions
    where decision_type = 'revocation'
    group by park_code, effective_year
)

select
    registry.park_code,
    registry.park_name,
    cast(registry.city_code as varchar) as city_code,
    registry.city_name,
    registry.level,
    registry.park_type,
    registry.is_generated,
    latest_spell.designation_batch_year,
    latest_spell.to_year_exclusive as revoked_year,
    case
        when latest_spell.to_year_exclusive is not null then '已撤销'
        when latest_spell.designation_batch_year is not null then '已认定'
        else '未认定'
    end as designation_status,
    designation_record.designation_date,
    designation_record.designation_document_no,
    revocation_record.revocation_date,
    revocation_record.revocation_document_no,
    revocation_record.revocation_reason_category,
    revocation_record.revocation_reason_text
from registry
left join latest_spell using (park_code)
left join designation_record using (park_code)
left join revocation_record
    on revocation_record.park_code = registry.park_code
    and revocation_record.effective_year = latest_spell.to_year_exclusive
