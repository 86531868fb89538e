with

users as (
    select * from {{ ref('stg_movielens__users') }}
),

occupations as (
    select * from {{ ref('ml_occupations') }}
),

final as (
    select
        users.user_id,
        users.gender,
        users.age_bucket,
        occupations.occupation_name as occupation,
        users.zip_region
    from users
    inner join occupations on users.occupation = occupations.occupation
)

select * from final
