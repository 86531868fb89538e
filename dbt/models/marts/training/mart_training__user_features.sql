with

users as (
    select * from {{ ref('stg_movielens__users') }}
),

final as (
    select
        user_id,
        gender,
        age_bucket,
        occupation,
        zip_region
    from users
)

select * from final
