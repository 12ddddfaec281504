-- National serious incident notifications by nature, every reporting year of the series, with
-- a Total. Counts are published in full (docs/rules.md §4: national totals are not suppressed).
with

notifications as (

    select * from {{ ref('fct_notifications') }}
    where is_counted

),

natures as (

    select * from {{ ref('nature_of_notification') }}
    where series = 'serious_incident'

),

years as (

    select {{ each_integer(var('first_reporting_year'), last_published_year()) }} as time_period

),

items as (

    select
        code as nature,
        label as nature_of_notification,
        publish_order
    from natures
    union all
    select
        null as nature,
        'Total' as nature_of_notification,
        0 as publish_order

),

england as (

    select * from {{ ref('countries') }}
    where country_name = 'England'

),

counts as (

    select
        reporting_year as time_period,
        nature,
        count(*) as number_notifications
    from notifications
    group by reporting_year, nature

    union all

    select
        reporting_year as time_period,
        null as nature,
        count(*) as number_notifications
    from notifications
    group by reporting_year

),

final as (

    select
        cast(years.time_period as {{ dbt.type_string() }}) as time_period,
        'Reporting year' as time_identifier,
        'National' as geographic_level,
        england.country_code,
        england.country_name,
        items.nature_of_notification,
        cast(coalesce(counts.number_notifications, 0) as {{ dbt.type_string() }}) as number_notifications
    from years
    cross join items
    cross join england
    left join counts
        on
            years.time_period = counts.time_period
            and items.nature is not distinct from counts.nature
    order by years.time_period, items.publish_order

)

select * from final
