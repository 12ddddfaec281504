-- The reporting years of this build, one row, so Python never computes a reporting year itself:
-- the year that holds the as-at date (in progress), the last year the files publish, and the last
-- complete year (the latest that had ended by the as-at date).
with

final as (

    select
        {{ as_at_date() }} as as_at_date,
        {{ as_at_reporting_year() }} as as_at_reporting_year,
        {{ last_published_year() }} as last_published_year,
        {{ last_complete_year() }} as last_complete_year

)

select * from final
