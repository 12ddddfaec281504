-- The data quality page: every file rejected whole, with why.
with

rejected_files as (

    select * from {{ source('quarantine', 'rejected_files') }}

),

final as (

    select
        file_name,
        kind,
        reason
    from rejected_files
    order by file_name

)

select * from final
