-- 达标 is exactly: total score at or above the seed's compliant_min_score and every 必要条件 met.
select park_code, year, total_score, necessary_conditions_met, is_compliant
from {{ ref('fct_park_evaluation') }}
where is_compliant is distinct from
    (total_score >= {{ threshold('compliant_min_score', 'year') }} and necessary_conditions_met)
