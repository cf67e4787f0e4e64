-- The effective 动态管理 decisions: the seed park_designations as the initial load plus every
-- recorded decision that no later row corrects. A recorded decision of a type replaces the
-- seed's entry of that type for its park (recording the 2022 designation with its document
-- number supersedes the seed's bare batch year). effective_year is the year the decision
-- takes effect: the batch year of a designation, the decision year otherwise. Each type's
-- Chinese name comes from the seed decision_types, which greenpark.designations reads too.
with recorded as (
    select * from {{ ref('stg_park_decisions') }}
),

effective as (
    select recorded.*
    from recorded
    where not exists (
            select 1 from recorded as later
            where later.corrects_decision_id = recorded.decision_id
        )
),

seed as (
    select * from {{ ref('park_designations') }}
),

decision_types as (
    select * from {{ ref('decision_types') }}
),

initial_load as (
    select
        park_code,
        'designation' as decision_type,
        batch_year,
        batch_year as effective_year,
        cast(null as varchar) as reason_category,
        cast(null as varchar) as reason_text
    from seed
    union all
    select
        park_code,
        'revocation' as decision_type,
        cast(null as integer) as batch_year,
        revoked_year as effective_year,
        cast(null as varchar) as reason_category,
        '初始名单未记录撤销原因与日期' as reason_text
    from seed
    where revoked_year is not null
),

decisions as (
    select
        'D' || lpad(cast(decision_id as varchar), 6, '0') as decision_key,
        decision_id,
        park_code,
        decision_type,
        decision_date,
        case when decision_type = 'designation' then batch_year else year(decision_date) end
            as effective_year,
        batch_year,
        document_no,
        outcome,
        reason_category,
        reason_text,
        inspectors,
        findings_text,
        corrects_decision_id,
        recorded_by,
        recorded_at,
        false as is_initial_load
    from effective

    union all

    select
        'initial-' || initial_load.decision_type || '-' || initial_load.park_code as decision_key,
        cast(null as integer) as decision_id,
        initial_load.park_code,
        initial_load.decision_type,
        cast(null as date) as decision_date,
        initial_load.effective_year,
        initial_load.batch_year,
        cast(null as varchar) as document_no,
        cast(null as varchar) as outcome,
        initial_load.reason_category,
        initial_load.reason_text,
        cast(null as varchar) as inspectors,
        cast(null as varchar) as findings_text,
        cast(null as integer) as corrects_decision_id,
        cast(null as varchar) as recorded_by,
        cast(null as timestamp) as recorded_at,
        true as is_initial_load
    from initial_load
    where not exists (
            select 1 from effective
            where effective.park_code = initial_load.park_code
                and effective.decision_type = initial_load.decision_type
        )
)

-- The Chinese label from the one list of decision types, after the decision's own columns.
select
    decisions.*,
    decision_types.decision_type_zh
from decisions
left join decision_types using (decision_type)
