{#- Every non-null value of the column is a code of a reference seed: no code list typed twice. -#}
{% test accepted_values_from_seed(model, column_name, seed, seed_column='code') %}
    select {{ column_name }} as unexpected
    from {{ model }}
    where {{ column_name }} is not null
      and {{ column_name }} not in (select {{ seed_column }} from {{ ref(seed) }})
{% endtest %}
