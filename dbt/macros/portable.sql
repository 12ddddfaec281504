{#- Loads the dbt sources from Parquet files, one per table at <folder>/<schema>/<table>.parquet, as
    pipelines/transform/portable.py writes them from the DuckDB warehouse: how another engine (Spark,
    Databricks) gets the rows the models read. `dbt run-operation load_sources_from_parquet --args
    '{folder: ...}' --target spark` (README, "On Spark"). -#}
{% macro load_sources_from_parquet(folder) %}
    {%- for source in graph.sources.values() | sort(attribute='unique_id') %}
        {%- set relation = api.Relation.create(schema=source.schema, identifier=source.identifier) %}
        {%- do adapter.create_schema(relation) %}
        {%- do run_query('drop table if exists ' ~ relation) %}
        {%- do run_query(adapter.dispatch('create_table_from_parquet', 'sinstats')(
            relation, folder ~ '/' ~ source.schema ~ '/' ~ source.identifier ~ '.parquet'
        )) %}
        {%- do log('loaded ' ~ relation, info=true) %}
    {%- endfor %}
{% endmacro %}

{% macro default__create_table_from_parquet(relation, path) -%}
    create table {{ relation }} as select * from read_parquet('{{ path }}')
{%- endmacro %}

{% macro spark__create_table_from_parquet(relation, path) -%}
    create table {{ relation }} as select * from parquet.`{{ path }}`
{%- endmacro %}

{#- dbt-spark's own seed loader, in session mode, puts each value in quotes without escaping it, so a
    label such as "Residential children's home" breaks the insert. The same loader, with each value
    written as an escaped literal. -#}
{% macro spark__load_csv_rows(model, agate_table) %}
    {%- set column_override = model['config'].get('column_types', {}) %}
    {%- set statements = [] %}
    {%- for chunk in agate_table.rows | batch(get_batch_size()) %}
        {%- set sql %}
            insert into {{ this.render() }} values
            {%- for row in chunk %}
                (
                {%- for value in row %}
                    {%- set type = column_override.get(agate_table.column_names[loop.index0],
                        adapter.convert_type(agate_table, loop.index0)) %}
                    {%- if value is none -%}
                        cast(null as {{ type }})
                    {%- else -%}
                        cast('{{ value | string | replace("\\", "\\\\") | replace("'", "\\'") }}' as {{ type }})
                    {%- endif %}
                    {%- if not loop.last %}, {% endif %}
                {%- endfor -%}
                ){% if not loop.last %},{% endif %}
            {%- endfor %}
        {%- endset %}
        {%- do adapter.add_query(sql, abridge_sql_log=True) %}
        {%- do statements.append(sql) if loop.first %}
    {%- endfor %}
    {{ return(statements[0]) }}
{% endmacro %}
