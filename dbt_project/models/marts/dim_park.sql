-- Every park: the real registry seed plus parks the demo generator adds for benchmark sizes,
-- with its green-park designation as the 动态管理 decisions leave it today (the seed
-- park_designations as initial load, then the recorded decisions; the latest decision wins).
with registry as (
    {%- for relation, is_generated in [(ref('park_registry'), false), (ref('stg_park_registry_generated'), true)] %}
    -- both have the registry's columns, in its order (park_code … park_type)
    select
        *,
        {{ is_generated }} as is_generated
    from {{ relation }}
    {% if not loop.last %}union all{% endif %}
    {%- endfor %}
),

latest_spell as (
    select * from {{ ref('int_park_designation_spells') }}
    where is_latest
),

decisions as (
    select * from {{ ref('int_park_decisions') }}
),

-- The latest decision of each kind, chosen once as a whole row (latest date, then the later record),
-- so its date, 文号 and reason always come from the same decision.
designation_record as (
    select
        park_code,
        decision_date as designation_date,
        document_no as designation_document_no
    from decisions
    where decision_type = 'designation'
    qualify row_number() over (
            partition by park_code order by decision_date desc nulls last, decision_id desc nulls last
        ) = 1
),

revocation_record as (
    select
        park_code,
        effective_year,
        decision_date as revocation_date,
        document_no as revocation_document_no,
        reason_category as revocation_reason_category,
        reason_text as revocation_reason_text
    from decisions
    where decision_type = 'revocation'
    qualify row_number() over (
            partition by park_code, effective_year order by decision_date desc nulls last, decision_id desc nulls last
        ) = 1
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
    on registry.park_code = revocation_record.park_code
    and latest_spell.to_year_exclusive = revocation_record.effective_year
