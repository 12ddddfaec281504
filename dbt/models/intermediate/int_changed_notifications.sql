-- The notifications an incremental build computes again (README, "Incremental runs"); empty on a
-- full build. A notification is computed again when a file no completed build has used names it
-- (a version, review milestones, or a quarantined row), when a duplicate link joins it to one of
-- those (links of every version, followed both ways, so a chain that changed is counted again
-- whole), and, when the as-at date moved, when an as-at date between the earliest and the latest
-- involved (as_at_floor_date, as_at_ceiling_date) can change its figures (docs/rules.md §3).
-- It must run before int_notifications_versioned replaces any row (every incremental model depends
-- on it), because it reads the reporting year the last build gave each notification.
{#- The tables as the last build left them (none on the first build, which is a full one). -#}
{%- set no_id = 'cast(null as ' ~ dbt.type_string() ~ ') as notification_id' %}
{%- set previous_versions = previous_relation(
    'int_notifications_versioned', no_id ~ ', cast(null as date) as notification_date'
) %}
{%- set previous_cases = previous_relation(
    'int_timeliness_cases', no_id ~ ', cast(null as date) as end_date_recorded, cast(null as date) as deadline_date'
) %}
with recursive

parameters as (

    select * from {{ source('reference', 'run_parameters') }}
    where is_incremental

),

unbuilt_files as (

    select loaded.file_sha256
    from {{ source('raw', 'loaded_files') }} as loaded
    where
        exists (select 1 from parameters)
        and loaded.file_sha256 not in (select built.file_sha256 from {{ source('pipeline', 'built_files') }} as built)

),

named as (

    select notifications.notification_id
    from {{ source('raw', 'notifications') }} as notifications
    where notifications._file_sha256 in (select unbuilt_files.file_sha256 from unbuilt_files)
    union
    select reviews.notification_id
    from {{ source('raw', 'reviews') }} as reviews
    where reviews._file_sha256 in (select unbuilt_files.file_sha256 from unbuilt_files)
    union
    select quarantined.notification_id
    from {{ source('quarantine', 'rows') }} as quarantined
    where
        quarantined.file_sha256 in (select unbuilt_files.file_sha256 from unbuilt_files)
        and quarantined.notification_id is not null

),

moved_with_as_at as (

    -- The as-at date reaches a notification's rows four ways: its timeliness cases count from its
    -- date, an end counts from its date, an open case is overdue the day after its deadline
    -- (int_timeliness_cases), and the LA it is published under is looked up for reporting years up
    -- to the as-at date's (dim_local_authority_year, in fct_notifications). A notification with
    -- none of those between the earliest and the latest as-at involved has the same rows at any
    -- as-at between them, the last build's and this one's included.
    select previous_versions.notification_id
    from {{ previous_versions }} as previous_versions
    inner join parameters
        on
            (
                previous_versions.notification_date > parameters.as_at_floor_date
                and previous_versions.notification_date <= parameters.as_at_ceiling_date
            )
            or (
                {{ reporting_year('previous_versions.notification_date') }}
                > {{ reporting_year('parameters.as_at_floor_date') }}
                and {{ reporting_year('previous_versions.notification_date') }}
                <= {{ reporting_year('parameters.as_at_ceiling_date') }}
            )
    union
    select previous_cases.notification_id
    from {{ previous_cases }} as previous_cases
    inner join parameters
        on
            (
                previous_cases.end_date_recorded > parameters.as_at_floor_date
                and previous_cases.end_date_recorded <= parameters.as_at_ceiling_date
            )
            or (
                previous_cases.deadline_date >= parameters.as_at_floor_date
                and previous_cases.deadline_date < parameters.as_at_ceiling_date
            )

),

links as (

    select distinct
        notifications.notification_id,
        notifications.duplicate_of as linked_id
    from {{ source('raw', 'notifications') }} as notifications
    where notifications.duplicate_of is not null and notifications.duplicate_of <> notifications.notification_id

),

both_ways as (

    select
        links.notification_id,
        links.linked_id
    from links
    union all
    select
        links.linked_id as notification_id,
        links.notification_id as linked_id
    from links

),

-- Every path along the links from a named notification, stopping before one already on the
-- path (a recursive union that drops repeats is not in every engine).
reached (notification_id, visited) as (

    select
        named.notification_id,
        {{ dbt.array_construct(['named.notification_id']) | trim }} as visited
    from named
    union all
    select
        both_ways.linked_id as notification_id,
        {{ dbt.array_append('reached.visited', 'both_ways.linked_id') }} as visited
    from reached
    inner join both_ways on reached.notification_id = both_ways.notification_id
    where not array_contains(reached.visited, both_ways.linked_id)

),

final as (

    select reached.notification_id from reached
    union
    select moved_with_as_at.notification_id from moved_with_as_at

)

-- With the reporting year the last build gave each (none for a notification new to the warehouse):
-- the models counted by reporting year recount it as well as the year it is in now
-- (changed_years_only, dbt/macros/incremental.sql).
select
    final.notification_id,
    {{ reporting_year('previous_versions.notification_date') }} as previous_reporting_year
from final
left join {{ previous_versions }} as previous_versions on final.notification_id = previous_versions.notification_id
-- On a full build nothing is computed again this way (the parameters row says so).
where exists (select 1 from parameters)
