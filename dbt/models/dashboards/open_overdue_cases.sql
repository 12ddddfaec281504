-- The Panel's list of cases to chase (PUBLISH/internal/open_overdue_cases.csv): every open case past
-- its deadline as at the as-at date, with its LA, measure, deadline and the working days it is
-- overdue (working days after the deadline, up to and including the as-at date).
with

cases as (

    select * from {{ ref('fct_timeliness') }}
    where is_open_overdue

),

calendar as (

    select * from {{ ref('dim_date') }}

),

final as (

    select
        cases.notification_id,
        cases.published_la_code as la_code,
        cases.published_la_name as la_name,
        cases.measure,
        cases.deadline_date,
        as_at_day.working_day_number - deadline_day.working_day_number as working_days_overdue
    from cases
    inner join calendar as deadline_day on cases.deadline_date = deadline_day.date_day
    inner join calendar as as_at_day on as_at_day.date_day = {{ as_at_date() }}
    order by working_days_overdue desc, cases.measure asc, la_code asc, cases.notification_id asc

)

select * from final
