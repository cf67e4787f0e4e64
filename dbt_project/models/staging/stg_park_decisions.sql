-- Every recorded 动态管理 decision (greenpark designations …), one row per recorded row, typed.
-- The table is append-only: a correction is a later row whose corrects_decision_id names the row
-- it replaces (int_park_decisions keeps the effective ones).
with decisions as (
    select * from {{ source('intake', 'park_decisions') }}
)

select
    cast(decision_id as integer) as decision_id,
    park_code,
    decision_type,
    case decision_type
        when 'designation' then '认定'
        when 'review' then '复查'
        when 'site_inspection' then '现场核查'
        when 'revocation' then '撤销认定'
        when 'restoration' then '恢复认定'
    end as decision_type_zh,
    cast(decision_date as date) as decision_date,
    cast(batch_year as integer) as batch_year,
    document_no,
    outcome,
    reason_category,
    reason_text,
    inspectors,
    findings_text,
    cast(corrects_decision_id as integer) as corrects_decision_id,
    recorded_by,
    recorded_at
from decisions
