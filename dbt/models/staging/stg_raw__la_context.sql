-- A later file for the same reporting year replaces the earlier one whole (docs/extracts.md §3).
with

source as (

    select * from {{ source('raw', 'la_context') }}

),

latest_file as (

    select
        time_period,
        max_by(_file_name, cast(_loaded_at as {{ dbt.type_string() }}) || _file_name) as file_name
    from source
    group by time_period

),

final as (

    select
        source.time_period,
        source.la_code,
        source.cin_31march,
        source.idaci_avgscore,
        source.ons_midyear_population,
        source._file_name as file_name,
        source._row_number as file_row_number
    from source
    inner join latest_file
        on
            source.time_period = latest_file.time_period
            and source._file_name = latest_file.file_name
    qualify row_number() over (
        partition by source.time_period, source.la_code order by source._row_number desc
    ) = 1

)

select * from final
