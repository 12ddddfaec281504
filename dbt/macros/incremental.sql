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

{#- The table `name` of this model's schema as it was before this build changed it, read by
    int_changed_notifications before the models downstream of it replace their rows; where there
    is none yet, an empty table of the given columns. -#}
{% macro previous_relation(name, empty_columns) -%}
    {%- set relation = adapter.get_relation(database=this.database, schema=this.schema, identifier=name) -%}
    {{ return(relation if relation is not none else '(select ' ~ empty_columns ~ ' where false)') }}
{%- endmacro %}
