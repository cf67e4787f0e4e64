-- Years each park holds the green-park designation: a spell starts with a designation (or a
-- restoration after a revocation) and ends, exclusive, in the year of the next revocation. The
-- state events are ordered by the year they take effect, then date, then record order, so the
-- latest decision wins.
with events as (
    select
        park_code,
        decision_type,
        effective_year,
        batch_year,
        row_number() over (
            partition by park_code
            order by effective_year asc, decision_date asc nulls first, is_initial_load desc, decision_id asc
        ) as seq
    from {{ ref('int_park_decisions') }}
    where decision_type in ('designation', 'revocation', 'restoration')
),

states as (
    select
        *,
        decision_type <> 'revocation' as designated_after,
        last_value(batch_year ignore nulls) over (
            partition by park_code order by seq rows between unbounded preceding and current row
        ) as current_batch_year
    from events
),

changes as (
    select *
    from (
        select
            *,
            lag(designated_after) over (partition by park_code order by seq) as designated_before
        from states
    ) as with_previous_state
    where designated_after is distinct from coalesce(designated_before, false)
),

spells as (
    select
        park_code,
        current_batch_year as designation_batch_year,
        designated_after,
        effective_year as from_year,
        lead(effective_year) over (partition by park_code order by seq) as to_year_exclusive
    from changes
)

select
    park_code,
    designation_batch_year,
    from_year,
    to_year_exclusive,
    row_number() over (partition by park_code order by from_year desc) = 1 as is_latest
from spells
where designated_after
