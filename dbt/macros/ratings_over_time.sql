{#- The body of a "ratings over time" mart: ratings, raters, movies rated and mean rating
    per period, as of the ds. grain 'day' gives one row per rated_on, 'month' one per rated_month. -#}
{% macro ratings_over_time(grain) %}
{%- set period = 'rated_on' if grain == 'day' else "cast(date_trunc('" ~ grain ~ "', rated_on) as date)" -%}
{%- set column = 'rated_on' if grain == 'day' else 'rated_' ~ grain -%}
with

ratings as (
    select * from {{ ref('fct_ratings') }}
    where {{ ds_filter(ref('fct_ratings')) }}
),

final as (
    select
        ds,
        {{ period }}{{ ' as ' ~ column if period != column }},
        count(*) as n_ratings,
        count(distinct user_id) as n_users,
        count(distinct movie_id) as n_movies,
        {{ round_to('avg(rating)', 3) }} as avg_rating
    from ratings
    group by ds, {{ period }}
)

select * from final
{% endmacro %}
