-- One row per broken rule of a quarantined row, with the local authority it goes back to, so each
-- LA can be sent its own corrections (PUBLISH/internal/feedback/<LA code>.csv): the row's own LA
-- code where it is a 3-digit code, else (a review row) the LA of its notification where that is
-- known; null where the LA cannot be read. Values are as received, cut to 50 characters, contract
-- columns only (free text is never kept).
with

quarantined as (

    select * from {{ source('quarantine', 'rows') }}

),

notifications as (

    select * from {{ ref('fct_notifications') }}

),

local_authorities as (

    select * from {{ ref('stg_reference__local_authorities') }}

),

la_names as (

    select
        old_la_code,
        max_by(la_name, valid_from) as la_name
    from local_authorities
    group by old_la_code

),

attributed as (

    select
        quarantined.*,
        coalesce(
            case when {{ full_match('quarantined.la_code', '[0-9]{3}') }} then quarantined.la_code end,
            notifications.la_code
        ) as feedback_la_code
    from quarantined
    left join notifications
        on
            quarantined.kind = 'reviews'
            and quarantined.notification_id = notifications.notification_id

),

final as (

    select
        attributed.feedback_la_code as la_code,
        la_names.la_name,
        attributed.file_name,
        attributed.row_number,
        attributed.column_name,
        attributed.value as value_as_received,
        attributed.rule,
        attributed.rule_description as message
    from attributed
    left join la_names on attributed.feedback_la_code = la_names.old_la_code
    order by la_code, attributed.file_name, attributed.row_number, attributed.column_name, attributed.rule

)

select * from final
