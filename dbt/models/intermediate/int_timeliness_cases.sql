{{ config(materialized='incremental', incremental_strategy='replace_notifications', on_schema_change='fail') }}
-- depends_on: {{ ref('int_changed_notifications') }}
-- One row per counted notification and timeliness measure that applies to it (docs/rules.md §3),
-- as at the run's as-at date: start and end, deadline, elapsed working days and status. The
-- measures, their events, limits and the dates they apply between come from the
-- timeliness_measures seed only.
{%- set events = [
    'la_aware_date', 'notification_date', 'rapid_review_received_date',
    'lcspr_decision_date', 'lcspr_sent_to_panel_date', 'lcspr_published_date'
] %}
with

standing as (

    select * from {{ ref('int_notifications_versioned') }}
    where {{ changed_only('notification_id') }}

),

counting as (

    select * from {{ ref('int_notifications_deduplicated') }}
    where {{ changed_only('notification_id') }}

),

reviews as (

    select * from {{ ref('int_reviews_versioned') }}
    where {{ changed_only('notification_id') }}

),

measures as (

    select * from {{ ref('timeliness_measures') }}

),

abuse_neglect as (

    select * from {{ ref('abuse_neglect') }}

),

outcomes as (

    select * from {{ ref('rapid_review_outcome') }}

),

calendar as (

    select * from {{ ref('int_calendar_days') }}

),

notifications as (

    select
        standing.notification_id,
        standing.notification_date,
        {{ reporting_year('standing.notification_date') }} as reporting_year,
        {{ reporting_quarter('standing.notification_date') }} as reporting_quarter,
        standing.la_aware_date,
        reviews.rapid_review_received_date,
        reviews.lcspr_decision_date,
        reviews.lcspr_sent_to_panel_date,
        reviews.lcspr_published_date,
        abuse_neglect.rapid_review_required,
        coalesce(outcomes.is_local_review, false) as is_local_review
    from standing
    inner join counting on standing.notification_id = counting.notification_id
    inner join abuse_neglect on standing.abuse_neglect = abuse_neglect.code
    left join reviews on standing.notification_id = reviews.notification_id
    left join outcomes on reviews.rapid_review_outcome = outcomes.code
    where
        counting.counting_reason = 'counted'
        and standing.notification_date <= {{ as_at_date() }}

),

applicable as (

    select
        notifications.*,
        measures.measure_code,
        measures.measure,
        measures.limit_value,
        measures.limit_unit,
        measures.rule,
        measures.start_event,
        measures.end_event,
        case measures.start_event
            {%- for event in events %}
                when '{{ event }}' then notifications.{{ event }}
            {%- endfor %}
        end as start_date,
        case measures.end_event
            {%- for event in events %}
                when '{{ event }}' then notifications.{{ event }}
            {%- endfor %}
        end as end_date_recorded
    from notifications
    inner join measures
        on
            notifications.notification_date >= measures.valid_from
            and (measures.valid_to is null or notifications.notification_date <= measures.valid_to)
    where
        case measures.applies_to
            when 'counted' then true
            when 'abuse_known_or_suspected' then notifications.rapid_review_required
            when 'lcspr' then notifications.is_local_review
            when 'lcspr_published' then
                notifications.is_local_review and notifications.lcspr_published_date is not null
        end

),

dated as (

    select
        applicable.*,
        -- An end after the as-at date had not happened yet as at that date.
        case
            when applicable.end_date_recorded <= {{ as_at_date() }} then applicable.end_date_recorded
        end as end_date,
        case
            when applicable.start_date is null then 'missing_start'
            when applicable.end_date_recorded < applicable.start_date then 'end_before_start'
            when
                applicable.start_event not in ('la_aware_date', 'notification_date')
                and applicable.start_date < applicable.notification_date
                then 'review_before_notification'
            when
                applicable.end_event not in ('la_aware_date', 'notification_date')
                and applicable.end_date_recorded < applicable.notification_date
                then 'review_before_notification'
        end as data_quality_flag,
        start_day.working_day_number as start_working_day_number,
        case
            when applicable.limit_unit = 'calendar_months'
                then {{ add_months('applicable.start_date', 'applicable.limit_value') }}
            -- The last day the end can fall on and keep elapsed <= limit: the day before the
            -- (limit + 1)-th working day after the start.
            when applicable.rule = 'within' then cast(deadline_day.date_day - 1 as date)
        end as deadline_date
    from applicable
    left join calendar as start_day on applicable.start_date = start_day.date_day
    left join calendar as deadline_day
        on
            applicable.limit_unit = 'working_days'
            and deadline_day.is_working_day
            and deadline_day.working_day_number = start_day.working_day_number + applicable.limit_value + 1

),

measured as (

    select
        dated.*,
        end_day.working_day_number - dated.start_working_day_number as elapsed_working_days
    from dated
    left join calendar as end_day on dated.end_date = end_day.date_day

),

final as (

    select
        notification_id,
        measure_code,
        measure,
        reporting_year,
        reporting_quarter,
        start_date,
        end_date,
        end_date_recorded,
        deadline_date,
        elapsed_working_days,
        data_quality_flag,
        data_quality_flag is null as is_measured,
        end_date is not null as is_complete,
        case
            when data_quality_flag is not null then null
            when end_date is null then null
            when rule = 'at_least' then elapsed_working_days >= limit_value
            else end_date <= deadline_date
        end as is_on_time,
        data_quality_flag is null
        and end_date is null
        and deadline_date is not null
        and {{ as_at_date() }} > deadline_date as is_open_overdue,
        case
            when data_quality_flag is not null then 'left_out'
            when end_date is not null and (
                (rule = 'at_least' and elapsed_working_days >= limit_value)
                or (rule = 'within' and end_date <= deadline_date)
            ) then 'on_time'
            when end_date is not null then 'late'
            when deadline_date is not null and {{ as_at_date() }} > deadline_date then 'open_overdue'
            else 'open_not_yet_due'
        end as status
    from measured

)

select * from final
