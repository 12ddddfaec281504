{#- Where DuckDB and Spark SQL really differ, one small macro each, dispatched per adapter
    (adapter.dispatch), with both versions side by side. Everything else in the models is SQL
    both engines read alike, or dbt's own cross-database macros (dbt.type_string() and the like).
    The Spark versions assume the session time zone is UTC (dbt/profiles.yml, target spark). -#}

{#- The calendar day in London of an instant (times without an offset are London time). -#}
{% macro london_date(instant) -%}
    {{ return(adapter.dispatch('london_date', 'sinstats')(instant)) }}
{%- endmacro %}

{% macro default__london_date(instant) -%}
    cast(timezone('Europe/London', {{ instant }}) as date)
{%- endmacro %}

{% macro spark__london_date(instant) -%}
    to_date(from_utc_timestamp({{ instant }}, 'Europe/London'))
{%- endmacro %}

{#- A date written dd/mm/yyyy, as DfE's reference lists write them. -#}
{% macro parse_dmy(text) -%}
    {{ return(adapter.dispatch('parse_dmy', 'sinstats')(text)) }}
{%- endmacro %}

{% macro default__parse_dmy(text) -%}
    cast(strptime({{ text }}, '%d/%m/%Y') as date)
{%- endmacro %}

{% macro spark__parse_dmy(text) -%}
    to_date({{ text }}, 'dd/MM/yyyy')
{%- endmacro %}

{#- The ISO day of the week: Monday 1 to Sunday 7. -#}
{% macro iso_day_of_week(day) -%}
    {{ return(adapter.dispatch('iso_day_of_week', 'sinstats')(day)) }}
{%- endmacro %}

{% macro default__iso_day_of_week(day) -%}
    isodow({{ day }})
{%- endmacro %}

{% macro spark__iso_day_of_week(day) -%}
    extract(dayofweek_iso from {{ day }})
{%- endmacro %}

{#- One row for each whole number from `first` to `last` (a select-list expression). -#}
{% macro each_integer(first, last) -%}
    {{ return(adapter.dispatch('each_integer', 'sinstats')(first, last)) }}
{%- endmacro %}

{% macro default__each_integer(first, last) -%}
    unnest(generate_series({{ first }}, {{ last }}))
{%- endmacro %}

{% macro spark__each_integer(first, last) -%}
    explode(sequence({{ first }}, {{ last }}))
{%- endmacro %}

{#- One row for each day from `first` to `last` (a select-list expression, of type date). -#}
{% macro each_day(first, last) -%}
    {{ return(adapter.dispatch('each_day', 'sinstats')(first, last)) }}
{%- endmacro %}

{% macro default__each_day(first, last) -%}
    cast(unnest(generate_series({{ first }}, {{ last }}, interval 1 day)) as date)
{%- endmacro %}

{% macro spark__each_day(first, last) -%}
    explode(sequence({{ first }}, {{ last }}, interval 1 day))
{%- endmacro %}

{#- Whole-number division, rounded down (both operands whole numbers). -#}
{% macro integer_divide(dividend, divisor) -%}
    {{ return(adapter.dispatch('integer_divide', 'sinstats')(dividend, divisor)) }}
{%- endmacro %}

{% macro default__integer_divide(dividend, divisor) -%}
    (({{ dividend }}) // ({{ divisor }}))
{%- endmacro %}

{% macro spark__integer_divide(dividend, divisor) -%}
    (({{ dividend }}) div ({{ divisor }}))
{%- endmacro %}

{#- Whether a text matches a regular expression in whole. -#}
{% macro full_match(text, pattern) -%}
    {{ return(adapter.dispatch('full_match', 'sinstats')(text, pattern)) }}
{%- endmacro %}

{% macro default__full_match(text, pattern) -%}
    regexp_full_match({{ text }}, '{{ pattern }}')
{%- endmacro %}

{% macro spark__full_match(text, pattern) -%}
    ({{ text }} rlike '^(?:{{ pattern }})$')
{%- endmacro %}

{#- The same day `months` calendar months later; a day the month lacks becomes its last day. -#}
{% macro add_months(day, months) -%}
    {{ return(adapter.dispatch('add_months', 'sinstats')(day, months)) }}
{%- endmacro %}

{% macro default__add_months(day, months) -%}
    cast({{ day }} + to_months({{ months }}) as date)
{%- endmacro %}

{% macro spark__add_months(day, months) -%}
    add_months({{ day }}, {{ months }})
{%- endmacro %}

{#- Every column of `relation` (a table alias, or '' for all in scope) but the ones named. -#}
{% macro star_except(relation, columns) -%}
    {{ return(adapter.dispatch('star_except', 'sinstats')(relation, columns)) }}
{%- endmacro %}

{% macro default__star_except(relation, columns) -%}
    {{ relation ~ '.' if relation }}* exclude ({{ columns | join(', ') }})
{%- endmacro %}

{% macro spark__star_except(relation, columns) -%}
    {{ relation ~ '.' if relation }}* except ({{ columns | join(', ') }})
{%- endmacro %}
