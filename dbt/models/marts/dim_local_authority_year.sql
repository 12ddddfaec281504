-- One row per reporting year and LA live at any time in it: the key it is published under
-- (its 3-digit code) with the 9-character code and name in force at the end of that year, or
-- on its last day if it ended during the year (docs/outputs.md §2).
with

spells as (

    select * from {{ ref('dim_local_authority') }}

),

years as (

    select {{ each_integer(var('first_reporting_year'), as_at_reporting_year()) }} as time_period

),

overlapping as (

    select
        years.time_period,
        spells.*
    from years
    inner join spells
        on
            spells.valid_from <= {{ reporting_year_end('years.time_period') }}
            and (
                spells.valid_to is null
                or spells.valid_to >= {{ reporting_year_end('years.time_period - 1') }} + 1
            )

),

final as (

    select
        time_period,
        old_la_code,
        new_la_code,
        la_name,
        region_code,
        region_name
    from overlapping
    qualify row_number() over (
        partition by time_period, old_la_code order by valid_from desc
    ) = 1

)

select * from final
