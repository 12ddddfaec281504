-- The floor: the published figures computed by one hand-written DuckDB script straight from the
-- landing folder's CSV files, with none of the pipeline's machinery (no validation, quarantine,
-- lineage, dbt, tests, disclosure control or files). benchmarks/bench.py times it beside
-- `sinstats run` on the same folder and checks that its figures equal the pipeline's.
--
-- It assumes clean files (the benchmark generates them with --bad-rows 0): it applies the
-- reading rules (trimmed values, either date format, codes in any case, `805.0` LA codes) but
-- none of the validation rules. The code lists come from the dbt seeds, as the pipeline's do;
-- the rules' numbers (first year 2019, 5 and 15 working days, the April year) are written out
-- here on purpose: an independent check must not read the code it checks.
--
-- Placeholders filled in by bench.py: {landing}, {seeds}, {as_at}, {bank_holidays}, and
-- {memory_limit}, the limit the pipeline's dbt runs under (dbt/profiles.yml).

set timezone = 'Europe/London';
set memory_limit = '{memory_limit}';

create or replace macro floor_date(x) as coalesce(
    try_strptime(trim(x), '%Y-%m-%d'), try_strptime(trim(x), '%d/%m/%Y')
)::date;

create or replace macro file_date(name) as
    strptime(regexp_extract(name, '_(\d{{8}})\.csv$', 1), '%Y%m%d')::date;

create or replace macro reporting_year(day) as year(day) + (month(day) >= 4)::int;

create or replace temp table notification_rows as
select
    upper(trim(notification_id)) as notification_id,
    cast(trim(record_version) as double)::bigint as record_version,
    cast(trim(record_updated_at) as timestamptz) as record_updated_at,
    lower(trim(record_status)) as record_status,
    nullif(upper(trim(duplicate_of)), '') as duplicate_of,
    cast(cast(trim(la_code) as double)::int as varchar) as la_code,
    floor_date(la_aware_date) as la_aware_date,
    floor_date(notification_date) as notification_date,
    lower(trim(nature)) as nature,
    lower(trim(abuse_neglect)) as abuse_neglect,
    upper(trim(child_sex)) as child_sex,
    cast(trim(child_age) as double)::int as child_age,
    upper(trim(child_ethnicity)) as child_ethnicity,
    upper(trim(child_disability)) as child_disability,
    upper(trim(child_looked_after)) as child_looked_after,
    upper(trim(child_cin_plan)) as child_cin_plan,
    upper(trim(child_cp_plan)) as child_cp_plan,
    upper(trim(known_to_agency)) as known_to_agency,
    lower(trim(placement_type)) as placement_type,
    file_date(filename) as file_date,
    filename as file_name,
    row_number() over () as row_in_read
from read_csv('{landing}/notifications_*.csv', all_varchar = true, filename = true, header = true);

-- The standing version: highest version, then latest update, then latest file, then last row.
create or replace temp table standing as
select * from notification_rows
qualify row_number() over (
    partition by notification_id
    order by record_version desc, record_updated_at desc, file_date desc, file_name desc, row_in_read desc
) = 1;

create or replace temp table natures as
select code, series from read_csv('{seeds}/nature_of_notification.csv');

-- Duplicate links between active notifications of the same series; a loop is cut where it
-- closes, so each notification on it counts in its own right.
create or replace temp table links as
select child.notification_id, parent.notification_id as parent_id
from standing as child
inner join natures as child_series on child.nature = child_series.code
inner join standing as parent on child.duplicate_of = parent.notification_id
inner join natures as parent_series on parent.nature = parent_series.code
where
    child.record_status = 'active'
    and parent.record_status = 'active'
    and child_series.series = parent_series.series
    and child.notification_id <> parent.notification_id;

create or replace temp table on_loop as
with recursive walk (start_id, current_id, depth) as (
    select notification_id, parent_id, 1 from links
    union all
    select walk.start_id, links.parent_id, walk.depth + 1
    from walk inner join links on walk.current_id = links.notification_id
    where walk.current_id <> walk.start_id and walk.depth < 1000
)
select distinct start_id as notification_id from walk where current_id = start_id;

create or replace temp table duplicates as
with recursive chain (start_id, current_id, depth) as (
    select notification_id, parent_id, 1 from links
    where notification_id not in (select notification_id from on_loop)
    union all
    select chain.start_id, links.parent_id, chain.depth + 1
    from chain inner join links on chain.current_id = links.notification_id
    where links.notification_id not in (select notification_id from on_loop)
)
select distinct start_id as notification_id from chain;

create or replace temp table counted as
select standing.*, reporting_year(standing.notification_date) as reporting_year
from standing
inner join natures on standing.nature = natures.code
where
    standing.record_status = 'active'
    and natures.series = 'serious_incident'
    and standing.notification_id not in (select notification_id from duplicates)
    and reporting_year(standing.notification_date) between 2019 and reporting_year(date '{as_at}');

-- Figures 1: national notifications by reporting year and nature, with a total; every year
-- of the series and every nature is published, with 0 where there were none.
create or replace table floor_totals as
with counts as (
    select reporting_year, coalesce(nature, 'Total') as nature, count(*) as notifications
    from counted
    group by grouping sets ((reporting_year, nature), (reporting_year))
),
cells as (
    select years.reporting_year, items.nature
    -- complete years only: the year in progress on the as-at date is in no published file
    from (select unnest(generate_series(2019, reporting_year(date '{as_at}') - 1)) as reporting_year) as years
    cross join (
        select code as nature from natures where series = 'serious_incident' union all select 'Total'
    ) as items
)
select cells.reporting_year, cells.nature, coalesce(counts.notifications, 0) as notifications
from cells
left join counts using (reporting_year, nature);

-- Figures 2: notifications by reporting year and LA (as notified), before rounding.
create or replace table floor_local_authorities as
select reporting_year, la_code, count(*) as notifications
from counted
group by reporting_year, la_code;

-- Figures 3: notifications by reporting year, nature and each characteristic's code, before
-- grouping into published items and before suppression.
create or replace table floor_characteristics as
unpivot (
    select reporting_year, nature, child_sex, child_age::varchar as child_age, child_ethnicity,
        child_disability, child_looked_after, child_cin_plan, child_cp_plan, known_to_agency,
        placement_type
    from counted
) on child_sex, child_age, child_ethnicity, child_disability, child_looked_after,
    child_cin_plan, child_cp_plan, known_to_agency, placement_type
into name characteristic value code;

create or replace table floor_characteristics as
select reporting_year, nature, characteristic, code, count(*) as notifications
from floor_characteristics
group by all;

-- Figures 4: timeliness of notification (5 working days from awareness) and rapid review
-- (15 working days from awareness, where abuse or neglect is known or suspected), as at {as_at}.
create or replace temp table calendar as
with days as (
    select unnest(generate_series(date '2017-01-01', date '2029-12-31', interval 1 day))::date as day
)
select
    day,
    sum((isodow(day) < 6 and day not in ({bank_holidays}))::int) over (order by day) as working_day
from days;

create or replace temp table review_rows as
select
    upper(trim(notification_id)) as notification_id,
    cast(trim(record_updated_at) as timestamptz) as record_updated_at,
    floor_date(rapid_review_received_date) as rapid_review_received_date,
    file_date(filename) as file_date,
    filename as file_name,
    row_number() over () as row_in_read
from read_csv('{landing}/reviews_*.csv', all_varchar = true, filename = true, header = true);

create or replace temp table latest_review as
select * from review_rows
qualify row_number() over (
    partition by notification_id
    order by record_updated_at desc, file_date desc, file_name desc, row_in_read desc
) = 1;

create or replace table floor_timeliness as
with abuse as (
    select code, rapid_review_required from read_csv('{seeds}/abuse_neglect.csv')
),
cases as (
    select counted.reporting_year, 'notification' as measure_code, counted.la_aware_date as start_day,
        counted.notification_date as end_day, 5 as limit_days, false as end_is_review,
        counted.notification_date
    from counted
    union all
    select counted.reporting_year, 'rapid_review', counted.la_aware_date,
        latest_review.rapid_review_received_date, 15, true, counted.notification_date
    from counted
    inner join abuse on counted.abuse_neglect = abuse.code
    left join latest_review on counted.notification_id = latest_review.notification_id
    where abuse.rapid_review_required
),
measured as (
    select
        cases.*,
        case when end_day <= date '{as_at}' then end_day end as ended,
        ending.working_day - starting.working_day as elapsed
    from cases
    left join calendar as starting on cases.start_day = starting.day
    left join calendar as ending on cases.end_day = ending.day
)
select
    reporting_year,
    measure_code,
    case when elapsed <= limit_days then 'on_time' else 'late' end as status,
    count(*) as cases
from measured
where
    ended is not null
    and ended >= start_day
    and not (end_is_review and ended < notification_date)
group by all;
