{{ config(materialized='incremental', incremental_strategy='replace_notifications', on_schema_change='fail') }}
-- depends_on: {{ ref('int_changed_notifications') }}
-- Why each notification is or is not counted (docs/rules.md §1), one reason each, first match wins:
-- withdrawn, care_leaver_death, duplicate, counted. A duplicate is counted once, under the
-- notification its duplicate_of chain leads to. Links are followed only between active
-- notifications of the same series; a notification on a loop of links is counted in its own
-- right, and so is one whose link leads nowhere countable (flagged duplicate_unresolved).
with recursive

standing as (

    select * from {{ ref('int_notifications_versioned') }}
    -- A changed notification's whole duplicate chain is among the changed ones.
    where {{ changed_only('notification_id') }}

),

natures as (

    select * from {{ ref('nature_of_notification') }}

),

-- active is counted, withdrawn (made in error) never is: the record_status seed says which.
statuses as (

    select * from {{ ref('record_status') }}

),

nodes as (

    select
        standing.notification_id,
        standing.duplicate_of,
        standing.is_self_duplicate,
        standing.record_status,
        statuses.is_counted as is_status_counted,
        standing.nature,
        natures.series
    from standing
    inner join natures on standing.nature = natures.code
    inner join statuses on standing.record_status = statuses.code

),

links as (

    select
        child.notification_id,
        parent.notification_id as parent_id
    from nodes as child
    inner join nodes as parent
        on child.duplicate_of = parent.notification_id
    where
        child.is_status_counted
        and parent.is_status_counted
        and child.series = parent.series

),

-- Every path along the links, stopping before a notification already visited. (A notification
-- has one link at most: its duplicate_of.)
walk (start_id, current_id, visited, step_count) as (

    select
        notification_id as start_id,
        notification_id as current_id,
        {{ dbt.array_construct(['notification_id']) }} as visited,
        0 as step_count
    from links

    union all

    select
        walk.start_id,
        links.parent_id,
        {{ dbt.array_append('walk.visited', 'links.parent_id') }},
        walk.step_count + 1
    from walk
    inner join links on walk.current_id = links.notification_id
    where not array_contains(walk.visited, links.parent_id)

),

-- Where each path ends: its last notification, and the notifications it visited.
ends as (

    select
        start_id,
        max_by(current_id, step_count) as last_id,
        max_by(visited, step_count) as visited
    from walk
    group by start_id

),

-- A path stops at a notification with no link, or at one whose link leads back into the path, to
-- the first notification of a loop it has reached.
path_ends as (

    select
        ends.start_id as notification_id,
        case
            when array_contains(ends.visited, links.parent_id) then links.parent_id
            else ends.last_id
        end as end_id
    from ends
    left join links on ends.last_id = links.notification_id

),

-- A notification is counted under the end of its path. One whose path leads back to itself is on a
-- loop, and counted in its own right (a loop's links lead nowhere).
roots as (

    select
        notification_id,
        end_id as counted_under_notification_id
    from path_ends
    where end_id != notification_id

),

final as (

    select
        nodes.notification_id,
        coalesce(roots.counted_under_notification_id, nodes.notification_id)
            as counted_under_notification_id,
        case
            when not nodes.is_status_counted then 'withdrawn'
            when nodes.series = 'care_leaver' then 'care_leaver_death'
            when roots.counted_under_notification_id is not null then 'duplicate'
            else 'counted'
        end as counting_reason,
        nodes.is_status_counted and roots.counted_under_notification_id is null
            as is_counted_in_series,
        nodes.is_status_counted
        and (nodes.duplicate_of is not null or coalesce(nodes.is_self_duplicate, false))
        and roots.counted_under_notification_id is null as flag_duplicate_unresolved
    from nodes
    left join roots on nodes.notification_id = roots.notification_id

)

select * from final
