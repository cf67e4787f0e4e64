{#-
  Hand-written helpers over the contract's column lists (contract_columns.sql, generated from the
  contract): the park-year flows the roll-ups sum, and the typed, renamed select list of a raw sheet.
-#}

{#- Flow columns of a park-year that the city and province roll-ups sum (conversions included). -#}
{% macro park_year_flow_columns() %}
  {% set names = [] %}
  {% for m in park_quarter_measures() if m.kind == "flow" %}
    {% do names.append(m.name) %}
  {% endfor %}
  {% do names.extend(["energy_tce", "co2_t"]) %}
  {{ return(names) }}
{% endmacro %}

{#- Typed, renamed select list for one raw sheet (provenance columns first). -#}
{% macro staged_columns(measures, alias, code_columns=["park_code"], text_columns=[]) %}
    {{ alias }}.version_id,
    {{ alias }}.city_code,
    cast({{ alias }}.year as integer) as year,
    cast({{ alias }}.quarter as integer) as quarter,
    {{ alias }}.source_row,
  {%- for c in code_columns %}
    upper(trim({{ alias }}.{{ c }})) as {{ c }},
  {%- endfor %}
  {%- for c in text_columns %}
    trim({{ alias }}.{{ c }}) as {{ c }},
  {%- endfor %}
  {%- for m in measures %}
    cast({{ alias }}.{{ m.raw }} as {{ m.type }}) as {{ m.name }}{{ "," if not loop.last }}
  {%- endfor %}
{% endmacro %}
