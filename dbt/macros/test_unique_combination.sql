{#- The combination of columns identifies a row. -#}
{% test unique_combination(model, combination) %}
    select {{ combination | join(', ') }}, count(*) as rows_per_key
    from {{ model }}
    group by {{ combination | join(', ') }}
    having count(*) > 1
{% endtest %}
