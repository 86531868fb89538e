with

source as (
    select * from {{ source('movies', 'users') }}
    where {{ ds_filter(source('movies', 'users')) }}
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
