-- Timeliness per reporting year (cohort of the notification date) and measure, for England,
-- each region and each LA live in the year, as at the run's as-at date (docs/rules.md §3, §4):
-- national and LA counts unrounded, regional counts rounded; rates and medians c where fewer
-- than the threshold of cases are due; percentages from unrounded counts.
{#- The figures of a group of cases, at every level. -#}
{%- set figures_of_cases -%}
    count(*) filter (where cases.is_complete or cases.is_open_overdue) as number_due,
    count(*) filter (where cases.is_on_time) as number_on_time,
    count(*) filter (where cases.is_open_overdue) as number_open_overdue,
    median(cases.elapsed_working_days) filter (where cases.is_complete) as median_working_days
{%- endset %}
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

    select {{ each_integer(var('first_reporting_year'), last_published_year()) }} as time_period

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

-- Each year and measure's figures for England, each region and each LA: one grouped pass over
-- the cases per level (not a join of every case to every area).
figures as (

    select
        cases.reporting_year as time_period,
        cases.measure_code,
        'National' as geographic_level,
        null as region_code,
        null as old_la_code,
        {{ figures_of_cases }}
    from cases
    group by all
    union all
    select
        cases.reporting_year as time_period,
        cases.measure_code,
        'Regional' as geographic_level,
        cases.region_code,
        null as old_la_code,
        {{ figures_of_cases }}
    from cases
    group by all
    union all
    select
        cases.reporting_year as time_period,
        cases.measure_code,
        'Local authority' as geographic_level,
        cases.region_code,
        cases.published_la_code as old_la_code,
        {{ figures_of_cases }}
    from cases
    group by all

),

-- Every cell, with 0 where no case is due.
cell_figures as (

    select
        cells.*,
        coalesce(figures.number_due, 0) as number_due,
        coalesce(figures.number_on_time, 0) as number_on_time,
        coalesce(figures.number_open_overdue, 0) as number_open_overdue,
        figures.median_working_days
    from cells
    left join figures
        on
            cells.time_period = figures.time_period
            and cells.measure_code = figures.measure_code
            and cells.geographic_level = figures.geographic_level
            and cells.region_code is not distinct from figures.region_code
            and cells.old_la_code is not distinct from figures.old_la_code

),

final as (

    select
        cast(cell_figures.time_period as {{ dbt.type_string() }}) as time_period,
        'Reporting year' as time_identifier,
        cell_figures.geographic_level,
        england.country_code,
        england.country_name,
        coalesce(cell_figures.region_code, '') as region_code,
        coalesce(cell_figures.region_name, '') as region_name,
        coalesce(cell_figures.new_la_code, '') as new_la_code,
        coalesce(cell_figures.la_name, '') as la_name,
        coalesce(cell_figures.old_la_code, '') as old_la_code,
        cell_figures.measure,
        case
            when cell_figures.geographic_level = 'Regional' then {{ regional_count('cell_figures.number_due') }}
            else cast(cell_figures.number_due as {{ dbt.type_string() }})
        end as number_due,
        case
            when cell_figures.number_due = 0 then '0'
            when cell_figures.number_due < {{ var('timeliness_min_due') }} then 'c'
            when cell_figures.geographic_level = 'Regional' then {{ regional_count('cell_figures.number_on_time') }}
            else cast(cell_figures.number_on_time as {{ dbt.type_string() }})
        end as number_on_time,
        case
            when cell_figures.number_due between 1 and {{ var('timeliness_min_due') }} - 1 then 'c'
            else {{ percent_1dp('cell_figures.number_on_time', 'cell_figures.number_due') }}
        end as percent_on_time,
        case
            when cell_figures.number_due between 1 and {{ var('timeliness_min_due') }} - 1 then 'c'
            else {{ one_dp('cell_figures.median_working_days') }}
        end as median_working_days,
        case
            -- A measure that runs backwards from publication has no deadline, so nothing is overdue.
            when cell_figures.rule = 'at_least' then 'z'
            when cell_figures.geographic_level = 'Regional'
                then {{ regional_count('cell_figures.number_open_overdue') }}
            else cast(cell_figures.number_open_overdue as {{ dbt.type_string() }})
        end as number_open_overdue
    from cell_figures
    cross join england
    order by
        cell_figures.time_period,
        cell_figures.publish_order,
        cell_figures.level_order,
        cell_figures.region_code nulls first,
        cell_figures.old_la_code nulls first

)

select * from final
