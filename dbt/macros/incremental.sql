{#- Incremental builds (README, "Incremental runs"). The notification-level models keep their
    rows between runs and, on an incremental build, compute again only the notifications of
    int_changed_notifications: every row of those notifications is replaced, every other row
    is kept. The pipeline chooses a full build (`dbt build --full-refresh`) when the warehouse has
    no completed build, on `sinstats run --full-refresh`, for a release, and for every model whose
    code, macros, policy values or reference data changed (pipelines/transform/state.py). -#}

{#- Keeps the rows of the notifications this build computes again (all rows on a full build). -#}
{% macro changed_only(notification_id) -%}
    {%- if is_incremental() -%}
        {{ notification_id }} in (select changed.notification_id from {{ ref('int_changed_notifications') }} as changed)
    {%- else -%}
        true
    {%- endif -%}
{%- endmacro %}

{#- The incremental strategy of those models (dbt finds it by its name, `replace_notifications`):
    delete every row of the changed notifications, then insert what the model computed for them.
    dbt's own delete+insert would keep the old rows of a notification that now has none (a
    timeliness case of a notification since withdrawn). -#}
{% macro get_incremental_replace_notifications_sql(arg_dict) -%}
    {%- set columns = get_quoted_csv(arg_dict['dest_columns'] | map(attribute='name')) -%}
    delete from {{ arg_dict['target_relation'] }}
    where notification_id in (select changed.notification_id from {{ ref('int_changed_notifications') }} as changed);
    insert into {{ arg_dict['target_relation'] }} ({{ columns }})
    select {{ columns }} from {{ arg_dict['temp_relation'] }}
{%- endmacro %}

{#- The models counted by reporting year (incremental_strategy `replace_years`, a `time_period`
    column holding the reporting year) keep their rows between runs too and, on an incremental
    build, count again only the years a changed notification is in, now or at the last build. When
    the as-at date moved into another reporting year, every year is counted again: the years
    published, and the LA each is published under, follow the as-at date's year. (A build after
    one that did not complete counts every year again: pipelines/transform/state.py.) -#}
{% macro changed_years_only(year) -%}
    {%- if is_incremental() -%}
        {%- set changed = ref('int_changed_notifications') -%}
        ({{ year }} in (
            select changed.previous_reporting_year from {{ changed }} as changed
            where changed.previous_reporting_year is not null
            union
            select notifications.reporting_year from {{ ref('fct_notifications') }} as notifications
            where notifications.notification_id in (select changed.notification_id from {{ changed }} as changed)
        )
        or coalesce((
            select {{ reporting_year('run_parameters.as_at_floor_date') }}
                <> {{ reporting_year('run_parameters.as_at_ceiling_date') }}
            from {{ source('reference', 'run_parameters') }} as run_parameters
        ), false))
    {%- else -%}
        true
    {%- endif -%}
{%- endmacro %}

{#- Their strategy (`replace_years`): delete every row of those years, then insert what the model
    counted for them. -#}
{% macro get_incremental_replace_years_sql(arg_dict) -%}
    {%- set columns = get_quoted_csv(arg_dict['dest_columns'] | map(attribute='name')) -%}
    delete from {{ arg_dict['target_relation'] }}
    where {{ changed_years_only('time_period') }};
    insert into {{ arg_dict['target_relation'] }} ({{ columns }})
    select {{ columns }} from {{ arg_dict['temp_relation'] }}
{%- endmacro %}

{#- The table `name` of this model's schema as it was before this build changed it, read by
    int_changed_notifications before the models downstream of it replace their rows; where there
    is none yet, an empty table of the given columns. -#}
{% macro previous_relation(name, empty_columns) -%}
    {%- set relation = adapter.get_relation(database=this.database, schema=this.schema, identifier=name) -%}
    {{ return(relation if relation is not none else '(select ' ~ empty_columns ~ ' where false)') }}
{%- endmacro %}

{#- dbt's data tests on an incremental build look at the rows it wrote: the tests of a
    notification-level incremental model (strategy `replace_notifications`; primary keys, not-null
    columns, accepted values, relationships, unique combinations: all of them about single rows, or
    keys that include notification_id) keep the rows of the changed notifications. (The tests of a
    model counted by year look at every row: they are few and its tables small.)
    Every other row was tested when it was written, by the build that completed, and no row of
    another notification can clash with a changed one's key. A full build tests every row. dbt's
    own `where` config still applies on top. -#}
{% macro default__get_where_subquery(relation) -%}
    {%- set where = config.get('where', '') -%}
    {%- set incremental = [] -%}
    {#- (dbt renders this at parse time too, with no graph yet) -#}
    {%- for node in (graph.nodes.values() if execute else []) -%}
        {%- if node.resource_type == 'model' and node.config.materialized == 'incremental'
            and node.config.incremental_strategy == 'replace_notifications'
            and node.alias == relation.identifier and node.schema == relation.schema -%}
            {%- do incremental.append(node) -%}
        {%- endif -%}
    {%- endfor -%}
    {%- set conditions = [where] if where else [] -%}
    {%- if incremental -%}
        {%- set changed = graph_relation(graph.nodes.get('model.sinstats.int_changed_notifications')) -%}
        {%- set parameters = graph_relation(graph.sources.get('source.sinstats.reference.run_parameters')) -%}
    {%- endif -%}
    {%- if incremental and changed is not none and parameters is not none -%}
        {%- do conditions.append(
            "(not (select run_parameters.is_incremental from " ~ parameters ~ " as run_parameters)"
            ~ " or notification_id in (select changed.notification_id from " ~ changed ~ " as changed))"
        ) -%}
    {%- endif -%}
    {%- if conditions -%}
        {%- set filtered -%}
            (select * from {{ relation }} where {{ conditions | join(' and ') }}) dbt_subquery
        {%- endset -%}
        {%- do return(filtered) -%}
    {%- endif -%}
    {%- do return(relation) -%}
{%- endmacro %}

{#- The table of a node of the graph, named without ref() or source() (a test depends on its
    models only); none when it is not in the warehouse. -#}
{% macro graph_relation(node) -%}
    {%- if node is none -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set name = node.alias if node.resource_type == 'model' else node.identifier -%}
    {{ return(adapter.get_relation(database=node.database, schema=node.schema, identifier=name)) }}
{%- endmacro %}

{#- On Spark the incremental models build in full only (`dbt build --full-refresh`): dbt-spark knows
    only its own strategies, and `replace_notifications` and `replace_years` delete rows, which
    Spark's Parquet tables cannot (Delta tables on Databricks can; README, "On Spark"). Every other
    strategy is dbt-spark's own check. -#}
{% macro dbt_spark_validate_get_incremental_strategy(raw_strategy, file_format) %}
    {%- if raw_strategy in ('replace_notifications', 'replace_years') -%}
        {%- if not should_full_refresh() and load_relation(this) is not none -%}
            {%- do exceptions.raise_compiler_error(
                'The ' ~ raw_strategy ~ ' strategy builds in full on Spark: run `dbt build --full-refresh`.'
            ) -%}
        {%- endif -%}
        {{ return(raw_strategy) }}
    {%- endif -%}
    {{ return(dbt_spark.dbt_spark_validate_get_incremental_strategy(raw_strategy, file_format)) }}
{% endmacro %}
