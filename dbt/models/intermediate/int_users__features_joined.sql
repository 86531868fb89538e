with

users as (
    select * from {{ ref('stg_movies__users') }}
),

ratings as (
    select * from {{ ref('stg_movies__ratings') }}
),

activity as (
    select
        user_id,
        count(*) as n_ratings,
        avg(rating) as avg_rating,
        min(rated_at) as first_rated_at,
        max(rated_at) as last_rated_at
    from ratings
    group by user_id
),

final as (
    select
        users.user_id,
        users.gender,
        users.age_bucket,
        users.occupation,
        users.zip_region,
        activity.avg_rating,
        activity.first_rated_at,
        activity.last_rated_at,
        users.gender is not null as has_demographics,
        coalesce(activity.n_ratings, 0) as n_ratings
    from users
    left join activity on users.user_id = activity.user_id
)

select * from final
