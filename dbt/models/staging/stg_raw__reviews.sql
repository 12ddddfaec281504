with

source as (

    select * from {{ source('raw', 'reviews') }}

),

final as (

    select
        notification_id,
        record_updated_at,
        {{ london_date('record_updated_at') }} as record_updated_date,
        rapid_review_received_date,
        rapid_review_outcome,
        lcspr_decision_date,
        lcspr_sent_to_panel_date,
        lcspr_published_date,
        _file_name as file_name,
        _file_date as file_date,
        _row_number as file_row_number,
        _loaded_at as loaded_at
    from source

)

select * from final
