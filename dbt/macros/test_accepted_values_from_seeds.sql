{#- Every non-null value of each column is a code of its reference seed: no code list typed twice.
    One test for all the columns of a model that draw on code lists (`columns`: column -> seed), so
    dbt runs one node, not one per column; a failing row names its column and the value. -#}
{% test accepted_values_from_seeds(model, columns, seed_column='code') %}
    {%- for column, seed in columns.items() %}
    select '{{ column }}' as column_name, cast({{ column }} as {{ dbt.type_string() }}) as unexpected
    from {{ model }}
    where {{ column }} is not null
      and {{ column }} not in (select {{ seed_column }} from {{ ref(seed) }})
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- endfor %}
{% endtest %}
