with

source as (

    select * from {{ source('raw', 'notifications') }}

),

final as (

    select
        notification_id,
        record_version,
        record_updated_at,
        {{ london_date('record_updated_at') }} as record_updated_date,
        record_status,
        nullif(duplicate_of, notification_id) as duplicate_of,
        coalesce(duplicate_of = notification_id, false) as is_self_duplicate,
        la_code,
        incident_date,
        la_aware_date,
        notification_date,
        nature,
        abuse_neglect,
        children_involved,
        child_sex,
        child_age,
        child_ethnicity,
        child_disability,
        child_looked_after,
        child_cin_plan,
        child_cp_plan,
        known_to_agency,
        placement_type,
        _file_name as file_name,
        _file_date as file_date,
        _row_number as file_row_number,
        _loaded_at as loaded_at
    from source

)

select * from final
