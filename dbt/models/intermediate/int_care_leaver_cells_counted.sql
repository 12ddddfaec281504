-- Every cell of sin_care_leaver_deaths before disclosure control: each reporting year from
-- the first year published, each age group and the Total, with its count (0 where none).
with

deaths as (

    select * from {{ ref('fct_notifications') }}
    where series = 'care_leaver' and is_counted_in_series

),

age_groups as (

    select
        age_group,
        publish_order
    from {{ ref('age_group') }}
    where series = 'care_leaver'
    union all
    select
        'Total' as age_group,
        0 as publish_order

),

years as (

    select {{ each_integer(var('care_leaver_first_year'), last_published_year()) }} as time_period

),

grouped as (

    select
        reporting_year as time_period,
        age_group
    from deaths
    union all
    select
        reporting_year as time_period,
        'Total' as age_group
    from deaths

),

counted as (

    select
        time_period,
        age_group,
        count(*) as number_notifications
    from grouped
    group by all

),

final as (

    select
        years.time_period,
        age_groups.age_group,
        age_groups.publish_order,
        coalesce(counted.number_notifications, 0) as number_notifications
    from years
    cross join age_groups
    left join counted
        on
            years.time_period = counted.time_period
            and age_groups.age_group = counted.age_group

)

select * from final
