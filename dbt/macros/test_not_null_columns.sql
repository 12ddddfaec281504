{#- None of the columns is ever null. One test for the model's required columns, so dbt runs one
    node, not one per column; a failing row names its column. -#}
{% test not_null_columns(model, columns) %}
    {%- for column in columns %}
    select '{{ column }}' as null_column
    from {{ model }}
    where {{ column }} is null
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- endfor %}
{% endtest %}
