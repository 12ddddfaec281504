-- Every day from the calendar start to the end of the bank-holiday list, with whether it is a
-- working day in England and Wales (docs/rules.md §3) and a running count of working days, so that
-- the working days d with A < d <= B number working_day_number(B) - working_day_number(A).
with

holidays as (

    select * from {{ source('reference', 'bank_holidays') }}

),

days as (

    select
        {{ each_day(
            "cast('" ~ var('calendar_start') ~ "' as date)",
            '(select max(holidays.calendar_end) from holidays)'
        ) }} as date_day

),

flagged as (

    select
        days.date_day,
        {{ iso_day_of_week('days.date_day') }} in (6, 7) as is_weekend,
        holidays.holiday_date is not null as is_bank_holiday
    from days
    left join holidays on days.date_day = holidays.holiday_date

),

final as (

    select
        date_day,
        is_weekend,
        is_bank_holiday,
        not is_weekend and not is_bank_holiday as is_working_day,
        sum(case when not is_weekend and not is_bank_holiday then 1 else 0 end)
            over (order by date_day rows between unbounded preceding and current row)
            as working_day_number,
        {{ reporting_year('date_day') }} as reporting_year,
        {{ reporting_quarter('date_day') }} as reporting_quarter
    from flagged

)

select * from final
