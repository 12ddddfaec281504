{#- The calendar day in London of an instant (times without an offset are London time). -#}
{% macro london_date(instant) -%}
    cast(timezone('Europe/London', {{ instant }}) as date)
{%- endmacro %}
