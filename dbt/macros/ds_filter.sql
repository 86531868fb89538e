{#- Rows of the run's logical date (var ds), or of the newest load when ds is unset. -#}
{% macro ds_filter(relation) -%}
    {%- if var('ds') -%}
    ds = cast('{{ var("ds") }}' as date)
    {%- else -%}
    ds = (select max(newest.ds) from {{ relation }} as newest)
    {%- endif -%}
{%- endmacro %}
