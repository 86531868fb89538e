{#- Distribution and sort keys for a model, applied only when the target is Redshift:
    {{ config(redshift_layout(dist='user_id', sort=['user_id'])) }} -#}
{% macro redshift_layout(dist=none, sort=none) -%}
    {%- if target.type == 'redshift' -%}
        {{ return({'dist': dist, 'sort': sort}) }}
    {%- else -%}
        {{ return({}) }}
    {%- endif -%}
{%- endmacro %}
