with

ratings as (
    select * from {{ ref('fct_ratings') }}
    where {{ ds_filter(ref('fct_ratings')) }}
),

users as (
    select * from {{ ref('dim_users') }}
),

total as (
    select count(*) as n_all_ratings from ratings
),

per_occupation as (
    select
        users.occupation,
        count(*) as n_ratings,
        count(distinct ratings.user_id) as n_users,
        avg(ratings.rating) as avg_rating
    from ratings
    inner join users on ratings.user_id = users.user_id
    group by users.occupation
),

final as (
    select
        per_occupation.occupation,
        per_occupation.n_users,
        per_occupation.n_ratings,
        {{ round_to(ratio('per_occupation.n_ratings', 'per_occupation.n_users'), 2) }} as ratings_per_user,
        {{ round_to('per_occupation.avg_rating', 3) }} as avg_rating,
        {{ round_to(ratio('per_occupation.n_ratings', 'total.n_all_ratings'), 4) }} as share_of_ratings
    from per_occupation
    cross join total
)

select * from final
