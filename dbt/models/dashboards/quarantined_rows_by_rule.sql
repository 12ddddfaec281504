-- The data quality page: rows quarantined per kind of extract and rule (a row counts once per
-- rule it broke, however many of its columns broke it).
with

quarantined as (

    select * from {{ source('quarantine', 'rows') }}

),

row_rules as (

    select distinct
        kind,
        rule,
        file_sha256,
        row_number
    from quarantined

),

final as (

    select
        kind,
        rule,
        count(*)::integer as rows_quarantined
    from row_rules
    group by kind, rule
    order by rows_quarantined desc, kind asc, rule asc

)

select * from final
