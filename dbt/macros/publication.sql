{#- Publication arithmetic (docs/rules.md §4): rounding half away from zero, done in integers so no
    binary fraction can tip a half the wrong way. -#}

{#- A non-negative whole number rounded half away from zero to a multiple of `base`. -#}
{% macro round_to_base(count_expr, base) -%}
    ({{ integer_divide('(' ~ count_expr ~ ') * 2 + (' ~ base ~ ')', '2 * (' ~ base ~ ')') }} * ({{ base }}))
{%- endmacro %}

{#- A regional count as published: rounded to the base; a non-zero count that rounds to 0 is k. -#}
{% macro regional_count(count_expr) -%}
    case
        when ({{ count_expr }}) > 0 and {{ round_to_base(count_expr, var('regional_rounding_base')) }} = 0
            then 'k'
        else cast({{ round_to_base(count_expr, var('regional_rounding_base')) }} as {{ dbt.type_string() }})
    end
{%- endmacro %}

{#- numerator / denominator x scale to one decimal place, half away from zero, in integers;
    `when_zero` where the denominator is 0. -#}
{% macro ratio_1dp(numerator, denominator, scale, when_zero) -%}
    case
        when ({{ denominator }}) = 0 then '{{ when_zero }}'
        else printf(
            '%.1f',
            cast({{ integer_divide(
                '20 * ' ~ scale ~ ' * cast(' ~ numerator ~ ' as bigint) + (' ~ denominator ~ ')',
                '2 * cast(' ~ denominator ~ ' as bigint)'
            ) }} as double) / 10
        )
    end
{%- endmacro %}

{#- A percentage to one decimal place; z when there are no cases. -#}
{% macro percent_1dp(numerator, denominator) -%}
    {{ ratio_1dp(numerator, denominator, 100, 'z') }}
{%- endmacro %}

{#- A number (median, rate) to one decimal place, half away from zero; z when missing. -#}
{% macro one_dp(value_expr) -%}
    case
        when ({{ value_expr }}) is null then 'z'
        else printf('%.1f', cast(floor(({{ value_expr }}) * 10 + 0.5) as double) / 10)
    end
{%- endmacro %}

{#- A number to a fixed number of decimal places, half away from zero, as text: rounded as a
    decimal (first to 12 places, so a binary fraction just below a half still rounds as written). -#}
{% macro fixed_places(value_expr, places) -%}
    cast(cast(round(cast({{ value_expr }} as decimal(38, 12)), {{ places }}) as decimal(38, {{ places }})) as {{ dbt.type_string() }})
{%- endmacro %}
