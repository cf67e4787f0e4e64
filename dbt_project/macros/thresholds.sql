{#- One value of the seed evaluation_thresholds, as a scalar subquery, so every rule of
    综合评价 / 动态管理 / 亩均 reads the same number the site states. The value is the one of the
    评价导则 edition in force for `year` (a SQL expression, usually the row's year column), so a
    new edition changes the rule for its own years only. A threshold missing from that edition
    (or a year no edition covers) stops the build instead of comparing against NULL. -#}
{% macro threshold(threshold_id, year) -%}
    (select coalesce(any_value(gp_threshold.value), error('evaluation_thresholds 缺少 {{ threshold_id }}(或该年份没有适用的评价导则版本)'))
     from {{ ref('evaluation_thresholds') }} as gp_threshold
     inner join {{ ref('evaluation_editions') }} as gp_edition using (edition_id)
     where gp_threshold.threshold_id = '{{ threshold_id }}'
       and {{ year }} between gp_edition.valid_from_year and coalesce(gp_edition.valid_to_year, 9999))
{%- endmacro %}

{#- The threshold as text for reason_zh (70 → '70', 72.5 → '72.5'). -#}
{% macro threshold_text(threshold_id, year) -%}
    printf('%g', {{ threshold(threshold_id, year) }})
{%- endmacro %}
