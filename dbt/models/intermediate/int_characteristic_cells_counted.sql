{{ config(materialized='incremental', incremental_strategy='replace_years', on_schema_change='fail') }}
-- depends_on: {{ ref('int_changed_notifications') }}
-- Every cell of sin_nature_characteristics before disclosure control (docs/outputs.md §2), with
-- its count (0 where there is none), as DfE lays the file out: quarters (Q1-Q4 and Total) under
-- the Total topic only, every other topic annual; the Total topic keeps all three natures, the
-- other topics publish serious harm and other combined; under the child_death_split_topic alone,
-- the Child death figure is also split by whether abuse or neglect was known or suspected.
-- Topics and items come from the characteristic_topics var and the reference seeds. An incremental
-- build counts again only the years a changed notification is in (changed_years_only).
{%- set topics = var('characteristic_topics') %}
{%- set split_topic = var('child_death_split_topic') %}
with

notifications as (

    select * from {{ ref('fct_notifications') }}
    where is_counted and {{ changed_years_only('reporting_year') }}

),

natures as (

    select * from {{ ref('nature_of_notification') }}
    where series = 'serious_incident'

),

abuse_neglect as (

    select * from {{ ref('abuse_neglect') }}

),

years as (

    select * from (
        select {{ each_integer(var('first_reporting_year'), last_published_year()) }} as time_period
    ) as published
    where {{ changed_years_only('published.time_period') }}

),

quarters as (

    select
        'Q' || cast(numbers.quarter_number as {{ dbt.type_string() }}) as quarter,
        numbers.quarter_number as quarter_order
    from (select {{ each_integer(1, 4) }} as quarter_number) as numbers
    union all
    select
        'Total' as quarter,
        0 as quarter_order

),

items as (

    select
        'Total' as breakdown_topic,
        0 as topic_order,
        'Total' as breakdown,
        0 as item_order
    {%- for topic in topics %}
        union all
        select
            '{{ topic.topic }}' as breakdown_topic,
            {{ loop.index }} as topic_order,
            lookup.{{ topic.label }} as breakdown,
            min(lookup.{{ topic.order }}) as item_order
        from {{ ref(topic.seed) }} as lookup
        where {{ topic.where or 'true' }}
        group by lookup.{{ topic.label }}
    {%- endfor %}

),

nature_items as (

    select
        label as nature_of_notification,
        publish_order as nature_order,
        true as for_total_topic,
        false as is_split
    from natures
    union all
    select distinct
        characteristics_label as nature_of_notification,
        characteristics_order as nature_order,
        false as for_total_topic,
        false as is_split
    from natures
    union all
    select distinct
        child_death_label as nature_of_notification,
        child_death_order as nature_order,
        false as for_total_topic,
        true as is_split
    from abuse_neglect
    union all
    select
        'Total' as nature_of_notification,
        0 as nature_order,
        topic_kinds.for_total_topic,
        false as is_split
    from (values (true), (false)) as topic_kinds (for_total_topic)

),

-- Each counted notification once per topic, under the item its characteristic falls in.
memberships as (

    select
        notifications.notification_id,
        notifications.reporting_year as time_period,
        notifications.reporting_quarter as quarter,
        notifications.nature,
        notifications.abuse_neglect,
        'Total' as breakdown_topic,
        'Total' as breakdown
    from notifications
    {%- for topic in topics %}
        union all
        select
            notifications.notification_id,
            notifications.reporting_year as time_period,
            notifications.reporting_quarter as quarter,
            notifications.nature,
            notifications.abuse_neglect,
            '{{ topic.topic }}' as breakdown_topic,
            lookup.{{ topic.label }} as breakdown
        from notifications
        inner join {{ ref(topic.seed) }} as lookup
            on
                notifications.{{ topic.column }} = lookup.{{ topic.code }}
                and {{ topic.where or 'true' }}
    {%- endfor %}

),

-- Each membership counted once under its nature, in its quarter; the totals over quarters and
-- natures are sums of these counts (one pass over the memberships, not four).
labelled as (

    select
        memberships.time_period,
        memberships.quarter,
        memberships.breakdown_topic,
        memberships.breakdown,
        case
            when memberships.breakdown_topic = 'Total' then natures.label
            else natures.characteristics_label
        end as nature_of_notification,
        count(*) as number_notifications
    from memberships
    inner join natures on memberships.nature = natures.code
    group by all

),

-- Each count in its quarter and the year, and in its nature and the Total nature.
expanded as (

    select * from labelled
    union all
    select
        time_period,
        'Total' as quarter,
        breakdown_topic,
        breakdown,
        nature_of_notification,
        number_notifications
    from labelled
    union all
    select
        time_period,
        quarter,
        breakdown_topic,
        breakdown,
        'Total' as nature_of_notification,
        number_notifications
    from labelled
    union all
    select
        time_period,
        'Total' as quarter,
        breakdown_topic,
        breakdown,
        'Total' as nature_of_notification,
        number_notifications
    from labelled

),

-- Under the split topic, each child death once more in the year, under its abuse/neglect item
-- (these items split the Child death figure, so they are not in the Total nature again).
split as (

    select
        memberships.time_period,
        'Total' as quarter,
        memberships.breakdown_topic,
        memberships.breakdown,
        abuse_neglect.child_death_label as nature_of_notification,
        count(*) as number_notifications
    from memberships
    inner join abuse_neglect on memberships.abuse_neglect = abuse_neglect.code
    where
        memberships.breakdown_topic = '{{ split_topic }}'
        and memberships.nature = '{{ var("child_death_split_nature") }}'
    group by all

),

counts as (

    select * from expanded
    union all
    select * from split

),

counted as (

    select
        time_period,
        quarter,
        breakdown_topic,
        breakdown,
        nature_of_notification,
        sum(number_notifications)::bigint as number_notifications
    from counts
    group by all

),

final as (

    select
        years.time_period,
        quarters.quarter,
        quarters.quarter_order,
        items.breakdown_topic,
        items.topic_order,
        items.breakdown,
        items.item_order,
        nature_items.nature_of_notification,
        nature_items.nature_order,
        coalesce(counted.number_notifications, 0) as number_notifications
    from years
    cross join quarters
    cross join items
    inner join nature_items
        on
            (items.breakdown_topic = 'Total') = nature_items.for_total_topic
            and (not nature_items.is_split or items.breakdown_topic = '{{ split_topic }}')
    left join counted
        on
            years.time_period = counted.time_period
            and quarters.quarter = counted.quarter
            and items.breakdown_topic = counted.breakdown_topic
            and items.breakdown = counted.breakdown
            and nature_items.nature_of_notification = counted.nature_of_notification
    -- Quarters are a breakdown of the year's totals only (the split items are under a topic, so
    -- annual too).
    where quarters.quarter = 'Total' or items.breakdown_topic = 'Total'

)

select * from final
