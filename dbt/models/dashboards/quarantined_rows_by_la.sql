-- The data quality page: the 40 LA codes with the most quarantined rows, so the team knows whom to
-- chase. A value that is not a 3-digit code is never echoed (it came from an extract and could be
-- anything, markup included): it is shown as 'unreadable code'.
with

quarantined as (

    select * from {{ source('quarantine', 'rows') }}

),

row_las as (

    select distinct
        case
            when la_code is null then 'not given'
            when {{ full_match('la_code', '[0-9]{3}') }} then la_code
            else 'unreadable code'
        end as la,
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
