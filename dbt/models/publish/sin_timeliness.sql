-- Timeliness per reporting year (cohort of the notification date) and measure, for England,
-- each region and each LA live in the year, as at the run's as-at date (docs/rules.md §3, §4):
-- national and LA counts unrounded, regional counts rounded; rates and medians c where fewer
-- than the threshold of cases are due; percentages from unrounded counts.
with

cases as (

    select * from {{ ref('fct_timeliness') }}
    where is_measured

),

measures as (

    select distinct
        measure_code,
        measure,
        publish_order,
        rule
    from {{ ref('timeliness_measures') }}

),

la_years as (

    select * from {{ ref('dim_local_authority_year') }}
    where time_period <= {{ last_published_year() }}

),

england as (

    select * from {{ ref('countries') }}
    where country_name = 'England'

),

years as (

    select unnest(generate_series(
        {{ var('first_reporting_year') }}, {{ last_published_year() }}
    )) as time_period

),

national_areas as (

    select
        time_period,
        'National' as geographic_level,
        1 as level_order,
        null as region_code,
        null as region_name,
        null as old_la_code,
        null as new_la_code,
        null as la_name
    from years

),

regional_areas as (

    select distinct
        time_period,
        'Regional' as geographic_level,
        2 as level_order,
        region_code,
        region_name,
        null as old_la_code,
        null as new_la_code,
        null as la_name
    from la_years

),

la_areas as (

    select
        time_period,
        'Local authority' as geographic_level,
        3 as level_order,
        region_code,
        region_name,
        old_la_code,
        new_la_code,
        la_name
    from la_years

),

areas as (

    select * from national_areas
    union all
    select * from regional_areas
    union all
    select * from la_areas

),

-- Every published cell: each year and measure, for England, its regions and its LAs.
cells as (

    select
        areas.time_period,
        measures.measure_code,
        measures.measure,
        measures.publish_order,
        measures.rule,
        areas.geographic_level,
        areas.level_order,
        areas.region_code,
        areas.region_name,
        areas.old_la_code,
        areas.new_la_code,
        areas.la_name
    from areas
    cross join measures

),

figures as (

    select
        cells.time_period,
        cells.measure_code,
        cells.geographic_level,
        cells.region_code,
        cells.old_la_code,
        count(cases.notification_id) filter (where cases.is_complete or cases.is_open_overdue) as number_due,
        count(cases.notification_id) filter (where cases.is_on_time) as number_on_time,
        count(cases.notification_id) filter (where cases.is_open_overdue) as number_open_overdue,
        median(cases.elapsed_working_days) filter (where cases.is_complete) as median_working_days
    from cells
    left join cases
        on
            cells.time_period = cases.reporting_year
            and cells.measure_code = cases.measure_code
            and (cells.region_code is null or cells.region_code = cases.region_code)
            and (cells.old_la_code is null or cells.old_la_code = cases.published_la_code)
    group by all

),

final as (

    select
        cells.time_period::varchar as time_period,
        'Reporting year' as time_identifier,
        cells.geographic_level,
        england.country_code,
        england.country_name,
        coalesce(cells.region_code, '') as region_code,
        coalesce(cells.region_name, '') as region_name,
        coalesce(cells.new_la_code, '') as new_la_code,
        coalesce(cells.la_name, '') as la_name,
        coalesce(cells.old_la_code, '') as old_la_code,
        cells.measure,
        case
            when cells.geographic_level = 'Regional' then {{ regional_count('figures.number_due') }}
            else figures.number_due::varchar
        end as number_due,
        case
            when figures.number_due = 0 then '0'
            when figures.number_due < {{ var('timeliness_min_due') }} then 'c'
            when cells.geographic_level = 'Regional' then {{ regional_count('figures.number_on_time') }}
            else figures.number_on_time::varchar
        end as number_on_time,
        case
            when figures.number_due between 1 and {{ var('timeliness_min_due') }} - 1 then 'c'
            else {{ percent_1dp('figures.number_on_time', 'figures.number_due') }}
        end as percent_on_time,
        case
            when figures.number_due between 1 and {{ var('timeliness_min_due') }} - 1 then 'c'
            else {{ one_dp('figures.median_working_days') }}
        end as median_working_days,
        case
            -- A measure that runs backwards from publication has no deadline, so nothing is overdue.
            when cells.rule = 'at_least' then 'z'
            when cells.geographic_level = 'Regional' then {{ regional_count('figures.number_open_overdue') }}
            else figures.number_open_overdue::varchar
        end as number_open_overdue
    from cells
    inner join figures
        on
            cells.time_period = figures.time_period
            and cells.measure_code = figures.measure_code
            and cells.geographic_level = figures.geographic_level
            and cells.region_code is not distinct from figures.region_code
            and cells.old_la_code is not distinct from figures.old_la_code
    cross join england
    order by
        cells.time_period,
        cells.publish_order,
        cells.level_order,
        cells.region_code nulls first,
        cells.old_la_code nulls first

)

select * from final
