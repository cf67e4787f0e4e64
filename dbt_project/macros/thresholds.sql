{#- One value of the seed evaluation_thresholds, as a scalar subquery, so every rule of
    综合评价 / 动态管理 / 亩均 reads the same number the site states. A threshold_id missing from
    the seed stops the build instead of comparing against NULL. -#}
{% macro threshold(threshold_id) -%}
    (select coalesce(any_value(value), error('evaluation_thresholds 缺少 {{ threshold_id }}'))
     from {{ ref('evaluation_thresholds') }} where threshold_id = '{{ threshold_id }}')
{%- endmacro %}

{#- The threshold as text for reason_zh (70 → '70', 72.5 → '72.5'). -#}
{% macro threshold_text(threshold_id) -%}
    printf('%g', {{ threshold(threshold_id) }})
{%- endmacro %}
