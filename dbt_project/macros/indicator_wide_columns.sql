{#- (indicator_id, wide_column) pairs read from the indicator_catalogue seed at run time, so the
    catalogue stays the one place that names indicators. Empty while dbt only parses. -#}
{% macro indicator_wide_columns() %}
  {% if not execute %}
    {{ return([]) }}
  {% endif %}
  {% set query %}
    select indicator_id, wide_column from {{ ref('indicator_catalogue') }} order by sort_order
  {% endset %}
  {% set rows = run_query(query).rows %}
  {{ return(rows | map('list') | list) }}
{% endmacro %}
