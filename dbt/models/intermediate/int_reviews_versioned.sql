{{ config(materialized='incremental', incremental_strategy='replace_notifications', on_schema_change='fail') }}
-- depends_on: {{ ref('int_changed_notifications') }}
-- The latest review milestones of each notification (docs/extracts.md §2): the latest
-- record_updated_at wins; ties go to the later file date, then the later row. As held at the
-- cut-off when one is set.
with

versions as (

    select * from {{ ref('stg_raw__reviews') }}
    where {{ held_at_cut_off('record_updated_date') }} and {{ changed_only('notification_id') }}

),

ranked as (

    select
        *,
        row_number() over (
            partition by notification_id
            order by record_updated_at desc, file_date desc, file_name desc, file_row_number desc
        ) as version_rank
    from versions

),

final as (

    select {{ star_except('', ['version_rank']) }} from ranked
    where version_rank = 1

)

select * from final
