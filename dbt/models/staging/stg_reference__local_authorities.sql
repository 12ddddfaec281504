-- Spells of single English LAs; the combined "A / B" rows and the forces row never match.
with

local_authorities as (

    select * from {{ ref('local_authorities') }}
    where {{ var('single_la_condition') }}

),

regions as (

    select * from {{ ref('regions') }}

),

final as (

    select
        local_authorities.old_la_code,
        local_authorities.new_la_code,
        local_authorities.la_name,
        local_authorities.parent_geography_code as region_code,
        regions.region_name,
        {{ parse_dmy('local_authorities.date_of_operation') }} as valid_from,
        {{ parse_dmy('local_authorities.date_of_termination') }} as valid_to
    from local_authorities
    inner join regions
        on local_authorities.parent_geography_code = regions.region_code

)

select * from final
