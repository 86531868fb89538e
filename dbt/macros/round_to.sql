{#- Round a float for display. Casts with an explicit precision: a bare numeric is
    numeric(18, 0) on Redshift and would drop every decimal. -#}
{% macro round_to(expression, digits) -%}
    round(cast({{ expression }} as numeric(18, 6)), {{ digits }})
{%- endmacro %}

{#- a / b as a float, null when b is 0 (integer division would truncate). -#}
{% macro ratio(numerator, denominator) -%}
    (cast({{ numerator }} as double precision) / nullif({{ denominator }}, 0))
{%- endmacro %}
