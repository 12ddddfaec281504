{{ config(materialized='incremental', incremental_strategy='replace_notifications', on_schema_change='fail') }}
-- depends_on: {{ ref('int_changed_notifications') }}
-- One row per counted notification and timeliness measure that applies to it, as at the run's
-- as-at date, with the geography it is published under.
with

cases as (

    select * from {{ ref('int_timeliness_cases') }}
    where {{ changed_only('notification_id') }}

),

notifications as (

    select * from {{ ref('fct_notifications') }}
    where {{ changed_only('notification_id') }}

),

final as (

    select
        cases.*,
        notifications.published_la_code,
        notifications.published_new_la_code,
        notifications.published_la_name,
        notifications.region_code,
        notifications.region_name
    from cases
    inner join notifications on cases.notification_id = notifications.notification_id

)

select * from final
