-- Every recorded 动态管理 decision (greenpark designations …), one row per recorded row, typed.
-- The table is append-only: a correction is a later row whose corrects_decision_id names the row
-- it replaces (int_park_decisions keeps the effective ones and names each type in Chinese).
with decisions as (
    select * from {{ source('intake', 'park_decisions') }}
)

select
    cast(decision_id as integer) as decision_id,
    park_code,
    decision_type,
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
