-- The data quality page: files in the landing folder whose names are not those of an extract, so
-- the team can ask what they are (they are left alone, never read).
with

unrecognised as (

    select * from {{ source('quarantine', 'unrecognised_files') }}

),

final as (

    select
        file_name,
        first_seen_at
    from unrecognised
    order by file_name

)

select * from final
