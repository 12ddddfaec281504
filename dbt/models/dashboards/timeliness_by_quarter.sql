-- The internal timeliness page's counts: cases due, on time and open and overdue per quarter of
-- the notification date, measure, region and LA (counts only; the page filters and draws them).
with

cases as (

    select * from {{ ref('fct_timeliness') }}
    where is_measured

),

final as (

    select
        reporting_year || ' ' || reporting_quarter as period,
        measure,
        coalesce(region_name, 'Unknown') as region,
        coalesce(published_la_name, 'Unknown') as la,
        count(*) filter (where is_complete or is_open_overdue)::integer as due,
        count(*) filter (where is_on_time)::integer as on_time,
        count(*) filter (where is_open_overdue)::integer as open_overdue
    from cases
    group by all
    order by all

)

select * from final
