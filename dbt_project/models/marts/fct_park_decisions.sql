-- The public record of every effective 动态管理 decision (认定 / 复查 / 现场核查 / 撤销认定 /
-- 恢复认定) with its date, document number, outcome and reason, so the bulletin can state why
-- and when. Public part only: the inspectors' names, the inspection findings and who recorded
-- the row stay in the warehouse (park_decisions). Rows of the seed's initial load have no date
-- (is_initial_load).
with decisions as (
    select * from {{ ref('int_park_decisions') }}
),

parks as (
    select
        park_code,
        park_name,
        city_code,
        city_name
    from {{ ref('dim_park') }}
)

select
    decisions.park_code,
    decisions.decision_key,
    parks.park_name,
    parks.city_code,
    parks.city_name,
    decisions.decision_type,
    decisions.decision_type_zh,
    decisions.decision_date,
    decisions.effective_year,
    decisions.batch_year,
    decisions.document_no,
    decisions.outcome,
    decisions.reason_category,
    decisions.reason_text,
    decisions.corrects_decision_id is not null as is_correction,
    decisions.is_initial_load
from decisions
left join parks using (park_code)
