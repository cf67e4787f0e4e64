{#-
  Rows of a staged submission table that belong to one kind of version:
  'in_force'   the version in force of each city-quarter (every current figure);
  'superseded' accepted versions a later version replaced (only the revision comparison).
-#}

{% macro rows_of_versions(staged_model, versions) %}
    {%- set condition = {'in_force': 'in_force', 'superseded': 'is_accepted and not in_force'}[versions] -%}
    select staged.*
    from {{ ref(staged_model) }} as staged
    inner join (
        select version_id
        from {{ ref('stg_submission_versions') }}
        where {{ condition }}
    ) as chosen using (version_id)
{% endmacro %}
