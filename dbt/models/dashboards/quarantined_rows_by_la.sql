-- The data quality page: the 40 LA codes (as received) with the most quarantined rows, so the team
-- knows whom to chase.
with

quarantined as (

    select * from {{ source('quarantine', 'rows') }}

),

row_las as (

    select distinct
        coalesce(la_code, 'not given') as la,
        file_sha256,
        row_number
    from quarantined

),

final as (

    select
        la,
        count(*)::integer as rows_quarantined
    from row_las
    group by la
    order by rows_quarantined desc, la asc
    limit 40

)

select * from final
