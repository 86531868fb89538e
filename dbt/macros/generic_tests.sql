{#- Generic tests written here because dbt packages (dbt_utils) cannot be fetched offline. -#}

{% test unique_combination(model, columns) %}
select {{ columns | join(', ') }}, count(*) as n_rows
from {{ model }}
group by {{ columns | join(', ') }}
having count(*) > 1
{% endtest %}

{% test not_in_future(model, column_name) %}
select {{ column_name }}
from {{ model }}
where {{ column_name }} > {{ dbt.current_timestamp() }}
{% endtest %}

{% test value_between(model, column_name, min_value, max_value) %}
select {{ column_name }}
from {{ model }}
where {{ column_name }} < {{ min_value }} or {{ column_name }} > {{ max_value }}
{% endtest %}

{#- Demographics are all present (a source with demographics) or all absent (one without). -#}
{% test all_or_none_null(model, columns) %}
select *
from {{ model }}
where not (
    ({% for c in columns %}{{ c }} is null{% if not loop.last %} and {% endif %}{% endfor %})
    or ({% for c in columns %}{{ c }} is not null{% if not loop.last %} and {% endif %}{% endfor %})
)
{% endtest %}
