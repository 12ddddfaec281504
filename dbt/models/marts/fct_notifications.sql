{{ config(materialized='incremental', incremental_strategy='replace_notifications', on_schema_change='fail') }}
-- depends_on: {{ ref('int_changed_notifications') }}
-- depends_on: {{ ref('timeliness_measures') }}
-- One row per notification: its standing version, why it is or is not counted, its period,
-- its LA as on the notification date and as published, and its characteristics' groups.
with

standing as (

    select * from {{ ref('int_notifications_versioned') }}
    where {{ changed_only('notification_id') }}

),

counting as (

    select * from {{ ref('int_notifications_deduplicated') }}
    where {{ changed_only('notification_id') }}

),

spells as (

    select * from {{ ref('dim_local_authority') }}

),

la_years as (

    select * from {{ ref('dim_local_authority_year') }}

),

natures as (

    select * from {{ ref('nature_of_notification') }}

),

age_groups as (

    select * from {{ ref('age_group') }}

),

ethnicities as (

    select * from {{ ref('ethnicity') }}

),

timeliness as (

    select * from {{ ref('int_timeliness_cases') }}
    where {{ changed_only('notification_id') }}

),

-- One column group per timeliness measure: deadline, elapsed working days, status.
timeliness_wide as (

    select
        notification_id,
        {%- for code in timeliness_measure_codes() %}
            max(deadline_date) filter (where measure_code = '{{ code }}') as {{ code }}_deadline_date,
            max(elapsed_working_days) filter (where measure_code = '{{ code }}')
                as {{ code }}_elapsed_working_days,
            max(status) filter (where measure_code = '{{ code }}') as {{ code }}_status,
        {%- endfor %}
        count(*) as timeliness_measures_applying
    from timeliness
    group by notification_id

),

periods as (

    select
        *,
        {{ reporting_year('notification_date') }} as reporting_year,
        {{ reporting_quarter('notification_date') }} as reporting_quarter
    from standing

),

final as (

    select
        periods.notification_id,
        periods.record_version,
        periods.record_updated_at,
        periods.versions_held,
        periods.record_status,
        periods.duplicate_of,
        counting.counted_under_notification_id,
        counting.counting_reason,
        counting.counting_reason = 'counted' as is_counted,
        counting.is_counted_in_series,
        natures.series,
        counting.flag_duplicate_unresolved,
        periods.flag_newer_version_quarantined,
        periods.reporting_year,
        periods.reporting_quarter,
        periods.incident_date,
        periods.la_aware_date,
        periods.notification_date,
        periods.la_code,
        spells.new_la_code as la_new_code_on_notification_date,
        spells.la_name as la_name_on_notification_date,
        la_years.old_la_code as published_la_code,
        la_years.new_la_code as published_new_la_code,
        la_years.la_name as published_la_name,
        la_years.region_code,
        la_years.region_name,
        periods.nature,
        natures.label as nature_label,
        periods.abuse_neglect,
        periods.children_involved,
        periods.child_sex,
        periods.child_age,
        coalesce(age_groups.age_group, 'Unknown') as age_group,
        periods.child_ethnicity,
        ethnicities.major_group as ethnicity_major_group,
        periods.child_disability,
        periods.child_looked_after,
        periods.child_cin_plan,
        periods.child_cp_plan,
        periods.known_to_agency,
        periods.placement_type,
        periods.file_name as standing_version_file_name,
        periods.file_row_number as standing_version_file_row_number,
        {{ star_except('timeliness_wide', ['notification_id']) }}
    from periods
    inner join counting on periods.notification_id = counting.notification_id
    inner join natures on periods.nature = natures.code
    left join spells
        on
            periods.la_code = spells.old_la_code
            and periods.notification_date >= spells.valid_from
            and (spells.valid_to is null or periods.notification_date <= spells.valid_to)
    left join la_years
        on
            periods.la_code = la_years.old_la_code
            and periods.reporting_year = la_years.time_period
    left join age_groups
        on
            natures.series = age_groups.series
            and periods.child_age between age_groups.min_age and age_groups.max_age
    left join ethnicities on periods.child_ethnicity = ethnicities.code
    left join timeliness_wide on periods.notification_id = timeliness_wide.notification_id

)

select * from final
