{#- Indicator score: weight × clamp((value − baseline) / (leading − baseline), 0, 1).
    The same expression serves "lower is better" rows, where leading < baseline. -#}
{% macro clamped_score(value, baseline, leading, weight) -%}
    ({{ weight }} * greatest(0.0, least(1.0, ({{ value }} - {{ baseline }}) / ({{ leading }} - {{ baseline }}))))
{%- endmacro %}

{#- Ratio that is NULL (missing) instead of failing or infinite when the denominator is 0 or NULL. -#}
{% macro ratio(numerator, denominator) -%}
    (cast({{ numerator }} as double) / nullif(cast({{ denominator }} as double), 0))
{%- endmacro %}

{#- 1.0 / 0.0 for a 是/否 answer, NULL when not reported. -#}
{% macro yes_no_value(expr) -%}
    (case when {{ expr }} then 1.0 when not {{ expr }} then 0.0 end)
{%- endmacro %}
