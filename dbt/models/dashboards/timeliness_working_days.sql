-- The internal timeliness page's distribution: complete cases by the working days they took, per
-- measure, region and LA.
with

cases as (

    select * from {{ ref('fct_timeliness') }}
    where is_measured and is_complete

),

final as (

    select
        measure,
        coalesce(region_name, 'Unknown') as region,
        coalesce(published_la_name, 'Unknown') as la,
        elapsed_working_days::integer as days,
        count(*)::integer as cases
    from cases
    group by all
    order by all

)

select * from final
