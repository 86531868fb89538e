{#- The body of a "ratings by <user attribute>" mart: users who rated, their ratings,
    mean rating and share of all ratings, per value of a dim_users column, as of the ds. -#}
{% macro ratings_by_user_attribute(attribute) %}
with

ratings as (
    select * from {{ ref('fct_ratings') }}
    where {{ ds_filter(ref('fct_ratings')) }}
),

users as (
    select * from {{ ref('dim_users') }}
),

total as (
    select
        max(ds) as ds,
        count(*) as n_all_ratings
    from ratings
),

per_value as (
    select
        users.{{ attribute }},
        count(*) as n_ratings,
        count(distinct ratings.user_id) as n_users,
        avg(ratings.rating) as avg_rating
    from ratings
    inner join users on ratings.user_id = users.user_id
    group by users.{{ attribute }}
),

final as (
    select
        total.ds,
        per_value.{{ attribute }},
        per_value.n_users,
        per_value.n_ratings,
        {{ round_to(ratio('per_value.n_ratings', 'per_value.n_users'), 2) }} as ratings_per_user,
        {{ round_to('per_value.avg_rating', 3) }} as avg_rating,
        {{ round_to(ratio('per_value.n_ratings', 'total.n_all_ratings'), 4) }} as share_of_ratings
    from per_value
    cross join total
)

select * from final
{% endmacro %}
