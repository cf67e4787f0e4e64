{#- Fails for rows where the SQL boolean `expression` is false (NULL passes). -#}
{% test expression_true(model, expression) %}
select *
from {{ model }}
where not ({{ expression }})
{% endtest %}
