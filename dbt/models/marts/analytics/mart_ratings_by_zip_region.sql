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

per_region as (
    select
        users.zip_region,
        count(*) as n_ratings,
        count(distinct ratings.user_id) as n_users,
        avg(ratings.rating) as avg_rating
    from ratings
    inner join users on ratings.user_id = users.user_id
    group by users.zip_region
),

final as (
    select
        per_region.zip_region,
        per_region.n_users,
        per_region.n_ratings,
        {{ round_to('per_region.avg_rating', 3) }} as avg_rating,
        {{ round_to(ratio('per_region.n_ratings', 'total.n_all_ratings'), 4) }} as share_of_ratings
    from per_region
    cross join total
)

select * from final
