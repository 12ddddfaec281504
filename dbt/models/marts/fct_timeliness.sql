-- One row per counted notification and timeliness measure that applies to it, as at the run's
-- as-at date, with the geography it is published under.
with

cases as (

    select * from {{ ref('int_timeliness_cases') }}

),

notifications as (

    select * from {{ ref('fct_notifications') }}

),

final as (

    select
        cases.*,
        notifications.published_la_code,
        notifications.published_new_la_code,
        notifications.published_la_name,
        notifications.region_code,
        notifications.region_name,
        {{ as_at_date() }} as as_at_date
    from cases
    inner join notifications on cases.notification_id = notifications.notification_id

)

select * from final
