with

source as (
    select * from {{ source('movielens', 'ratings') }}
    where {{ ds_filter(source('movielens', 'ratings')) }}
),

final as (
    select
        user_id,
        movie_id,
        rating,
        rated_at
    from source
)

select * from final
