{{ config(materialized='incremental', incremental_strategy='replace_notifications', on_schema_change='fail') }}
-- depends_on: {{ ref('int_changed_notifications') }}
-- One row per notification with review milestones: the latest milestones, and the flags of
-- rules that need the notification too (docs/extracts.md §2). A review whose notification has not
-- arrived is held here, waiting, and joins when the notification loads.
with

reviews as (

    select * from {{ ref('int_reviews_versioned') }}
    where {{ changed_only('notification_id') }}

),

notifications as (

    select * from {{ ref('int_notifications_versioned') }}
    where {{ changed_only('notification_id') }}

),

statuses as (

    select * from {{ ref('record_status') }}

),

final as (

    select
        reviews.notification_id,
        reviews.record_updated_at,
        reviews.rapid_review_received_date,
        reviews.rapid_review_outcome,
        reviews.lcspr_decision_date,
        reviews.lcspr_sent_to_panel_date,
        reviews.lcspr_published_date,
        notifications.notification_id is null as is_waiting_for_notification,
        coalesce(not statuses.is_counted, false) as flag_notification_withdrawn,
        coalesce(
            least(
                reviews.rapid_review_received_date,
                reviews.lcspr_decision_date,
                reviews.lcspr_sent_to_panel_date,
                reviews.lcspr_published_date
            ) < notifications.notification_date,
            false
        ) as flag_review_before_notification,
        reviews.file_name as latest_version_file_name,
        reviews.file_row_number as latest_version_file_row_number
    from reviews
    left join notifications on reviews.notification_id = notifications.notification_id
    left join statuses on notifications.record_status = statuses.code

)

select * from final
