{#- Use the folder's schema name as is (staging, marts, ...), not <target>_<schema>, plus the var
    schema_suffix: the daily DAG builds a ds into <schema>_next and swaps it in when complete
    (plugins/recsys/warehouse/swap.py). -#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- if custom_schema_name is none -%}{{ target.schema }}{%- else -%}{{ custom_schema_name | trim }}{%- endif -%}
    {{- var('schema_suffix', '') -}}
{%- endmacro %}
