-- The internal timeliness page's counts: cases due, on time and open and overdue per quarter of
-- the notification date, measure, region and LA (counts only; the page filters and draws them).
-- The quarters of the year in progress are marked: that year is on the internal pages only, as
-- year to date and provisional (docs/rules.md §2).
with

cases as (

    select * from {{ ref('fct_timeliness') }}
    where is_measured

),

run_years as (

    select * from {{ ref('int_run_reporting_years') }}

),

final as (

    select
        cases.reporting_year || ' ' || cases.reporting_quarter
        || case
            when cases.reporting_year > run_years.last_complete_year then ' (year to date, provisional)'
            else ''
        end as period,
        cases.measure,
        coalesce(cases.region_name, 'Unknown') as region,
        coalesce(cases.published_la_name, 'Unknown') as la,
        count(*) filter (where cases.is_complete or cases.is_open_overdue)::integer as due,
        count(*) filter (where cases.is_on_time)::integer as on_time,
        count(*) filter (where cases.is_open_overdue)::integer as open_overdue
    from cases
    cross join run_years
    group by all
    order by all

)

select * from final
