{#- Ratings per day and demographic segment, additive (sums and counts, no distinct users), so a
    dashboard can filter by date range and segment and still add the rows up. -#}
with

ratings as (
    select * from {{ ref('fct_ratings') }}
    where {{ ds_filter(ref('fct_ratings')) }}
),

users as (
    select * from {{ ref('dim_users') }}
),

final as (
    select
        ratings.ds,
        ratings.rated_on,
        users.gender,
        users.age_bucket,
        users.occupation,
        users.zip_region,
        count(*) as n_ratings,
        sum(ratings.rating) as sum_rating
    from ratings
    inner join users on ratings.user_id = users.user_id
    group by ratings.ds, ratings.rated_on, users.gender, users.age_bucket, users.occupation, users.zip_region
)

select * from final
