-- The Panel's England-wide table (PUBLISH/internal/timeliness_la_ranking.csv and the internal
-- timeliness page): per measure, local authorities ranked by their late and open overdue cases, for
-- the year to date (provisional) and the last complete year. Counts only.
with

cases as (

    select * from {{ ref('fct_timeliness') }}
    where is_measured

),

run_years as (

    select * from {{ ref('int_run_reporting_years') }}

),

periods as (

    select
        run_years.as_at_reporting_year as reporting_year,
        'year to date, provisional' as period
    from run_years
    union all
    select
        run_years.last_complete_year as reporting_year,
        'last complete year' as period
    from run_years

),

counted as (

    select
        periods.period,
        cases.reporting_year,
        cases.measure,
        cases.published_la_code as la_code,
        cases.published_la_name as la_name,
        count(*) filter (where cases.is_complete or cases.is_open_overdue)::integer as due,
        count(*) filter (where cases.is_complete and not cases.is_on_time)::integer as late,
        count(*) filter (where cases.is_open_overdue)::integer as open_overdue
    from cases
    inner join periods on cases.reporting_year = periods.reporting_year
    group by all

),

final as (

    select
        period,
        reporting_year,
        measure,
        rank() over (partition by period, measure order by late + open_overdue desc) as rank,
        la_code,
        la_name,
        due,
        late,
        open_overdue
    from counted
    where late + open_overdue > 0
    order by reporting_year desc, measure asc, rank asc, la_code asc

)

select * from final
