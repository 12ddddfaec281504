-- The data quality page: files received, accepted and rejected, and rows loaded and quarantined,
-- per kind of extract.
with

loaded_files as (

    select * from {{ source('raw', 'loaded_files') }}

),

rejected_files as (

    select * from {{ source('quarantine', 'rejected_files') }}

),

received as (

    select
        kind,
        file_name,
        'accepted' as status,
        rows_loaded,
        rows_quarantined
    from loaded_files
    union all
    select
        kind,
        file_name,
        'rejected' as status,
        0 as rows_loaded,
        0 as rows_quarantined
    from rejected_files

),

final as (

    select
        kind,
        count(*)::integer as files_received,
        count(*) filter (where status = 'rejected')::integer as files_rejected,
        sum(rows_loaded)::bigint as rows_loaded,
        sum(rows_quarantined)::bigint as rows_quarantined
    from received
    group by kind
    order by kind

)

select * from final
