with

source as (
    select * from {{ source('movielens', 'users') }}
    where {{ ds_filter(source('movielens', 'users')) }}
),

final as (
    select
        user_id,
        gender,
        age,
        age_bucket,
        occupation,
        zip_code,
        zip_region
    from source
)

select * from final
