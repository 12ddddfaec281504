-- One row per spell of a local authority's 3-digit code (a recoding starts a new spell).
with

local_authorities as (

    select * from {{ ref('stg_reference__local_authorities') }}

),

final as (

    select
        old_la_code || ':' || new_la_code as la_spell_key,
        old_la_code,
        new_la_code,
        la_name,
        region_code,
        region_name,
        valid_from,
        valid_to
    from local_authorities

)

select * from final
