with

ratings as (
    select * from {{ ref('fct_ratings') }}
    where {{ ds_filter(ref('fct_ratings')) }}
),

final as (
    select
        cast(date_trunc('month', rated_on) as date) as rated_month,
        count(*) as n_ratings,
        count(distinct user_id) as n_users,
        count(distinct movie_id) as n_movies,
        {{ round_to('avg(rating)', 3) }} as avg_rating
    from ratings
    group by cast(date_trunc('month', rated_on) as date)
)

select * from final
