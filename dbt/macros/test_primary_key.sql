{#- The column identifies a row: never null and never repeated (dbt's `unique` and `not_null` in
    one node and one scan). A failing row is a repeated key, or the null key. -#}
{% test primary_key(model, column_name) %}
    select {{ column_name }} as key_value, count(*) as rows_with_key
    from {{ model }}
    group by {{ column_name }}
    having count(*) > 1 or {{ column_name }} is null
{% endtest %}
