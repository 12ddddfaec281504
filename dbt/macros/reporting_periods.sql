{#- Reporting years and quarters (docs/rules.md §2): their one definition. -#}

{#- Reporting year YYYY = 1 April of YYYY-1 to 31 March of YYYY. -#}
{% macro reporting_year(day) -%}
    (year({{ day }}) + case when month({{ day }}) >= 4 then 1 else 0 end)
{%- endmacro %}

{#- Q1 April-June, Q2 July-September, Q3 October-December, Q4 January-March. -#}
{% macro reporting_quarter(day) -%}
    ('Q' || cast({{ integer_divide('(month(' ~ day ~ ') + 8) % 12', 3) }} + 1 as {{ dbt.type_string() }}))
{%- endmacro %}

{#- The last day of reporting year `year_expr`. -#}
{% macro reporting_year_end(year_expr) -%}
    make_date(({{ year_expr }})::bigint, 3, 31)
{%- endmacro %}

{#- The run's parameters (pipelines/parameters.py), read from the one-row table the run writes
    before dbt starts (not dbt vars: a var that changes every day would make dbt parse the whole
    project every run). -#}
{% macro run_parameter(column) -%}
    (select run_parameters.{{ column }} from {{ source('reference', 'run_parameters') }} as run_parameters)
{%- endmacro %}

{#- The as-at date: timeliness is measured at it (a release's cut-off, in a release). -#}
{% macro as_at_date() -%}
    {{ run_parameter('as_at_date') }}
{%- endmacro %}

{#- Keeps the versions held at a release's cut-off: updated on or before the end of that day
    (London time). Every version when the run has no cut-off (the current files). -#}
{% macro held_at_cut_off(updated_date) -%}
    ({{ run_parameter('cut_off_date') }} is null or {{ updated_date }} <= {{ run_parameter('cut_off_date') }})
{%- endmacro %}

{#- The reporting year that holds the run's as-at date. -#}
{% macro as_at_reporting_year() -%}
    {{ reporting_year(as_at_date()) }}
{%- endmacro %}

{#- The latest reporting year that had ended by the as-at date (a year ends at the end of 31 March,
    so as at 31 March it is still in progress). -#}
{% macro last_complete_year() -%}
    ({{ as_at_reporting_year() }} - 1)
{%- endmacro %}

{#- The last reporting year a file publishes (docs/rules.md §2): a release's year, or the last
    complete year. The year in progress is never in an open-data file. -#}
{% macro last_published_year() -%}
    coalesce({{ run_parameter('release_year') }}, {{ last_complete_year() }})
{%- endmacro %}
