{{ config(materialized='incremental', incremental_strategy='replace_notifications', on_schema_change='fail') }}
-- depends_on: {{ ref('int_changed_notifications') }}
-- The standing version of each notification (docs/rules.md §1): among the valid versions held at
-- the cut-off (all of them when there is none), the highest record_version, then the later
-- record_updated_at, then the later file date, then the later row.
with

versions as (

    select * from {{ ref('stg_raw__notifications') }}
    where {{ held_at_cut_off('record_updated_date') }} and {{ changed_only('notification_id') }}

),

quarantined as (

    select * from {{ source('quarantine', 'rows') }}
    where kind = 'notifications' and notification_id is not null and {{ changed_only('notification_id') }}

),

ranked as (

    select
        *,
        count(*) over (partition by notification_id) as versions_held,
        row_number() over (
            partition by notification_id
            order by
                record_version desc,
                record_updated_at desc,
                file_date desc,
                file_name desc,
                file_row_number desc
        ) as version_rank
    from versions

),

standing as (

    select {{ star_except('', ['version_rank']) }} from ranked
    where version_rank = 1

),

-- A quarantined row is newer as docs/rules.md §1 orders versions: a higher record_version, or the
-- same one saved later; where its version cannot be read, a later file. In a release only rows
-- saved (or, with no readable time, delivered) by the end of the cut-off day count, as for the
-- loaded versions.
newer_quarantined as (

    select distinct standing.notification_id
    from standing
    inner join quarantined
        on standing.notification_id = quarantined.notification_id
    inner join {{ source('raw', 'loaded_files') }} as files
        on quarantined.file_sha256 = files.file_sha256
    where
        (
            quarantined.record_version > standing.record_version
            or (
                quarantined.record_version = standing.record_version
                and quarantined.record_updated_at > standing.record_updated_at
            )
            or (quarantined.record_version is null and files.file_date > standing.file_date)
        )
        and {{ held_at_cut_off(
            "coalesce(" ~ london_date("quarantined.record_updated_at") ~ ", files.file_date)"
        ) }}

),

final as (

    select
        standing.*,
        newer_quarantined.notification_id is not null as flag_newer_version_quarantined
    from standing
    left join newer_quarantined
        on standing.notification_id = newer_quarantined.notification_id

)

select * from final
