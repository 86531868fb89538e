with

users as (
    select * from {{ ref('int_users__features_joined') }}
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
