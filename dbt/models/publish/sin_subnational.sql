-- Notifications per reporting year for England, each region and each LA live in the year,
-- with the contextual indicators and a rate per 10,000 children (docs/outputs.md §2): LA and
-- national counts unrounded, regional counts rounded; cin and population summed above LA level
-- (x when an LA's figure is missing), idaci x above LA level; rates from unrounded counts.
with

notifications as (

    select * from {{ ref('fct_notifications') }}
    where is_counted

),

la_years as (

    select * from {{ ref('dim_local_authority_year') }}
    where time_period <= {{ last_published_year() }}

),

context as (

    select * from {{ ref('stg_raw__la_context') }}

),

england as (

    select * from {{ ref('countries') }}
    where country_name = 'England'

),

la_figures as (

    select
        la_years.time_period,
        la_years.region_code,
        la_years.region_name,
        la_years.old_la_code,
        la_years.new_la_code,
        la_years.la_name,
        count(notifications.notification_id) as number_notifications,
        any_value(context.cin_31march) as cin_31march,
        any_value(context.idaci_avgscore) as idaci_avgscore,
        any_value(context.ons_midyear_population) as ons_midyear_population
    from la_years
    left join notifications
        on
            la_years.time_period = notifications.reporting_year
            and la_years.old_la_code = notifications.published_la_code
    left join context
        on
            la_years.time_period = context.time_period
            and la_years.old_la_code = context.la_code
    group by all

),

-- Above LA level a sum is given only when every LA in it has the figure.
area_figures as (

    select
        time_period,
        'National' as geographic_level,
        1 as level_order,
        null as region_code,
        null as region_name,
        sum(number_notifications) as number_notifications,
        case when count(cin_31march) = count(*) then sum(cin_31march) end as cin_31march,
        case
            when count(ons_midyear_population) = count(*) then sum(ons_midyear_population)
        end as ons_midyear_population
    from la_figures
    group by time_period
    union all
    select
        time_period,
        'Regional' as geographic_level,
        2 as level_order,
        region_code,
        region_name,
        sum(number_notifications) as number_notifications,
        case when count(cin_31march) = count(*) then sum(cin_31march) end as cin_31march,
        case
            when count(ons_midyear_population) = count(*) then sum(ons_midyear_population)
        end as ons_midyear_population
    from la_figures
    group by time_period, region_code, region_name

),

rows_out as (

    select
        time_period,
        geographic_level,
        level_order,
        region_code,
        region_name,
        null as old_la_code,
        null as new_la_code,
        null as la_name,
        number_notifications,
        cin_31march,
        null::double as idaci_avgscore,
        ons_midyear_population
    from area_figures
    union all
    select
        time_period,
        'Local authority' as geographic_level,
        3 as level_order,
        region_code,
        region_name,
        old_la_code,
        new_la_code,
        la_name,
        number_notifications,
        cin_31march,
        idaci_avgscore,
        ons_midyear_population
    from la_figures

),

final as (

    select
        cast(rows_out.time_period as {{ dbt.type_string() }}) as time_period,
        'Reporting year' as time_identifier,
        rows_out.geographic_level,
        england.country_code,
        england.country_name,
        coalesce(rows_out.region_code, '') as region_code,
        coalesce(rows_out.region_name, '') as region_name,
        coalesce(rows_out.new_la_code, '') as new_la_code,
        coalesce(rows_out.la_name, '') as la_name,
        coalesce(rows_out.old_la_code, '') as old_la_code,
        case
            when rows_out.geographic_level = 'Regional' then {{ regional_count('rows_out.number_notifications') }}
            else cast(rows_out.number_notifications as {{ dbt.type_string() }})
        end as number_notifications,
        coalesce(cast(rows_out.cin_31march as {{ dbt.type_string() }}), 'x') as cin_31march,
        coalesce({{ fixed_places('rows_out.idaci_avgscore', 3) }}, 'x') as idaci_avgscore,
        coalesce(cast(rows_out.ons_midyear_population as {{ dbt.type_string() }}), 'x') as ons_midyear_population,
        -- No population (missing or 0) makes the rate x (docs/extracts.md §3).
        {{ ratio_1dp(
            'rows_out.number_notifications', 'coalesce(rows_out.ons_midyear_population, 0)', 10000, 'x'
        ) }} as rate_per_10000_children
    from rows_out
    cross join england
    order by
        rows_out.time_period,
        rows_out.level_order,
        rows_out.region_code nulls first,
        rows_out.old_la_code nulls first

)

select * from final
