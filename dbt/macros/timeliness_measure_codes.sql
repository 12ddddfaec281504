{#- The measure codes of the timeliness_measures seed, in publication order. Empty while dbt
    parses, and when the seed is not loaded yet (as when a linter compiles the project). -#}
{% macro timeliness_measure_codes() %}
    {%- set seed = ref('timeliness_measures') -%}
    {%- if not execute -%}
        {{ return([]) }}
    {%- endif -%}
    {%- if adapter.get_relation(database=seed.database, schema=seed.schema, identifier=seed.identifier) is none -%}
        {{ return([]) }}
    {%- endif -%}
    {%- set result = run_query(
        "select distinct measure_code, publish_order from " ~ seed ~ " order by publish_order"
    ) -%}
    {{ return(result.columns[0].values() | list) }}
{% endmacro %}
