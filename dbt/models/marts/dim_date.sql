-- One row per day, with working-day flags for England and Wales and the reporting period.
select * from {{ ref('int_calendar_days') }}
